"""Reads of the pages composed from several apps: the patient record and the today board, each
page's reading of patient data audited once."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from mesotrace.accounts.access import Actor, clinic_object_or_404
from mesotrace.accounts.models import Clinic, Membership
from mesotrace.audit import services as audit
from mesotrace.audit.models import ObjectType
from mesotrace.catalogue.models import Allergen
from mesotrace.consent.models import ConsentDocument, ConsentSignature
from mesotrace.consent.queries import consent_problem
from mesotrace.core.clock import clinic_today
from mesotrace.inventory.models import Lot, RecallCampaign, RecallContact
from mesotrace.inventory.queries.recalls import campaigns_of
from mesotrace.inventory.queries.stock import low_stock, near_expiry
from mesotrace.patients.models import Allergy, Patient
from mesotrace.safety.models import AdverseEvent, SafetyAlert
from mesotrace.safety.queries.alerts import open_alerts
from mesotrace.safety.queries.events import awaiting_grade
from mesotrace.treatments.models import (
    HOLDS_TIME,
    Appointment,
    AppointmentStatus,
    PlanStatus,
    TreatmentPlan,
)
from mesotrace.treatments.queries.plans import screening_for
from mesotrace.treatments.rules.calendar import day_bounds
from mesotrace.treatments.rules.screening import open_warnings

# The desk calls patients about the next two days' appointments.
AHEAD_DAYS = 2
BOARD_ROWS = 50
UPCOMING_ON_RECORD = 10


def read_patient_record(
    actor: Actor, clinic: Clinic, patient_id: int, *, clinical: bool
) -> Patient:
    """The clinic's patient (else 404); the reading of the parts shown is audited."""
    patient = clinic_object_or_404(Patient.objects.all(), clinic, pk=patient_id)
    part = "demographics+clinical" if clinical else "demographics"
    audit.record_read(actor, patient, details={"part": part})
    return patient


def allergy_coding(patient: Patient) -> list[tuple[Allergy, list[Allergen]]]:
    """Each recorded allergy with the catalogue substances or classes it is coded to; an empty
    list is an allergy not matched to a substance, which screening asks to review."""
    allergies = patient.allergies.prefetch_related("allergens__member_of")
    return [(allergy, list(allergy.allergens.all())) for allergy in allergies]


@dataclass(frozen=True)
class PatientSchedule:
    """A patient's open plans and the appointments still ahead of them."""

    today: datetime.date
    plans: list[TreatmentPlan]
    upcoming: list[Appointment]


def patient_schedule(actor: Actor, clinic: Clinic, patient: Patient) -> PatientSchedule:
    """The patient's draft and active plans and their next appointments; audited as lists."""
    plans = list(
        TreatmentPlan.objects.for_clinic(clinic)
        .filter(patient=patient, status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE])
        .select_related("protocol", "practitioner")
        .order_by("-created_at", "-id")
    )
    today = clinic_today(clinic)
    start, _end = day_bounds([today], clinic)
    upcoming = list(
        Appointment.objects.for_clinic(clinic)
        .filter(patient=patient, status=AppointmentStatus.BOOKED, ends_at__gt=start)
        .select_related("plan__protocol", "practitioner", "charted_session")
        .order_by("starts_at", "id")[:UPCOMING_ON_RECORD]
    )
    mine = {"patient": patient.pk}
    audit.record_list(actor, ObjectType.TREATMENT_PLAN, plans, patient_id=patient.pk, details=mine)
    audit.record_list(actor, ObjectType.APPOINTMENT, upcoming, patient_id=patient.pk, details=mine)
    return PatientSchedule(today, plans, upcoming)


@dataclass(frozen=True)
class TodayRow:
    """One of today's appointments with what stands between it and charting."""

    appointment: Appointment
    consent_problem: str | None
    open_warnings: int

    @property
    def charted(self) -> bool:
        return hasattr(self.appointment, "charted_session")


@dataclass
class Board:
    """What the member's role starts the day with; an empty list is a part not shown."""

    today: datetime.date
    appointments: list[TodayRow] = field(default_factory=list)
    to_countersign: list[ConsentSignature] = field(default_factory=list)
    to_sign: list[ConsentDocument] = field(default_factory=list)
    coming: list[Appointment] = field(default_factory=list)
    alerts: list[SafetyAlert] = field(default_factory=list)
    to_grade: list[AdverseEvent] = field(default_factory=list)
    near_expiry: list[Lot] = field(default_factory=list)
    low_stock: list[Lot] = field(default_factory=list)
    recalls: list[RecallCampaign] = field(default_factory=list)


