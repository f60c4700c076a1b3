"""Charting pages: today's sessions, the body-map chart, a session, sign and amend, photos,
and the lot trace with its CSV export and the recall campaign it opens."""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from pydantic import ValidationError as PydanticError

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.charting import photos, services
from mesotrace.charting.forms import AmendForm, PhotoForm, SessionForm
from mesotrace.charting.models import SessionPhoto
from mesotrace.charting.schemas import SessionIn
from mesotrace.charting.syringe import chart_config
from mesotrace.charting.trace import exposed_patients, record_trace, trace_csv, trace_lot
from mesotrace.core.api import validation_errors
from mesotrace.core.clock import clinic_today, clinic_zone
from mesotrace.inventory.models import Lot
from mesotrace.inventory.services import open_campaign
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import (
    Appointment,
    AppointmentStatus,
    Injection,
    InjectionComponent,
    TreatmentSession,
)
from mesotrace.treatments.rules.bodymap import VIEWS

RECENT = 50


def _actor(request: ClinicRequest) -> Actor:
    return Actor.from_request(request)


def _session(request: ClinicRequest, session_id: int) -> TreatmentSession:
    return clinic_object_or_404(
        TreatmentSession.objects.select_related(
            "patient", "practitioner", "plan", "plan__protocol", "appointment", "signed_by"
        ),
        request.clinic,
        pk=session_id,
    )


def _record_read(request: ClinicRequest, session: TreatmentSession, part: str) -> None:
    audit.record(
        _actor(request),
        AuditAction.VIEW,
        ObjectType.TREATMENT_SESSION,
        object_id=session.pk,
        patient_id=session.patient_id,
        details={"part": part},
        clinic=request.clinic,
    )


@clinic_view("session.view")
@require_GET
def index(request: ClinicRequest) -> HttpResponse:
    """Today's appointments to chart, then the clinic's latest sessions."""
    clinic = request.clinic
    today = clinic_today(clinic)
    zone = clinic_zone(clinic)
    start = datetime.datetime.combine(today, datetime.time(0), tzinfo=zone)
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
    audit.record(
        _actor(request),
        AuditAction.LIST,
        ObjectType.TREATMENT_SESSION,
        details={
            "appointments": [a.pk for a in todays],
            "sessions": [s.pk for s in recent],
            "patients": sorted({a.patient_id for a in todays} | {s.patient_id for s in recent}),
        },
        clinic=clinic,
    )
    return render(request, "charting/index.html", {"todays": todays, "recent": recent})


# --- The chart ------------------------------------------------------------------------


def _own_practitioner(request: ClinicRequest) -> Practitioner | None:
    return (
        Practitioner.objects.for_clinic(request.clinic)
        .filter(user=request.user, is_active=True)
        .first()
    )


def _initial(request: ClinicRequest, appointment: Appointment) -> dict[str, Any]:
    mine = _own_practitioner(request)
    return {
        "practitioner": (mine or appointment.practitioner).pk,
        "anaesthetic": "none",
        "charges": appointment.plan.price_per_session,
        "idempotency_key": uuid.uuid4().hex,
    }


def _payload(appointment: Appointment, form: SessionForm) -> SessionIn:
    data = form.cleaned_data
    try:
        points = json.loads(data["injections"] or "[]")
    except json.JSONDecodeError:
        raise ValidationError({"injections": [_("The points could not be read.")]}) from None
    try:
        return SessionIn(
            appointment_id=appointment.pk,
            practitioner_id=data["practitioner"].pk,
            anaesthetic=data["anaesthetic"],
            anaesthetic_note=data["anaesthetic_note"],
            pain_score=data["pain_score"],
            immediate_reactions=data["immediate_reactions"],
            notes=data["notes"],
            charges=data["charges"],
            idempotency_key=data["idempotency_key"],
            injections=points if isinstance(points, list) else [],
            lot_overrides=form.lot_overrides(),
        )
    except PydanticError as error:
        found = validation_errors(list(error.errors()))  # type: ignore[arg-type]
        raise ValidationError({e["field"]: [e["message"]] for e in reversed(found)}) from None


