"""Charting's reads: the recall trace of a lot, whether an appointment can be charted, what the
chart page's script needs, and sessions and photos as the pages and the API show them.

Every read of patient data is audited here, once per page or API call. The trace is one
query, driven by the (lot, injection) index on the mix lines, with the joins it needs and
nothing loaded per row.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.models import (
    BodyZone,
    Product,
    ProductComponent,
    Technique,
    name_order,
)
from mesotrace.charting.models import PhotoView, SessionPhoto
from mesotrace.charting.rules import (
    WARN_AT,
    WEIGHT_WINDOW_DAYS,
    Catalogue,
    Refusal,
    Weight,
    depth_range,
    describe_limit,
    drug_uses,
    fingerprint,
    limit_mg,
    mg_per_ml,
    performed_at,
)
from mesotrace.charting.schemas import SessionIn
from mesotrace.consent.queries import consent_problem
from mesotrace.core.clock import clinic_today, clinic_zone, local_date
from mesotrace.inventory.models import Lot, LotStatus, on_hand_expression
from mesotrace.inventory.queries.stock import usable_lots_by_product
from mesotrace.inventory.rules import HALF_ML_UNIT, annotated_on_hand
from mesotrace.outcomes.models import Measurement
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.practitioners.queries import may_inject
from mesotrace.treatments.models import (
    Appointment,
    AppointmentStatus,
    Injection,
    InjectionComponent,
    TreatmentSession,
)
from mesotrace.treatments.queries.plans import screening_for
from mesotrace.treatments.rules.screening import open_warnings

RECENT = 50
BODY_WEIGHT = "body-weight"  # the shipped measurement type (LOINC 29463-7)
DEFAULT_VOLUME_PER_POINT = Decimal("0.1")
DEFAULT_GAUGE = 30
DEFAULT_NEEDLE_MM = Decimal("4")


# --- The lot trace ----------------------------------------------------------------------


@dataclass(slots=True)
class Exposure:
    """One injection that contained the lot (slots: thousands are built per trace)."""

    patient_id: int
    record_number: str
    given_name: str
    family_name: str
    phone: str
    email: str
    session_id: int
    performed_on: datetime.date
    injection_id: int
    point: int
    zone: str
    practitioner_id: int
    practitioner: str
    volume_ml: Decimal

    @property
    def patient_name(self) -> str:
        return f"{self.family_name.upper()} {self.given_name}"


@dataclass(frozen=True)
class ExposedPatient:
    patient_id: int
    name: str
    record_number: str
    phone: str
    email: str
    sessions: int
    injections: int
    volume_ml: Decimal
    first: datetime.date
    last: datetime.date


_COLUMNS = (
    "injection__session__patient_id",
    "injection__session__patient__record_number",
    "injection__session__patient__given_name",
    "injection__session__patient__family_name",
    "injection__session__patient__phone",
    "injection__session__patient__email",
    "injection__session_id",
    "injection__session__performed_on",
    "injection_id",
    "injection__number",
    "injection__zone__name",
    "injection__session__practitioner_id",
    "injection__session__practitioner__full_name",
    "volume_ml",
)


def trace_query(lot: Lot) -> QuerySet[InjectionComponent, tuple[Any, ...]]:
    """The one query behind a trace, by date of session, then session and point."""
    # The lot alone selects the rows: a mix line only ever names a lot of its own clinic
    # (record_session looks lots up within the clinic), and a clinic filter here could lead
    # a planner without statistics to the clinic index: every injection of the clinic.
    return (
        InjectionComponent.objects.filter(lot_id=lot.pk)
        .order_by("injection__session__performed_on", "injection__session_id", "injection_id")
        .values_list(*_COLUMNS)
    )


def trace_lot(lot: Lot) -> list[Exposure]:
    """Every exposure to the lot, by date of session, then session and point."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Measured at 10 million injections: starting parallel workers costs more than
            # the indexed read itself (typical lot 46 -> 13 ms without them).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        return [Exposure(*row) for row in trace_query(lot)]


