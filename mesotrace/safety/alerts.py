"""Cluster alerts: a lot with too many events of one category is put under investigation.

Two rules, checked for each lot an event is linked to: `threshold` events of the clinic's
watched category within `window_days` (default 2 infections in 90 days), or the lot's
event rate per session significantly above the pooled rate of the product's other lots
(exact conditional test, at least `MIN_RATE_CASES` events). Either rule sets the lot under
investigation through inventory, so charting refuses it, and opens a `SafetyAlert` that
keeps the rule it was raised with. A rule that may catch more re-checks the clinic's lots
(`recheck_lots`); no rule change ever releases a lot.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.evidence.rates import compare_with_others
from mesotrace.inventory.models import Lot, LotStatus
from mesotrace.inventory.services.stock import set_lot_status
from mesotrace.safety import exposure
from mesotrace.safety.models import (
    AdverseEvent,
    AlertKind,
    ExposureLevel,
    SafetyAlert,
    SafetySettings,
)
from mesotrace.safety.terms import Category

# Evans et al.'s minimum case count: one or two events on a small lot are not a rate signal.
MIN_RATE_CASES: Final = 3


def settings_for(clinic: Clinic) -> SafetySettings:
    """The clinic's cluster rule (the default rule when it never set one)."""
    found = SafetySettings.objects.for_clinic(clinic).first()
    return found or SafetySettings(clinic=clinic)


def largest_cluster(onsets: Sequence[datetime.date], window_days: int) -> list[int]:
    """Indexes (into sorted order) of the most onsets that fit in one window of `window_days`."""
    ordered = sorted(onsets)
    best: list[int] = []
    start = 0
    for end, day in enumerate(ordered):
        while (day - ordered[start]).days > window_days:
            start += 1
        if end - start + 1 > len(best):
            best = list(range(start, end + 1))
    return best


def _cluster(lot: Lot, rule: SafetySettings) -> list[AdverseEvent]:
    events = sorted(
        AdverseEvent.objects.for_clinic(lot.clinic).filter(lots=lot, category=rule.category),
        key=lambda e: (e.onset_date, e.pk),
    )
    picked = largest_cluster([e.onset_date for e in events], rule.window_days)
    return [events[i] for i in picked] if len(picked) >= rule.threshold else []


def sessions_per_lot(clinic: Clinic, lot_ids: Iterable[int]) -> dict[int, int]:
    """Sessions exposed to each lot (a session counts once however many points it had)."""
    return exposure.sessions_per(clinic, ExposureLevel.LOT, lot_ids)


def _rate_signal(lot: Lot, rule: SafetySettings) -> list[AdverseEvent]:
    siblings = list(
        Lot.objects.for_clinic(lot.clinic)
        .filter(product_id=lot.product_id)
        .values_list("pk", flat=True)
    )
    if len(siblings) < 2:
        return []
    events = list(
        AdverseEvent.objects.for_clinic(lot.clinic).filter(lots=lot, category=rule.category)
    )
    if len(events) < MIN_RATE_CASES:
        return []
    counts = dict(
        AdverseEvent.objects.for_clinic(lot.clinic)
        .filter(category=rule.category, lots__in=siblings)
        .values_list("lots")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    )
    sessions = sessions_per_lot(lot.clinic, siblings)
    k = np.array([counts.get(pk, 0) for pk in siblings], dtype=float)
    t = np.array([sessions.get(pk, 0) for pk in siblings], dtype=float)
    if t[siblings.index(lot.pk)] == 0:
        return []
    above = compare_with_others(k, t).significantly_above
    return events if bool(above[siblings.index(lot.pk)]) else []


def _message(lot: Lot, kind: str, category: str, count: int, rule: SafetySettings) -> str:
    label = Category(category).label.lower()
    if kind == AlertKind.CLUSTER:
        return _(
            "%(n)s %(category)s events within %(days)s days linked to lot %(lot)s of %(product)s."
        ) % {
            "n": count,
            "category": label,
            "days": rule.window_days,
            "lot": lot.lot_number,
            "product": lot.product.name,
        }
    return _(
        "Lot %(lot)s of %(product)s: %(category)s rate per session significantly above the "
        "product's other lots (%(n)s events)."
    ) % {"lot": lot.lot_number, "product": lot.product.name, "category": label, "n": count}


