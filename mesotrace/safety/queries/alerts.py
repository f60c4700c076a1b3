"""Reading the clinic's cluster rule, its alerts, and what the two rules find on a lot.

A lot is flagged when `threshold` events of the clinic's watched category fall within
`window_days` (`cluster_events`), or when its event rate per session is significantly above
the pooled rate of the product's other lots (`rate_signal_events`: exact conditional test,
at least `MIN_RATE_CASES` events). Raising the alert is a write (`safety.services.alerts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import numpy as np
from django.core.paginator import Page, Paginator
from django.db.models import Count

from mesotrace.accounts.models import Clinic
from mesotrace.evidence.rates import compare_with_others
from mesotrace.inventory.models import Lot
from mesotrace.safety.models import AdverseEvent, ExposureLevel, SafetyAlert, SafetySettings
from mesotrace.safety.queries.exposure import sessions_per
from mesotrace.safety.rules import largest_cluster

PAGE_SIZE = 50
# Evans et al.'s minimum case count: one or two events on a small lot are not a rate signal.
MIN_RATE_CASES: Final = 3


def settings_for(clinic: Clinic) -> SafetySettings:
    """The clinic's cluster rule (the default rule when it never set one)."""
    found = SafetySettings.objects.for_clinic(clinic).first()
    return found or SafetySettings(clinic=clinic)


def cluster_events(lot: Lot, rule: SafetySettings) -> list[AdverseEvent]:
    """The lot's largest cluster of events under the rule, if it reaches the threshold."""
    events = sorted(
        AdverseEvent.objects.for_clinic(lot.clinic).filter(lots=lot, category=rule.category),
        key=lambda e: (e.onset_date, e.pk),
    )
    picked = largest_cluster([e.onset_date for e in events], rule.window_days)
    return [events[i] for i in picked] if len(picked) >= rule.threshold else []


def sessions_per_lot(clinic: Clinic, lot_ids: Iterable[int]) -> dict[int, int]:
    """Sessions exposed to each lot (a session counts once however many points it had)."""
    return sessions_per(clinic, ExposureLevel.LOT, lot_ids)


def rate_signal_events(lot: Lot, rule: SafetySettings) -> list[AdverseEvent]:
    """The lot's events of the rule's category when its rate per session is significantly
    above the product's other lots; none otherwise."""
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


def lots_with_events(clinic: Clinic, category: str) -> list[Lot]:
    """The clinic's lots linked to an event of `category`, oldest first."""
    linked = AdverseEvent.lots.through.objects.filter(
        adverseevent__clinic=clinic, adverseevent__category=category
    ).values("lot_id")
    return list(Lot.objects.for_clinic(clinic).filter(pk__in=linked).order_by("pk"))


def open_alerts(clinic: Clinic) -> list[SafetyAlert]:
    """The clinic's open alerts with their lot and product, newest first, in one query."""
    return list(
        SafetyAlert.objects.for_clinic(clinic)
        .filter(closed_at__isnull=True)
        .select_related("lot", "lot__product")
    )


def open_alerts_on(clinic: Clinic, event: AdverseEvent) -> list[SafetyAlert]:
    """The clinic's open alerts on a lot the event is linked to."""
    return [a for a in open_alerts(clinic) if event.lots.filter(pk=a.lot_id).exists()]


def alert_page(clinic: Clinic, number: str | None) -> Page[SafetyAlert]:
    """A page of the clinic's alerts, open or closed, newest first, with lot and events."""
    found = (
        SafetyAlert.objects.for_clinic(clinic)
        .select_related("lot", "lot__product")
        .prefetch_related("events")
    )
    return Paginator(found, PAGE_SIZE).get_page(number)