def read_trace(actor: Actor, lot: Lot, export: str = "") -> list[Exposure]:
    """The lot's trace, audited as a read of the patients it shows (or, with `export`, the
    format of the file or answer it becomes)."""
    exposures = trace_lot(lot)
    action = AuditAction.EXPORT if export else AuditAction.LIST
    about = {
        "lot_number": lot.lot_number,
        "patients": sorted({e.patient_id for e in exposures}),
        "injections": len(exposures),
        **({"format": export} if export else {}),
    }
    audit.record(
        actor, action, ObjectType.LOT_TRACE, object_id=lot.pk, details=about, clinic=lot.clinic
    )
    return exposures


def exposed_patients(exposures: Sequence[Exposure]) -> list[ExposedPatient]:
    """One line per patient, in order of first exposure."""
    by_patient: dict[int, list[Exposure]] = {}
    for exposure in exposures:
        by_patient.setdefault(exposure.patient_id, []).append(exposure)
    return [
        ExposedPatient(
            patient_id=pid,
            name=rows[0].patient_name,
            record_number=rows[0].record_number,
            phone=rows[0].phone,
            email=rows[0].email,
            sessions=len({r.session_id for r in rows}),
            injections=len(rows),
            volume_ml=sum((r.volume_ml for r in rows), Decimal("0")),
            first=min(r.performed_on for r in rows),
            last=max(r.performed_on for r in rows),
        )
        for pid, rows in by_patient.items()
    ]


# --- Whether an appointment can be charted ----------------------------------------------


def session_for_key(clinic: Clinic, key: str, payload: SessionIn) -> TreatmentSession | None:
    """The session already charted under this idempotency key; refused when the key was
    used for a different payload."""
    found = TreatmentSession.objects.for_clinic(clinic).filter(idempotency_key=key).first()
    if found is not None and found.request_fingerprint != fingerprint(payload):
        raise ValidationError(
            {
                "idempotency_key": _(
                    "This key was already used for a different session (session %(id)s)."
                )
                % {"id": found.pk}
            }
        )
    return found


def appointment_problem(appointment: Appointment, clinic: Clinic) -> tuple[str, str] | None:
    """(field, reason) when this appointment cannot be charted now; None when it can."""
    if appointment.clinic_id != clinic.pk:
        return "appointment_id", _("This appointment belongs to another clinic.")
    if appointment.status == AppointmentStatus.CANCELLED:
        return "appointment_id", _("This appointment was cancelled (%(reason)s).") % {
            "reason": appointment.cancel_reason
        }
    if appointment.status == AppointmentStatus.NO_SHOW:
        return "appointment_id", _("The patient did not attend this appointment.")
    charted = TreatmentSession.objects.filter(appointment=appointment).first()
    if charted is not None:
        return "appointment_id", _("This appointment is already charted (session %(id)s).") % {
            "id": charted.pk
        }
    day = local_date(clinic, appointment.starts_at)
    if day > clinic_today(clinic):
        return "appointment_id", _("This appointment is on %(day)s: chart it on the day.") % {
            "day": day.isoformat()
        }
    return None


def readiness_problems(
    appointment: Appointment, practitioner: Practitioner | None
) -> dict[str, str]:
    """Everything that stops charting before a single point is placed, by field.

    Consent is valid when signed and countersigned for the plan's current document version
    and not withdrawn, or by an owner's audited override for that version.
    """
    clinic = appointment.clinic
    errors = Refusal()
    found = appointment_problem(appointment, clinic)
    if found:
        errors.add(*found)
    if practitioner is None:
        errors.add("practitioner_id", _("Choose a practitioner of this clinic."))
    else:
        day = local_date(clinic, performed_at(appointment))
        decision = may_inject(practitioner, clinic, day)
        if not decision:
            errors.add("practitioner_id", decision.reason)
    plan = appointment.plan
    screened = screening_for(plan)
    blocking = [item.warning.message for item in screened if item.warning.blocking]
    unacknowledged = open_warnings(screened)
    if blocking:
        errors.add("screening", " ".join(blocking))
    elif unacknowledged:
        errors.add(
            "screening",
            _("%(n)s screening warning(s) of the plan are not acknowledged.")
            % {"n": len(unacknowledged)},
        )
    problem = consent_problem(plan)
    if problem:
        errors.add("consent", problem)
    return dict(errors)


