"""Charting pages: today's sessions, the body-map chart, a session, sign and amend, photos,
and the lot trace with its CSV export and the recall campaign it opens."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from pydantic import ValidationError as PydanticError

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.charting import queries, services
from mesotrace.charting.documents import trace_csv
from mesotrace.charting.forms import AmendForm, PhotoForm, SessionForm
from mesotrace.charting.rules import AMENDABLE_SESSION, original_values
from mesotrace.charting.schemas import DoseOverrideIn, SessionIn
from mesotrace.core.api import validation_errors
from mesotrace.core.formats import csv_response
from mesotrace.inventory.models import Lot
from mesotrace.inventory.services.recalls import open_campaign
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.practitioners.queries import name_of
from mesotrace.treatments.models import Appointment, TreatmentSession
from mesotrace.treatments.rules.bodymap import VIEWS


def _actor(request: ClinicRequest) -> Actor:
    return Actor.from_request(request)


def _session(request: ClinicRequest, session_id: int) -> TreatmentSession:
    return get_object_or_404(queries.sessions(request.clinic), pk=session_id)


@clinic_view("session.view")
@require_GET
def index(request: ClinicRequest) -> HttpResponse:
    """Today's appointments to chart, then the clinic's latest sessions."""
    todays, recent = queries.todays_work(_actor(request), request.clinic)
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
    fields = {
        "appointment_id": appointment.pk,
        "practitioner_id": data["practitioner"].pk,
        "anaesthetic": data["anaesthetic"],
        "anaesthetic_note": data["anaesthetic_note"],
        "pain_score": data["pain_score"],
        "immediate_reactions": data["immediate_reactions"],
        "notes": data["notes"],
        "charges": data["charges"],
        "idempotency_key": data["idempotency_key"],
        "injections": points if isinstance(points, list) else [],
        "lot_overrides": form.lot_overrides(),
    }
    try:
        payload = SessionIn(**fields)
        reason = data.get("override_dose_reason", "")
        if not reason.strip():
            return payload
        return SessionIn(**fields, dose_overrides=_dose_overrides(appointment, payload, reason))
    except PydanticError as error:
        found = validation_errors(list(error.errors()))  # type: ignore[arg-type]
        raise ValidationError({e["field"]: [e["message"]] for e in reversed(found)}) from None


def _dose_overrides(
    appointment: Appointment, payload: SessionIn, reason: str
) -> list[DoseOverrideIn]:
    """The owner's reason applies to every limited drug the session charts from a product of
    unknown strength; a reason given where there is none is refused."""
    unknown = queries.unknown_strength_drugs(appointment.clinic, payload)
    if not unknown:
        raise ValidationError(
            {
                "dose_overrides": [
                    _("This session charts no limited drug from a product of unknown strength.")
                ]
            }
        )
    return [DoseOverrideIn(compound_id=key, reason=reason) for key in unknown]


def _save_chart(
    request: ClinicRequest, appointment: Appointment, form: SessionForm
) -> tuple[TreatmentSession | None, list[str]]:
    """The saved session, or None and the drugs of unknown strength the session charts (the
    refusal an owner may override on this page)."""
    payload = None
    try:
        payload = _payload(appointment, form)
        return services.record_session(
            _actor(request), appointment, payload, form.cleaned_data["idempotency_key"]
        ), []
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            for message in errors:
                target = _form_field(form, field)
                form.add_error(target, f"{_label(field)}{message}" if target is None else message)
    if payload is None:
        return None, []
    return None, list(queries.unknown_strength_drugs(appointment.clinic, payload).values())


def _form_field(form: SessionForm, field: str) -> str | None:
    """The form field an error of the sessions API belongs to; None: above the map."""
    if field.startswith("lot_overrides"):
        return "override_reason" if field.endswith(".reason") else "override_lot"
    if field.startswith("dose_overrides"):
        return "override_dose_reason"
    return field if field in form.fields and field != "injections" else None


# The sessions API's field names, as the chart page calls them.
FIELD_WORDS = {
    "lot_id": gettext_lazy("lot"),
    "product_id": gettext_lazy("product"),
    "volume_ml": gettext_lazy("volume"),
    "depth_mm": gettext_lazy("depth"),
    "needle_gauge": gettext_lazy("needle gauge"),
    "needle_length_mm": gettext_lazy("needle length"),
    "technique": gettext_lazy("technique"),
    "zone": gettext_lazy("zone"),
    "components": gettext_lazy("products"),
}


def _label(field: str) -> str:
    """ "injections.0.components.1.lot_id" -> "Point 1, product 2, lot: " above the map."""
    parts = field.split(".")
    if parts[0] == "injections" and len(parts) > 1 and parts[1].isdigit():
        words = [str(_("Point %(n)s") % {"n": int(parts[1]) + 1})]
        rest = parts[2:]
        if rest[:1] == ["components"] and len(rest) > 1 and rest[1].isdigit():
            words.append(str(_("product %(n)s") % {"n": int(rest[1]) + 1}))
            rest = rest[2:]
        words += [str(FIELD_WORDS.get(name, name.replace("_", " "))) for name in rest]
        return ", ".join(words) + ": "
    if field in {"__all__", "injections"}:
        return ""
    return f"{FIELD_WORDS.get(field, field.replace('_', ' '))}: "


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
    unknown_strength: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            session, unknown_strength = _save_chart(request, appointment, form)
            if session is not None:
                messages.success(request, _("Session saved: stock drawn from each lot."))
                return redirect("charting:session_detail", session_id=session.pk)
        status = 422
    practitioner = _own_practitioner(request) or appointment.practitioner
    problems, config = queries.read_for_charting(_actor(request), appointment, practitioner)
    context = {
        "appointment": appointment,
        "plan": appointment.plan,
        "patient": appointment.patient,
        "form": form,
        "problems": problems,
        "views": VIEWS.values(),
        "config": config,
        "unknown_strength": unknown_strength,
    }
    return render(request, "charting/chart.html", context, status=status)


# --- A session ------------------------------------------------------------------------


@clinic_view("session.view")
@require_GET
def session_detail(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = queries.read_session(_actor(request), request.clinic, session_id, "session")
    points: list[dict[str, Any]] = [
        {
            "injection": row,
            "cx": round(float(row.x) * VIEWS[row.view].width, 1),
            "cy": round(float(row.y) * VIEWS[row.view].height, 1),
        }
        for row in queries.points(session)
    ]
    amendments = list(session.amendments.select_related("by"))
    shown_views = [v for v in VIEWS.values() if any(p["injection"].view == v.name for p in points)]
    context = {
        "session": session,
        "patient": session.patient,
        "points": points,
        "views": shown_views,
        "amendments": amendments,
        "original": original_values(amendments),
        "lot_overrides": list(session.lot_overrides.select_related("lot", "by")),
        "may_sign": (not session.is_signed and session.practitioner.user_id == request.user.pk),
        "signer": name_of(request.clinic, session.signed_by) if session.is_signed else "",
        **queries.totals(session),
    }
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


@clinic_view("session.chart")
@require_http_methods(["GET", "POST"])
def amend(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    initial = {name: getattr(session, name) for name in AMENDABLE_SESSION}
    form = AmendForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.amend_session(
                _actor(request), session, form.cleaned_data["reason"], form.corrections()
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


def _photos_page(
    request: ClinicRequest, session: TreatmentSession, form: PhotoForm
) -> HttpResponse:
    context = {"session": session, "photos": queries.session_photos(session), "form": form}
    return render(request, "charting/session_photos.html", context)


@clinic_view("photo.view")
@require_GET
def session_photos(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = queries.read_session(_actor(request), request.clinic, session_id, "photos")
    return _photos_page(request, session, PhotoForm())


@clinic_view("photo.upload")
@require_POST
def upload_photo(request: ClinicRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_photo(_actor(request), session, data["file"], data["view"], data["zone"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Photo stored without its metadata."))
            return redirect("charting:session_photos", session_id=session.pk)
    return _photos_page(request, session, form)


@clinic_view("photo.view")
@require_GET
def photo_image(request: ClinicRequest, photo_id: int) -> FileResponse:
    photo = queries.read_photo(_actor(request), request.clinic, photo_id)
    response = FileResponse(photo.file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@clinic_view("photo.view")
@require_GET
def patient_photos(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """Before and after: each view's photos side by side, across the patient's sessions."""
    patient = clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)
    by_view = queries.before_after(_actor(request), request.clinic, patient)
    return render(request, "charting/patient_photos.html", {"patient": patient, "by_view": by_view})


# --- The lot trace --------------------------------------------------------------------


def _lot(request: ClinicRequest, lot_id: int) -> Lot:
    return clinic_object_or_404(
        Lot.objects.select_related("product", "clinic"), request.clinic, pk=lot_id
    )


@clinic_view("lot.trace")
@require_GET
def lot_trace(request: ClinicRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id)
    exposures = queries.read_trace(_actor(request), lot)
    context = {
        "lot": lot,
        "exposures": exposures,
        "patients": queries.exposed_patients(exposures),
        "total_ml": sum((e.volume_ml for e in exposures), Decimal("0")),
    }
    return render(request, "charting/lot_trace.html", context)


@clinic_view("lot.trace")
@require_GET
def lot_trace_csv(request: ClinicRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id)
    exposures = queries.read_trace(_actor(request), lot, export="csv")
    name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in lot.lot_number)
    return csv_response(trace_csv(lot, exposures), f"trace-lot-{name}.csv")


@clinic_view("lot.recall")
@require_POST
def open_recall(request: ClinicRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id)
    patient_ids = sorted({e.patient_id for e in queries.trace_lot(lot)})
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
