"""Cluster alerts: a lot the rules flag is put under investigation; the clinic's rule.

Either rule (`safety.queries.alerts`) sets the lot under investigation through inventory,
so charting refuses it, and opens a `SafetyAlert` that keeps the rule it was raised with.
A rule that may catch more re-checks the clinic's lots; no rule change ever releases a lot:
an owner does (`release_lot`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.inventory.models import Lot, LotStatus
from mesotrace.inventory.services.stock import set_lot_status
from mesotrace.safety.models import AdverseEvent, AlertKind, Category, SafetyAlert, SafetySettings
from mesotrace.safety.queries.alerts import (
    cluster_events,
    lots_with_events,
    rate_signal_events,
    settings_for,
)
from mesotrace.safety.rules import catches_more, cluster_rule_errors

SETTINGS_FIELDS = ["category", "threshold", "window_days"]


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
    # Written into the clinic's record, so in the clinic's language, whoever set it off.
    with translation.override(lot.clinic.language):
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
        alert,
        details={
            "lot": lot.pk,
            "kind": kind,
            "events": [e.pk for e in events],
            "rule": {"threshold": rule.threshold, "window_days": rule.window_days},
        },
    )
    if lot.status == LotStatus.AVAILABLE:
        set_lot_status(actor, lot, LotStatus.UNDER_INVESTIGATION, _("Safety alert: %s") % text)
    return alert


def _check_lot(actor: Actor, lot: Lot) -> SafetyAlert | None:
    """Applies both rules to one lot; the alert raised (or refreshed), if any."""
    rule = settings_for(lot.clinic)
    cluster = cluster_events(lot, rule)
    if cluster:
        return _raise_alert(actor, lot, AlertKind.CLUSTER, cluster, rule)
    rate = rate_signal_events(lot, rule)
    if rate:
        return _raise_alert(actor, lot, AlertKind.RATE, rate, rule)
    return None


def _check_lots(actor: Actor, lots: Iterable[Lot]) -> list[SafetyAlert]:
    """`_check_lot` for each lot an event was just linked to, in the caller's transaction."""
    found = [
        _check_lot(actor, lot)
        for lot in Lot.objects.filter(pk__in=[x.pk for x in lots]).select_related(
            "product", "clinic"
        )
    ]
    return [alert for alert in found if alert is not None]


def _recheck_lots(actor: Actor, clinic: Clinic) -> list[Lot]:
    """`_check_lot` under the clinic's current rule for every lot with events of its category.

    The lots it put under investigation, oldest first. It never releases a lot: a lot the
    rule no longer catches stays as it is until someone decides (`release_lot`).
    """
    rule = settings_for(clinic)
    lots = lots_with_events(clinic, rule.category)
    available = [lot.pk for lot in lots if lot.status == LotStatus.AVAILABLE]
    _check_lots(actor, lots)
    return list(
        Lot.objects.for_clinic(clinic)
        .filter(pk__in=available, status=LotStatus.UNDER_INVESTIGATION)
        .select_related("product")
        .order_by("pk")
    )


@transaction.atomic
def release_lot(actor: Actor, alert: SafetyAlert, reason: str) -> SafetyAlert:
    """The owner's override: the lot goes back to available (reason required, audited by
    inventory) and the alert closes. Charting can then use the lot again."""
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
        alert,
        changes={"closed_at": {"after": alert.closed_at.isoformat()}},
        details={"lot": lot.pk, "reason": reason},
    )
    return alert


# --- The clinic's cluster rule ------------------------------------------------------------


@dataclass
class RuleChange:
    """A saved cluster rule, and what re-checking the lots under it did."""

    rule: SafetySettings
    rechecked: bool  # False when the new rule catches no lot the old one did not
    newly_under_investigation: list[Lot]


@transaction.atomic
def update_cluster_rule(
    actor: Actor, clinic: Clinic, category: str, threshold: int, window_days: int
) -> RuleChange:
    """Sets the clinic's cluster rule (events of `category` on one lot within the window).

    A rule that may catch more re-checks the lots with events at once, in this
    transaction; a looser rule releases nothing (releasing a lot stays an owner's decision).
    """
    errors = cluster_rule_errors(category, threshold, window_days)
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    rule = SafetySettings.objects.select_for_update().filter(clinic=clinic).first()
    rule = rule or SafetySettings(clinic=clinic)
    old = SafetySettings(
        category=rule.category, threshold=rule.threshold, window_days=rule.window_days
    )
    before = audit.snapshot(rule, SETTINGS_FIELDS) if rule.pk else {}
    rule.category, rule.threshold, rule.window_days = category, threshold, window_days
    rule.save()
    rechecked = catches_more(old, rule)
    flagged = _recheck_lots(actor, clinic) if rechecked else []
    audit.record(
        actor,
        AuditAction.UPDATE if before else AuditAction.CREATE,
        rule,
        changes=audit.diff(before, audit.snapshot(rule, SETTINGS_FIELDS)),
        details={"rechecked": rechecked, "newly_under_investigation": [lot.pk for lot in flagged]},
    )
    return RuleChange(rule, rechecked, flagged)