def payload_catalogue(clinic: Clinic, payload: SessionIn) -> Catalogue:
    """The zones, products, lots (with their products) and product components a payload
    names, in four queries."""
    product_ids = {c.product_id for i in payload.injections for c in i.components}
    lot_ids = {c.lot_id for i in payload.injections for c in i.components}
    components: dict[int, list[ProductComponent]] = defaultdict(list)
    rows = (
        ProductComponent.objects.filter(product_id__in=product_ids)
        .select_related("compound", "compound__max_dose_source")
        .prefetch_related("compound__dose_limits__source")
    )
    for row in rows:
        components[row.product_id].append(row)
    lots = Lot.objects.for_clinic(clinic).filter(pk__in=lot_ids)
    return Catalogue(
        zones={zone.slug: zone for zone in BodyZone.objects.all()},
        products={p.pk: p for p in Product.objects.visible_to(clinic).filter(pk__in=product_ids)},
        lots={lot.pk: lot for lot in lots.select_related("product")},
        components=components,
    )


def unknown_strength_drugs(clinic: Clinic, payload: SessionIn) -> dict[int, str]:
    """The limited drugs a payload charts from a product whose strength is not recorded, by
    compound id with their names: what the refusal an owner may override names."""
    uses = drug_uses(payload, payload_catalogue(clinic, payload))
    return {key: use.compound.name for key, use in sorted(uses.items()) if use.unknown}


def recent_weight(patient: Patient, on: datetime.datetime) -> Weight | None:
    """The patient's latest body weight in the WEIGHT_WINDOW_DAYS up to `on`, if any."""
    since = on - datetime.timedelta(days=WEIGHT_WINDOW_DAYS)
    row = (
        Measurement.objects.for_clinic(patient.clinic)
        .filter(patient=patient, type__slug=BODY_WEIGHT, measured_at__gte=since)
        .filter(measured_at__lte=on)
        .order_by("-measured_at", "-pk")
        .first()
    )
    if row is None:
        return None
    kg = Decimal(str(row.value)).quantize(Decimal("0.1"))
    return Weight(kg, local_date(patient.clinic, row.measured_at))


# --- The chart page ---------------------------------------------------------------------


def _stocked_products(appointment: Appointment) -> list[Product]:
    """The protocol's products first, then any other product the clinic has lots of."""
    clinic = appointment.clinic
    items = list(appointment.plan.protocol.items.select_related("product"))
    own = [item.product for item in items]
    stocked_ids = set(
        Lot.objects.for_clinic(clinic)
        .filter(status=LotStatus.AVAILABLE)
        .values_list("product_id", flat=True)
    )
    others = Product.objects.visible_to(clinic).filter(pk__in=stocked_ids - {p.pk for p in own})
    return [*own, *others.order_by(name_order(), "id")]


def _held_lots(appointment: Appointment, product_ids: list[int]) -> dict[int, list[Lot]]:
    """Lots under investigation with stock, by product, listed after the usable ones:
    charting refuses them unless an owner overrides, and the refusal should say why rather
    than hide them."""
    day = clinic_today(appointment.clinic)
    found: dict[int, list[Lot]] = {}
    for lot in (
        Lot.objects.for_clinic(appointment.clinic)
        .filter(
            product_id__in=product_ids,
            status=LotStatus.UNDER_INVESTIGATION,
            expiry_date__gte=day,
        )
        .annotate(on_hand_ml=on_hand_expression())
        .filter(on_hand_ml__gt=HALF_ML_UNIT)
        .order_by("expiry_date", "id")
    ):
        found.setdefault(lot.product_id, []).append(lot)
    return found