def _raise_alert(
    actor: Actor, lot: Lot, kind: str, events: list[AdverseEvent], rule: SafetySettings
) -> SafetyAlert:
    text = _message(lot, kind, rule.category, len(events), rule)
    alert = (
        SafetyAlert.objects.for_clinic(lot.clinic)
        .filter(lot=lot, kind=kind, category=rule.category, closed_at__isnull=True)
        .first()
    )
    created = alert is None
    if alert is None:
        alert = SafetyAlert(clinic=lot.clinic, lot=lot, kind=kind, category=rule.category)
    # The alert keeps the rule its events meet, whatever the clinic's rule becomes later.
    alert.event_count, alert.message = len(events), text
    alert.threshold, alert.window_days = rule.threshold, rule.window_days
    alert.save()
    alert.events.set(events)
    audit.record(
        actor,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        ObjectType.SAFETY_ALERT,
        object_id=alert.pk,
        details={
            "lot": lot.pk,
            "kind": kind,
            "events": [e.pk for e in events],
            "rule": {"threshold": rule.threshold, "window_days": rule.window_days},
        },
        clinic=lot.clinic,
    )
    if lot.status == LotStatus.AVAILABLE:
        set_lot_status(actor, lot, LotStatus.UNDER_INVESTIGATION, _("Safety alert: %s") % text)
    return alert


def check_lot(actor: Actor, lot: Lot) -> SafetyAlert | None:
    """Applies both rules to one lot; the alert raised (or refreshed), if any."""
    rule = settings_for(lot.clinic)
    cluster = _cluster(lot, rule)
    if cluster:
        return _raise_alert(actor, lot, AlertKind.CLUSTER, cluster, rule)
    rate = _rate_signal(lot, rule)
    if rate:
        return _raise_alert(actor, lot, AlertKind.RATE, rate, rule)
    return None


def check_lots(actor: Actor, lots: Iterable[Lot]) -> list[SafetyAlert]:
    """`check_lot` for each lot an event was just linked to."""
    found = [
        check_lot(actor, lot)
        for lot in Lot.objects.filter(pk__in=[x.pk for x in lots]).select_related(
            "product", "clinic"
        )
    ]
    return [alert for alert in found if alert is not None]


def recheck_lots(actor: Actor, clinic: Clinic) -> list[Lot]:
    """`check_lot` under the clinic's current rule for every lot with events of its category.

    The lots it put under investigation, oldest first. It never releases a lot: a lot the
    rule no longer catches stays as it is until someone decides (`release_lot`).
    """
    rule = settings_for(clinic)
    linked = AdverseEvent.lots.through.objects.filter(
        adverseevent__clinic=clinic, adverseevent__category=rule.category
    ).values("lot_id")
    lots = list(Lot.objects.for_clinic(clinic).filter(pk__in=linked).order_by("pk"))
    available = [lot.pk for lot in lots if lot.status == LotStatus.AVAILABLE]
    check_lots(actor, lots)
    return list(
        Lot.objects.for_clinic(clinic)
        .filter(pk__in=available, status=LotStatus.UNDER_INVESTIGATION)
        .select_related("product")
        .order_by("pk")
    )


def open_alerts(clinic: Clinic) -> list[SafetyAlert]:
    return list(
        SafetyAlert.objects.for_clinic(clinic)
        .filter(closed_at__isnull=True)
        .select_related("lot", "lot__product")
    )


def release_lot(actor: Actor, alert: SafetyAlert, reason: str) -> SafetyAlert:
    """The owner's override: the lot goes back to available (reason required, audited by
    inventory) and the alert closes. Charting can then use the lot again."""
    with transaction.atomic():
        lot = Lot.objects.select_related("product", "clinic").get(pk=alert.lot_id)
        if lot.status == LotStatus.UNDER_INVESTIGATION:
            set_lot_status(actor, lot, LotStatus.AVAILABLE, reason)
        elif not (reason or "").strip():
            raise ValidationError({"reason": [_("Give the reason for closing this alert.")]})
        alert.closed_at = timezone.now()
        alert.save(update_fields=["closed_at", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            ObjectType.SAFETY_ALERT,
            object_id=alert.pk,
            changes={"closed_at": {"after": alert.closed_at.isoformat()}},
            details={"lot": lot.pk, "reason": reason},
            clinic=lot.clinic,
        )
    return alert