def _save_chart(
    request: ClinicRequest, appointment: Appointment, form: SessionForm
) -> TreatmentSession | None:
    try:
        payload = _payload(appointment, form)
        return services.record_session(
            _actor(request), appointment, payload, form.cleaned_data["idempotency_key"]
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            for message in errors:
                target = _form_field(form, field)
                form.add_error(target, f"{_label(field)}{message}" if target is None else message)
    return None


def _form_field(form: SessionForm, field: str) -> str | None:
    """The form field an error of the sessions API belongs to; None: above the map."""
    if field.startswith("lot_overrides"):
        return "override_reason" if field.endswith(".reason") else "override_lot"
    return field if field in form.fields and field != "injections" else None


def _label(field: str) -> str:
    """ "injections.3.depth_mm" -> "Point 4, depth_mm: " for errors shown above the map."""
    parts = field.split(".")
    if parts[0] == "injections" and len(parts) > 1 and parts[1].isdigit():
        rest = ", ".join(parts[2:])
        return _("Point %(n)s") % {"n": int(parts[1]) + 1} + (f", {rest}: " if rest else ": ")
    if field in {"__all__", "injections"}:
        return ""
    return f"{field}: "


@clinic_view("session.chart")
@require_http_methods(["GET", "POST"])
def chart(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = clinic_object_or_404(
        Appointment.objects.select_related(
            "clinic", "patient", "practitioner", "plan", "plan__protocol", "plan__patient"
        ),
        request.clinic,
        pk=appointment_id,
    )
    charted = TreatmentSession.objects.filter(appointment=appointment).first()
    if charted is not None:
        messages.info(request, _("This appointment is charted."))
        return redirect("charting:session_detail", session_id=charted.pk)
    form = SessionForm(
        request.POST or None, clinic=request.clinic, initial=_initial(request, appointment)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            session = _save_chart(request, appointment, form)
            if session is not None:
                messages.success(request, _("Session saved: stock drawn from each lot."))
                return redirect("charting:session_detail", session_id=session.pk)
        status = 422
    practitioner = _own_practitioner(request) or appointment.practitioner
    context = {
        "appointment": appointment,
        "plan": appointment.plan,
        "patient": appointment.patient,
        "form": form,
        "problems": services.readiness_problems(appointment, practitioner),
        "views": VIEWS.values(),
        "config": chart_config(appointment),
    }
    _record_plan_read(request, appointment)
    return render(request, "charting/chart.html", context, status=status)


def _record_plan_read(request: ClinicRequest, appointment: Appointment) -> None:
    audit.record(
        _actor(request),
        AuditAction.VIEW,
        ObjectType.APPOINTMENT,
        object_id=appointment.pk,
        patient_id=appointment.patient_id,
        details={"part": "chart"},
        clinic=request.clinic,
    )


# --- A session ------------------------------------------------------------------------


def _totals(session: TreatmentSession) -> dict[str, Any]:
    components = InjectionComponent.objects.for_clinic(session.clinic).filter(
        injection__session=session
    )
    by_product = list(
        components.values("product__name").annotate(ml=Sum("volume_ml")).order_by("product__name")
    )
    by_lot = list(
        components.values("lot_id", "lot__lot_number", "lot__expiry_date", "product__name")
        .annotate(ml=Sum("volume_ml"))
        .order_by("product__name", "lot__lot_number")
    )
    return {"by_product": by_product, "by_lot": by_lot}


def _points(session: TreatmentSession) -> list[dict[str, Any]]:
    rows = (
        Injection.objects.for_clinic(session.clinic)
        .filter(session=session)
        .select_related("zone")
        .order_by("number")
    )
    points = []
    for row in rows:
        view = VIEWS[row.view]
        points.append(
            {
                "injection": row,
                "cx": round(float(row.x) * view.width, 1),
                "cy": round(float(row.y) * view.height, 1),
            }
        )
    return points


@clinic_view("session.view")
@require_GET
def session_detail(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    points = _points(session)
    amendments = list(session.amendments.select_related("by"))
    shown_views = [v for v in VIEWS.values() if any(p["injection"].view == v.name for p in points)]
    context = {
        "session": session,
        "patient": session.patient,
        "points": points,
        "views": shown_views,
        "amendments": amendments,
        "original": services.original_values(amendments),
        "lot_overrides": list(session.lot_overrides.select_related("lot", "by")),
        "may_sign": (not session.is_signed and session.practitioner.user_id == request.user.pk),
        **_totals(session),
    }
    _record_read(request, session, "session")
    return render(request, "charting/session_detail.html", context)


@clinic_view("session.sign")
@require_POST
def sign(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    try:
        services.sign_session(_actor(request), session)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Session signed. It can now change only by amendment."))
    return redirect("charting:session_detail", session_id=session.pk)


def _amend_initial(session: TreatmentSession) -> dict[str, Any]:
    return {name: getattr(session, name) for name in AmendForm.SESSION_FIELDS}


@clinic_view("session.chart")
@require_http_methods(["GET", "POST"])
def amend(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    form = AmendForm(request.POST or None, initial=_amend_initial(session))
    if request.method == "POST" and form.is_valid():
        try:
            services.amend_session(
                _actor(request), session, form.cleaned_data["reason"], form.values()
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    name = field.rsplit(".", 1)[-1]
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Amendment recorded; the original stays visible."))
            return redirect("charting:session_detail", session_id=session.pk)
    return render(request, "charting/amend.html", {"session": session, "form": form})


# --- Photos ---------------------------------------------------------------------------


@clinic_view("photo.view")
@require_GET
def session_photos(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    shown = list(SessionPhoto.objects.for_clinic(request.clinic).filter(session=session))
    _record_read(request, session, "photos")
    context = {"session": session, "photos": shown, "form": PhotoForm()}
    return render(request, "charting/session_photos.html", context)


@clinic_view("photo.upload")
@require_POST
def upload_photo(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            photos.add_photo(
                _actor(request),
                session,
                form.cleaned_data["file"],
                form.cleaned_data["view"],
                form.cleaned_data["zone"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Photo stored without its metadata."))
            return redirect("charting:session_photos", session_id=session.pk)
    shown = list(SessionPhoto.objects.for_clinic(request.clinic).filter(session=session))
    context = {"session": session, "photos": shown, "form": form}
    return render(request, "charting/session_photos.html", context)


@clinic_view("photo.view")
@require_GET
def photo_image(request: ClinicRequest, photo_id: int) -> FileResponse:
    photo = clinic_object_or_404(SessionPhoto.objects.all(), request.clinic, pk=photo_id)
    photos.record_photo_read(_actor(request), photo)
    response = FileResponse(photo.file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@clinic_view("photo.view")
@require_GET
def patient_photos(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """Before and after: each view's photos side by side, across the patient's sessions."""
    patient = clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)
    shown = list(
        SessionPhoto.objects.for_clinic(request.clinic)
        .filter(patient=patient)
        .select_related("session", "zone")
    )
    audit.record(
        _actor(request),
        AuditAction.VIEW,
        ObjectType.SESSION_PHOTO,
        patient_id=patient.pk,
        details={"shown": [p.pk for p in shown]},
        clinic=request.clinic,
    )
    context = {"patient": patient, "by_view": photos.before_after(shown)}
    return render(request, "charting/patient_photos.html", context)


# --- The lot trace --------------------------------------------------------------------


def _lot(request: ClinicRequest, lot_id: int) -> Lot:
    return clinic_object_or_404(
        Lot.objects.select_related("product", "clinic"), request.clinic, pk=lot_id
    )


@clinic_view("lot.trace")
@require_GET
def lot_trace(request: ClinicRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id)
    exposures = trace_lot(lot)
    record_trace(_actor(request), lot, exposures)
    context = {
        "lot": lot,
        "exposures": exposures,
        "patients": exposed_patients(exposures),
        "total_ml": sum((e.volume_ml for e in exposures), Decimal("0")),
    }
    return render(request, "charting/lot_trace.html", context)


@clinic_view("lot.trace")
@require_GET
def lot_trace_csv(request: ClinicRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id)
    exposures = trace_lot(lot)
    record_trace(_actor(request), lot, exposures, export="csv")
    response = HttpResponse(trace_csv(lot, exposures), content_type="text/csv; charset=utf-8")
    name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in lot.lot_number)
    response["Content-Disposition"] = f'attachment; filename="trace-lot-{name}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@clinic_view("lot.recall")
@require_POST
def open_recall(request: ClinicRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id)
    exposures = trace_lot(lot)
    patient_ids = sorted({e.patient_id for e in exposures})
    try:
        campaign = open_campaign(_actor(request), lot, patient_ids, request.POST.get("reason", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("charting:lot_trace", lot_id=lot.pk)
    messages.success(
        request,
        _("Recall campaign open with %(n)s exposed patient(s) to contact.")
        % {"n": len(patient_ids)},
    )
    return redirect("inventory:campaign_detail", campaign_id=campaign.pk)