def _lot_entry(lot: Lot) -> dict[str, Any]:
    held = lot.status == LotStatus.UNDER_INVESTIGATION
    return {
        "id": lot.pk,
        "number": lot.lot_number,
        "expiry": lot.expiry_date.isoformat(),
        "on_hand": str(annotated_on_hand(lot)) if held else str(getattr(lot, "on_hand_ml", "")),
        "held": held,
    }


def _lots(appointment: Appointment, products: list[Product]) -> dict[int, list[dict[str, Any]]]:
    """Each product's usable lots, then its held ones, in two queries for all products."""
    ids = [p.pk for p in products]
    usable = usable_lots_by_product(appointment.clinic, ids, performed_at(appointment))
    held = _held_lots(appointment, ids)
    return {pk: [_lot_entry(lot) for lot in [*usable.get(pk, []), *held.get(pk, [])]] for pk in ids}


def _defaults(appointment: Appointment) -> dict[str, Any]:
    protocol = appointment.plan.protocol
    low, high = depth_range(protocol)
    length = protocol.needle_length_mm or max(DEFAULT_NEEDLE_MM, low)
    depth = min(max(low, Decimal("2")), high, length)
    per_point = sum(
        (item.volume_ml_per_point or Decimal("0") for item in protocol.items.all()), Decimal("0")
    )
    return {
        "depth_min": str(low),
        "depth_max": str(high),
        "depth_mm": str(depth),
        "needle_gauge": protocol.needle_gauge or DEFAULT_GAUGE,
        "needle_length_mm": str(length),
        "technique": protocol.technique or Technique.POINT_BY_POINT,
        "volume_per_point": str(per_point or DEFAULT_VOLUME_PER_POINT),
        "products": [item.product_id for item in protocol.items.all()],
        "zones": sorted(zone.slug for zone in appointment.plan.zones.all()),
    }


def _dose_limits(products: Sequence[Product], weight: Weight | None) -> list[dict[str, Any]]:
    """Each limited drug in the products offered: its limits for this patient and each
    product's strength, for the page's running totals."""
    drugs: dict[int, dict[str, Any]] = {}
    rows = (
        ProductComponent.objects.filter(product__in=products)
        .select_related("compound", "product")
        .prefetch_related("compound__dose_limits__source")
    )
    for row in rows:
        limits = list(row.compound.dose_limits.all())
        if not limits:
            continue
        drug = drugs.setdefault(row.compound_id, _drug_entry(row, limits, weight))
        strength = mg_per_ml(row)
        drug["products"][str(row.product_id)] = {
            "name": row.product.name,
            "mg_per_ml": None if strength is None else str(strength),
            "epinephrine": row.product.contains_epinephrine,
        }
    return [drugs[key] for key in sorted(drugs)]


def _drug_entry(row: ProductComponent, limits: list[Any], weight: Weight | None) -> dict[str, Any]:
    return {
        "id": row.compound_id,
        "name": row.compound.name,
        "limits": [
            {
                "kind": limit.kind,
                "epinephrine": limit.epinephrine,
                "max": None if limit_mg(limit, weight) is None else str(limit_mg(limit, weight)),
                "label": describe_limit(limit, weight),
            }
            for limit in limits
        ],
        "products": {},
    }


