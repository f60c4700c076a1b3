"""Schedule pages: practitioners' day and week calendars, the .ics export, appointments, hours."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.core.clock import clinic_today
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments import calendar, ics, scheduling
from mesotrace.treatments.forms import CancelForm, OpeningHoursFormSet, RescheduleForm
from mesotrace.treatments.models import HOLDS_TIME, Appointment

EXPORT_PAST_DAYS = 30
EXPORT_FUTURE_DAYS = 400


def _practitioner(request: ClinicRequest, practitioner_id: int) -> Practitioner:
    return clinic_object_or_404(Practitioner.objects.all(), request.clinic, pk=practitioner_id)


def _day(request: ClinicRequest) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return clinic_today(request.clinic)


def _appointments(
    request: ClinicRequest, practitioner: Practitioner, days: list[datetime.date]
) -> list[Appointment]:
    start, end = calendar.day_bounds(days, request.clinic)
    return list(
        Appointment.objects.for_clinic(request.clinic)
        .filter(practitioner=practitioner, status__in=HOLDS_TIME)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("patient", "plan")
        .order_by("starts_at", "id")
    )


@clinic_view("schedule.view")
def schedule_index(request: ClinicRequest) -> HttpResponse:
    practitioners = Practitioner.objects.for_clinic(request.clinic).filter(is_active=True)
    hours = scheduling.opening_hours(request.clinic)
    context = {
        "practitioners": practitioners,
        "hours": hours,
        "today": clinic_today(request.clinic),
    }
    return render(request, "treatments/schedule_index.html", context)


def _calendar(
    request: ClinicRequest, practitioner_id: int, view: str, days: list[datetime.date], step: int
) -> HttpResponse:
    practitioner = _practitioner(request, practitioner_id)
    appointments = _appointments(request, practitioner, days)
    scheduling.record_list(
        Actor.from_request(request), request.clinic, appointments, f"{view} calendar"
    )
    rows = calendar.grid(
        days, appointments, scheduling.opening_hours(request.clinic), request.clinic
    )
    context: dict[str, Any] = {
        "practitioner": practitioner,
        "view": view,
        "days": days,
        "rows": rows,
        "appointments": appointments,
        "previous": days[0] - datetime.timedelta(days=step),
        "next": days[0] + datetime.timedelta(days=step),
        "today": clinic_today(request.clinic),
        "zone": request.clinic.timezone,
    }
    return render(request, "treatments/calendar.html", context)


@clinic_view("schedule.view")
def week(request: ClinicRequest, practitioner_id: int) -> HttpResponse:
    return _calendar(request, practitioner_id, "week", calendar.week_of(_day(request)), 7)


@clinic_view("schedule.view")
def day(request: ClinicRequest, practitioner_id: int) -> HttpResponse:
    return _calendar(request, practitioner_id, "day", [_day(request)], 1)


@clinic_view("schedule.view")
def export_ics(request: ClinicRequest, practitioner_id: int) -> HttpResponse:
    """The practitioner's appointments from 30 days ago to about a year ahead, as .ics."""
    practitioner = _practitioner(request, practitioner_id)
    now = timezone.now()
    found = list(
        Appointment.objects.for_clinic(request.clinic)
        .filter(practitioner=practitioner)
        .filter(starts_at__gte=now - datetime.timedelta(days=EXPORT_PAST_DAYS))
        .filter(starts_at__lt=now + datetime.timedelta(days=EXPORT_FUTURE_DAYS))
        .select_related("patient", "plan")
        .order_by("starts_at", "id")
    )
    body = ics.practitioner_calendar(practitioner, request.clinic, found, now)
    audit.record(
        Actor.from_request(request),
        AuditAction.EXPORT,
        ObjectType.APPOINTMENT,
        details={
            "format": "ics",
            "practitioner": practitioner.pk,
            "shown": [a.pk for a in found],
            "patients": sorted({a.patient_id for a in found}),
        },
        clinic=request.clinic,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    name = f"mesotrace-{request.clinic.slug}-practitioner-{practitioner.pk}.ics"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _appointment(request: ClinicRequest, appointment_id: int) -> Appointment:
    return clinic_object_or_404(
        Appointment.objects.select_related("patient", "plan", "practitioner", "clinic"),
        request.clinic,
        pk=appointment_id,
    )


def _week_url(appointment: Appointment, clinic: Any) -> str:
    local = scheduling.as_clinic_time(appointment.starts_at, clinic)
    url = reverse("treatments:week", args=[appointment.practitioner_id])
    return f"{url}?date={local.date().isoformat()}"


@clinic_view("schedule.manage")
@require_http_methods(["GET", "POST"])
def reschedule(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment(request, appointment_id)
    local = scheduling.as_clinic_time(appointment.starts_at, request.clinic)
    initial = {
        "practitioner": appointment.practitioner_id,
        "first_date": local.date(),
        "start_time": local.time().replace(second=0, microsecond=0),
        "duration_minutes": appointment.duration_minutes,
    }
    form = RescheduleForm(request.POST or None, clinic=request.clinic, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            moved = scheduling.reschedule_appointment(
                Actor.from_request(request),
                appointment,
                form.first_start(),
                form.cleaned_data["duration_minutes"],
                form.cleaned_data["practitioner"],
            )
        except scheduling.BookingConflict as conflict:
            form.add_error(None, conflict.message)
            status = 409
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Moved to %(when)s.")
                % {"when": scheduling.describe(moved.starts_at, request.clinic)},
            )
            return redirect(_week_url(moved, request.clinic))
    context = {"appointment": appointment, "form": form}
    return render(request, "treatments/reschedule.html", context, status=status)


@clinic_view("schedule.manage")
@require_http_methods(["GET", "POST"])
def cancel(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment(request, appointment_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scheduling.cancel_appointment(
                Actor.from_request(request), appointment, form.cleaned_data["cancel_reason"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Appointment cancelled."))
            return redirect("treatments:plan_detail", plan_id=appointment.plan_id)
    return render(request, "treatments/cancel.html", {"appointment": appointment, "form": form})


@clinic_view("clinic.manage")
@require_http_methods(["GET", "POST"])
def opening_hours(request: ClinicRequest) -> HttpResponse:
    current = scheduling.opening_hours(request.clinic)
    initial = [{"weekday": p.weekday, "opens": p.opens, "closes": p.closes} for p in current]
    formset = OpeningHoursFormSet(request.POST or None, initial=initial, prefix="hours")
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        periods = [
            (f.cleaned_data["weekday"], f.cleaned_data["opens"], f.cleaned_data["closes"])
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            scheduling.set_opening_hours(Actor.from_request(request), request.clinic, periods)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("Opening hours saved."))
            return redirect("treatments:schedule")
    return render(request, "treatments/hours.html", {"formset": formset, "errors": errors})