def _appointments_between(
    clinic: Clinic, start: datetime.datetime, end: datetime.datetime
) -> QuerySet[Appointment]:
    return (
        Appointment.objects.for_clinic(clinic)
        .filter(status__in=HOLDS_TIME, starts_at__gte=start, starts_at__lt=end)
        .select_related("patient", "practitioner", "plan__protocol", "charted_session")
        .order_by("starts_at", "id")
    )


def _today_rows(appointments: list[Appointment], clinical: bool) -> list[TodayRow]:
    """Each appointment with its consent and, for clinical staff, its open screening
    warnings; a plan seen twice is checked once."""
    checked: dict[int, tuple[str | None, int]] = {}
    rows = []
    for appointment in appointments:
        plan = appointment.plan
        if plan.pk not in checked:
            warnings = len(open_warnings(screening_for(plan))) if clinical else 0
            checked[plan.pk] = (consent_problem(plan), warnings)
        rows.append(TodayRow(appointment, *checked[plan.pk]))
    return rows


def _to_countersign(clinic: Clinic) -> list[ConsentSignature]:
    """Open plans' signatures standing without a clinician's countersignature."""
    open_plan = Q(document__plan__status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE])
    return list(
        ConsentSignature.objects.filter(clinic_id=clinic.pk, withdrawn_at__isnull=True)
        .filter(open_plan, countersigned_at__isnull=True)
        .select_related("document__patient", "document__plan__protocol")
        .defer("signed_pdf", "signed_text", "drawn_signature", "document__content")
        .order_by("signed_at", "id")[:BOARD_ROWS]
    )


def _to_sign(clinic: Clinic) -> list[ConsentDocument]:
    """Open plans' latest documents that nobody has signed yet."""
    latest = (
        ConsentDocument.objects.for_clinic(clinic)
        .filter(plan__status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE])
        .annotate(signed=Count("signatures"))
        .select_related("patient", "plan__protocol")
        .defer("content")
        .order_by("plan_id", "-created_at", "-id")
    )
    unsigned: dict[int, ConsentDocument] = {}
    for document in latest:
        unsigned.setdefault(document.plan_id, document)
    return [d for d in unsigned.values() if d.signed == 0][:BOARD_ROWS]  # type: ignore[attr-defined]


def _owner_parts(board: Board, clinic: Clinic) -> None:
    board.alerts = open_alerts(clinic)
    board.to_grade = list(
        awaiting_grade(clinic).select_related("patient").order_by("onset_date", "id")[:BOARD_ROWS]
    )
    board.near_expiry = near_expiry(clinic, today=board.today)[:BOARD_ROWS]
    board.low_stock = low_stock(clinic)[:BOARD_ROWS]
    calls = RecallContact.objects.for_clinic(clinic).filter(contacted=False)
    pending = campaigns_of(clinic).filter(closed_at__isnull=True, pk__in=calls.values("campaign"))
    board.recalls = list(pending.order_by("id"))


def _audit_board(actor: Actor, board: Board) -> None:
    """One audit row per kind of patient data the board shows."""
    shown: list[tuple[ObjectType, list]] = [  # type: ignore[type-arg]
        (ObjectType.APPOINTMENT, [r.appointment for r in board.appointments] + board.coming),
        (ObjectType.CONSENT_SIGNATURE, board.to_countersign),
        (ObjectType.CONSENT_DOCUMENT, board.to_sign),
        (ObjectType.ADVERSE_EVENT, board.to_grade),
    ]
    for kind, rows in shown:
        if rows:
            audit.record_list(actor, kind, rows, details={"what": "today board"})


def today_board(actor: Actor, clinic: Clinic, membership: Membership) -> Board:
    """The today board of the member's role, its patient data audited."""
    board = Board(today=clinic_today(clinic))
    start, end = day_bounds([board.today], clinic)
    if membership.may("schedule.view"):
        todays = list(_appointments_between(clinic, start, end)[:BOARD_ROWS])
        board.appointments = _today_rows(todays, membership.may("screening.view"))
    if membership.may("consent.countersign"):
        board.to_countersign = _to_countersign(clinic)
    if membership.may("consent.manage"):
        board.to_sign = _to_sign(clinic)
    # The desk calls ahead; clinicians chart, so their board stays on today.
    if membership.may("clinic.manage") or not membership.may("session.chart"):
        ahead = end + datetime.timedelta(days=AHEAD_DAYS)
        coming = _appointments_between(clinic, end, ahead).filter(status=AppointmentStatus.BOOKED)
        board.coming = list(coming[:BOARD_ROWS])
    if membership.may("clinic.manage"):
        _owner_parts(board, clinic)
    _audit_board(actor, board)
    return board