def chart_words() -> dict[str, Any]:
    """The sentences the chart page's script writes, in the reader's language; %(name)s is
    filled in by the script."""
    return {
        "no_usable_lot": _("No usable lot"),
        "lot": _("%(number)s (exp. %(expiry)s, %(on_hand)s mL)"),
        "lot_held": _(
            "%(number)s (exp. %(expiry)s, %(on_hand)s mL) — under investigation: owner "
            "override only"
        ),
        "moved_one": _("%(count)s point now uses the chosen lot."),
        "moved_many": _("%(count)s points now use the chosen lot."),
        "product": _("Product"),
        "lot_heading": _("Lot"),
        "ml_in_syringe": _("mL in syringe"),
        "remove": _("Remove"),
        "give_volume": _("Give the volume per point."),
        "choose_lot": _("Choose a lot for %(product)s."),
        "give_share": _("Give the mL of each product in the syringe."),
        "add_product": _("Add a product to the syringe."),
        "share_rounds": _(
            "A product's share rounds to 0 mL per point; raise the volume per point."
        ),
        "point_title": _("%(point)s (click to remove)"),
        "point_label": _("Point %(point)s: press Enter to remove"),
        "point_added": _("Point %(number)s added: %(zone)s."),
        "point_removed": _("Point removed; %(count)s left."),
        "fill_range": _("Fill 1 to 200 points."),
        "points_added": _("%(count)s points added."),
        "short": _("%(on_hand)s (short)"),
        "add_point": _("Add a point: %(zone)s"),
        "add_point_side": _("Add a point: %(zone)s (%(side)s)"),
        "zone_in_view": _("%(zone)s (%(view)s)"),
        "sides": {"left": pgettext("body side", "left"), "right": pgettext("body side", "right")},
        "views": {"front": pgettext("body view", "front"), "back": pgettext("body view", "back")},
    }


def chart_config(appointment: Appointment) -> dict[str, Any]:
    """What the chart page's script needs: products with their usable lots, the protocol's
    defaults for the syringe, the body zones, and the limited drugs' limits. Sent as JSON in
    the page, never executed."""
    products = _stocked_products(appointment)
    lots = _lots(appointment, products)
    weight = recent_weight(appointment.patient, performed_at(appointment))
    return {
        "doses": {
            "drugs": _dose_limits(products, weight),
            "weight_kg": None if weight is None else str(weight.kg),
            "weight_on": None if weight is None else weight.on.isoformat(),
            "window_days": WEIGHT_WINDOW_DAYS,
            "warn_at": str(WARN_AT),
        },
        "products": [{"id": p.pk, "name": p.name, "lots": lots[p.pk]} for p in products],
        "defaults": _defaults(appointment),
        "techniques": [[value, str(label)] for value, label in Technique.choices],
        "words": chart_words(),
        "zones": {
            zone.slug: {"name": zone.name, "snomed": zone.snomed_code}
            for zone in BodyZone.objects.all()
        },
    }


def read_for_charting(
    actor: Actor, appointment: Appointment, practitioner: Practitioner | None
) -> tuple[dict[str, str], dict[str, Any]]:
    """What stops charting the appointment now, and the script's configuration; the read of
    the plan for the chart is audited."""
    problems = readiness_problems(appointment, practitioner)
    config = chart_config(appointment)
    audit.record_read(actor, appointment, details={"part": "chart"})
    return problems, config


# --- Sessions and photos ----------------------------------------------------------------


def todays_work(actor: Actor, clinic: Clinic) -> tuple[list[Appointment], list[TreatmentSession]]:
    """Today's appointments to chart, and the clinic's latest sessions; audited as one list."""
    midnight = datetime.time(0)
    start = datetime.datetime.combine(clinic_today(clinic), midnight, tzinfo=clinic_zone(clinic))
    todays = list(
        Appointment.objects.for_clinic(clinic)
        .filter(starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1))
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("patient", "practitioner", "plan__protocol", "charted_session")
        .order_by("starts_at")
    )
    recent = list(
        TreatmentSession.objects.for_clinic(clinic)
        .select_related("patient", "practitioner", "plan__protocol")
        .order_by("-performed_on", "-id")[:RECENT]
    )
    patients = sorted({a.patient_id for a in todays} | {s.patient_id for s in recent})
    seen = {"appointments": [a.pk for a in todays], "patients": patients}
    audit.record_list(actor, ObjectType.TREATMENT_SESSION, recent, details=seen)
    return todays, recent


