"""Demo adverse events: a few ordinary ones and a planted cluster the alert code finds.

Call after the demo sessions (`demo.charting.give_demo_sessions`). Two patients whose demo
sessions drew from the same lot get a non-tuberculous mycobacterial skin infection (the
signature serious event after mesotherapy: M. chelonae, onset 1 to 12 weeks after the
injection, shared/reference/domain.md §3a); a few other patients get bruising or pain. Every
event goes through `record_event`, audited, so the real cluster rule puts the lot
under investigation and opens an alert. If no lot was used by two patients, the demo charts
one more session with the first session's lot. Events and patients are synthetic.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic, Membership
from mesotrace.accounts.roles import Role
from mesotrace.core.clock import clinic_today
from mesotrace.demo.charting import give_demo_session_with_lot
from mesotrace.inventory.models import Lot
from mesotrace.safety.models import AdverseEvent, Causality, Outcome, SafetyAlert, Term
from mesotrace.safety.services.events import EventInput, record_event
from mesotrace.treatments.models import InjectionComponent, TreatmentSession

ORGANISM = _("Mycobacterium chelonae (synthetic demo culture)")
ONSET_AFTER_DAYS = 7  # within the 1 to 12 weeks reported (domain.md §3a)


class DemoSafetyRefused(Exception):
    """Demo adverse events are never written in production."""


@dataclass(frozen=True)
class DemoSafety:
    events: int
    lot: str | None
    alert: int | None


def _recorder(clinic: Clinic, actor: Actor) -> Actor:
    """A practitioner (else the owner) of the clinic records the events, as in clinic."""
    for role in (Role.PRACTITIONER, Role.OWNER):
        membership = (
            Membership.objects.filter(clinic=clinic, role=role, is_active=True)
            .select_related("user", "clinic")
            .order_by("pk")
            .first()
        )
        if membership is not None:
            return Actor.system("demo", membership)
    return actor


def _single_lot_sessions(clinic: Clinic) -> QuerySet[TreatmentSession]:
    """Sessions that drew from one lot only: an event on them points at that lot alone."""
    return (
        TreatmentSession.objects.for_clinic(clinic)
        .annotate(lots=Count("injections__components__lot", distinct=True))
        .filter(lots=1)
    )


def _shared_lot(clinic: Clinic) -> Lot | None:
    """The first lot that single-lot sessions of two patients drew from."""
    row = (
        InjectionComponent.objects.for_clinic(clinic)
        .filter(injection__session__in=_single_lot_sessions(clinic).values("pk"))
        .values("lot_id")
        .annotate(patients=Count("injection__session__patient_id", distinct=True))
        .filter(patients__gte=2)
        .order_by("lot_id")
        .first()
    )
    return Lot.objects.get(pk=row["lot_id"]) if row else None


def _cluster_lot(clinic: Clinic, seed: int, actor: Actor) -> Lot | None:
    found = _shared_lot(clinic)
    if found is not None:
        return found
    first = (
        InjectionComponent.objects.for_clinic(clinic)
        .filter(injection__session__in=_single_lot_sessions(clinic).values("pk"))
        .select_related("lot")
        .order_by("pk")
        .first()
    )
    if first is None:
        return None
    give_demo_session_with_lot(clinic, first.lot, seed=seed, actor=actor)
    return _shared_lot(clinic)


def _sessions_on(lot: Lot) -> list[TreatmentSession]:
    """One single-lot session per patient exposed to the lot, earliest first."""
    sessions = _single_lot_sessions(lot.clinic).filter(injections__components__lot=lot)
    first: dict[int, TreatmentSession] = {}
    for session in sessions.distinct().order_by("performed_on", "pk"):
        first.setdefault(session.patient_id, session)
    return list(first.values())


def _onset(session: TreatmentSession, days: int) -> datetime.date:
    return min(session.performed_on + datetime.timedelta(days=days), clinic_today(session.clinic))


def _infection(actor: Actor, session: TreatmentSession, index: int) -> AdverseEvent:
    onset = _onset(session, ONSET_AFTER_DAYS)
    return record_event(
        actor,
        session.patient,
        EventInput(
            term=Term.NTM_INFECTION,
            onset_date=onset,
            detected_on=clinic_today(session.clinic),
            grade=2 + index % 2,
            outcome=Outcome.NOT_RECOVERED,
            causality=Causality.PROBABLE,
            actions_taken=str(
                _("Biopsy and culture; referred to infectious diseases (synthetic demo).")
            ),
            organism=str(ORGANISM),
            description=str(_("Tender red nodules at injection points (synthetic demo event).")),
            session_ids=[session.pk],
        ),
    )


def _ordinary(actor: Actor, session: TreatmentSession, term: str) -> AdverseEvent:
    return record_event(
        actor,
        session.patient,
        EventInput(
            term=term,
            onset_date=session.performed_on,
            detected_on=session.performed_on,
            grade=1,
            outcome=Outcome.RECOVERED,
            causality=Causality.CERTAIN if term == Term.HAEMATOMA else Causality.PROBABLE,
            description=str(_("Synthetic demo event.")),
            session_ids=[session.pk],
        ),
    )


@transaction.atomic
def give_demo_safety(clinic: Clinic, seed: int = 2026, actor: Actor | None = None) -> DemoSafety:
    """Plants the demo events; a clinic that already has events is left as it is."""
    if settings.ENVIRONMENT == "production":
        raise DemoSafetyRefused("Demo adverse events are never written in production.")
    if AdverseEvent.objects.for_clinic(clinic).exists():
        return DemoSafety(0, None, None)
    actor = actor or Actor.system("demo")
    lot = _cluster_lot(clinic, seed, actor)
    recorder = _recorder(clinic, actor)
    clustered = _sessions_on(lot)[:2] if lot is not None else []
    others = [
        s
        for s in TreatmentSession.objects.for_clinic(clinic).order_by("pk")
        if s.pk not in {c.pk for c in clustered}
    ]
    events = [
        _ordinary(recorder, session, term)
        for session, term in zip(others, (Term.HAEMATOMA, Term.PAIN, Term.HAEMATOMA), strict=False)
    ]
    events += [_infection(recorder, session, i) for i, session in enumerate(clustered)]
    alert = (
        SafetyAlert.objects.for_clinic(clinic).filter(lot=lot, closed_at__isnull=True).first()
        if lot is not None and len(clustered) == 2
        else None
    )
    return DemoSafety(len(events), lot.lot_number if lot else None, alert.pk if alert else None)