def sessions(clinic: Clinic) -> QuerySet[TreatmentSession]:
    """The clinic's sessions with who and what a session's page shows."""
    return TreatmentSession.objects.for_clinic(clinic).select_related(
        "patient", "practitioner", "plan", "plan__protocol", "appointment", "signed_by"
    )


def read_session(actor: Actor, clinic: Clinic, session_id: int, part: str) -> TreatmentSession:
    """The clinic's session (404 for any other), its read audited as `part` of the record."""
    session = get_object_or_404(sessions(clinic), pk=session_id)
    audit.record_read(actor, session, details={"part": part})
    return session


def points(session: TreatmentSession) -> list[Injection]:
    """The session's injections in order, with their zones."""
    found = Injection.objects.for_clinic(session.clinic).filter(session=session)
    return list(found.select_related("zone").order_by("number"))


def mix_lines(session: TreatmentSession) -> QuerySet[InjectionComponent]:
    """Every product of the session's injections, with its lot, in the order charted."""
    return (
        InjectionComponent.objects.for_clinic(session.clinic)
        .filter(injection__session=session)
        .select_related("product", "lot")
        .order_by("id")
    )


def totals(session: TreatmentSession) -> dict[str, Any]:
    """The session's millilitres by product and by lot."""
    components = InjectionComponent.objects.for_clinic(session.clinic).filter(
        injection__session=session
    )
    by_product = list(components.values("product_id").annotate(ml=Sum("volume_ml")))
    by_lot = list(
        components.values("lot_id", "lot__lot_number", "lot__expiry_date", "product_id")
        .annotate(ml=Sum("volume_ml"))
        .order_by("lot__lot_number")
    )
    named = _product_names({row["product_id"] for row in by_product})
    for row in (*by_product, *by_lot):
        row["product__name"] = named[row.pop("product_id")]
    by_product.sort(key=lambda row: row["product__name"])
    by_lot.sort(key=lambda row: row["product__name"])  # stable: lots stay in number order
    return {"by_product": by_product, "by_lot": by_lot}


def _product_names(ids: set[int]) -> dict[int, str]:
    """Each product's name in the reader's language (its English when not translated)."""
    return {product.pk: product.name for product in Product.objects.filter(pk__in=ids)}


def session_photos(session: TreatmentSession) -> list[SessionPhoto]:
    found = SessionPhoto.objects.for_clinic(session.clinic).filter(session=session)
    return list(found.select_related("zone"))


def read_photo(actor: Actor, clinic: Clinic, photo_id: int) -> SessionPhoto:
    """The clinic's photo (404 for any other), its read audited."""
    photo = get_object_or_404(SessionPhoto.objects.for_clinic(clinic), pk=photo_id)
    audit.record_read(actor, photo)
    return photo


def before_after(
    actor: Actor, clinic: Clinic, patient: Patient
) -> list[tuple[str, list[SessionPhoto]]]:
    """The patient's photos by view, each view's in the order they were taken; audited."""
    shown = list(
        SessionPhoto.objects.for_clinic(clinic)
        .filter(patient=patient)
        .select_related("session", "zone")
    )
    audit.record(
        actor,
        AuditAction.VIEW,
        ObjectType.SESSION_PHOTO,
        patient_id=patient.pk,
        details={"shown": [p.pk for p in shown]},
        clinic=clinic,
    )
    by_view: dict[str, list[SessionPhoto]] = {}
    for photo in sorted(shown, key=lambda p: (p.taken_at, p.pk)):
        by_view.setdefault(photo.view, []).append(photo)
    labels = dict(PhotoView.choices)
    return [(str(labels[v]), by_view[v]) for v in PhotoView.values if v in by_view]
