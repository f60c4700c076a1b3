"""Schedule pages: practitioners' day and week calendars, the .ics export, booking a plan's
course, moving and cancelling appointments, opening hours."""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.accounts.models import Clinic
from mesotrace.core.clock import clinic_today, clinic_zone
from mesotrace.core.inputs import date_problem
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.documents import practitioner_calendar
from mesotrace.treatments.forms import CancelForm, CourseForm, OpeningHoursFormSet, RescheduleForm
from mesotrace.treatments.models import Appointment, TreatmentPlan
from mesotrace.treatments.queries import plans as plan_queries
from mesotrace.treatments.queries import schedule as queries
from mesotrace.treatments.rules import calendar
from mesotrace.treatments.rules.schedule import as_clinic_time, course_slots, describe, with_moves
from mesotrace.treatments.services import schedule as services
from mesotrace.treatments.views import form_page

_Done = TypeVar("_Done")


def _practitioner(request: ClinicRequest, practitioner_id: int) -> Practitioner:
    return clinic_object_or_404(Practitioner.objects.all(), request.clinic, pk=practitioner_id)


def _day(request: ClinicRequest) -> datetime.date:
    """The asked day; today when it is missing, malformed or outside the clinic's years
    (a week around 9999-12-31 has no next week to link to)."""
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return clinic_today(request.clinic)
    return clinic_today(request.clinic) if date_problem(day) else day


@clinic_view("schedule.view")
def schedule_index(request: ClinicRequest) -> HttpResponse:
    practitioners = Practitioner.objects.for_clinic(request.clinic).filter(is_active=True)
    hours = services.opening_hours(request.clinic)
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
    appointments = queries.calendar_appointments(
        Actor.from_request(request), request.clinic, practitioner, days, f"{view} calendar"
    )
    hours = services.opening_hours(request.clinic)
    context: dict[str, Any] = {
        "practitioner": practitioner,
        "view": view,
        "days": days,
        "rows": calendar.grid(days, appointments, hours, request.clinic),
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
    found = queries.exported_appointments(
        Actor.from_request(request), request.clinic, practitioner, now
    )
    body = practitioner_calendar(practitioner, request.clinic, found, now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    name = f"mesotrace-{request.clinic.slug}-practitioner-{practitioner.pk}.ics"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _slot(who: int, day: datetime.date, at: datetime.time, minutes: int) -> dict[str, Any]:
    """What a booking form shows first: with whom, on which day, at what time, how long."""
    return {"practitioner": who, "first_date": day, "start_time": at, "duration_minutes": minutes}


def _next_weekday(clinic_day: datetime.date) -> datetime.date:
    day = clinic_day + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _booked_message(booked: list[Appointment], clinic: Clinic) -> str:
    return _("%(n)s sessions booked, from %(first)s to %(last)s.") % {
        "n": len(booked),
        "first": describe(booked[0].starts_at, clinic),
        "last": describe(booked[-1].starts_at, clinic),
    }


MOVE_PREFIX = "move-"


def _moved(request: ClinicRequest) -> dict[int, datetime.datetime]:
    """The times chosen for clashing sessions (`move-<n>`: a local ISO time), by session."""
    moved = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if not key.startswith(MOVE_PREFIX) or not value:
            continue
        number = key.removeprefix(MOVE_PREFIX)
        try:
            moved[int(number)] = datetime.datetime.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            raise ValidationError(
                {
                    "starts_at": _("The time chosen for session %(n)s could not be read.")
                    % {"n": number}
                }
            ) from None
    return moved


def _alternatives(
    request: ClinicRequest,
    plan: TreatmentPlan,
    form: CourseForm,
    moved: dict[int, datetime.datetime],
) -> dict[str, Any]:
    """The nearest free times for each clashing session, and the moves already chosen."""
    data = form.cleaned_data
    hours = services.opening_hours(request.clinic)
    duration = datetime.timedelta(minutes=data["duration_minutes"])
    sequences = queries.sessions_to_book(plan)
    closed = hours if data["move_closed_days"] else None
    slots = course_slots(plan, sequences, form.first_start(), duration, closed)
    slots = with_moves(slots, moved, request.clinic)
    found = queries.free_alternatives(
        request.clinic, slots, data["practitioner"], plan.patient, hours, timezone.now()
    )
    by_number = {slot.sequence: slot for slot in slots}
    zone = clinic_zone(request.clinic)
    rows = [
        {
            "sequence": number,
            "clash": describe(by_number[number].starts_at, request.clinic),
            "choices": [
                (
                    start.astimezone(zone).replace(tzinfo=None).isoformat(),
                    describe(start, request.clinic),
                )
                for start in starts
            ],
        }
        for number, starts in sorted(found.items())
    ]
    kept = [
        (f"{MOVE_PREFIX}{n}", when.isoformat())
        for n, when in sorted(moved.items())
        if n not in found
    ]
    return {"alternatives": rows, "kept_moves": kept}


@clinic_view("schedule.manage")
@require_http_methods(["GET", "POST"])
def book(request: ClinicRequest, plan_id: int) -> HttpResponse:
    """Books the course; when sessions clash, offers the nearest free times for each of them."""
    plan = get_object_or_404(plan_queries.plans(request.clinic), pk=plan_id)
    first_day = _next_weekday(clinic_today(request.clinic))
    initial = _slot(plan.practitioner_id, first_day, datetime.time(10, 0), 30)
    form = CourseForm(request.POST or None, clinic=request.clinic, initial=initial)
    moved: dict[int, datetime.datetime] = {}

    def write(actor: Actor, data: dict[str, Any]) -> list[Appointment]:
        minutes, move = data["duration_minutes"], data["move_closed_days"]
        moved.update(_moved(request))
        start = form.first_start()
        return services.book_course(
            actor, plan, data["practitioner"], start, minutes, move, moved=moved
        )

    def done(booked: list[Appointment]) -> HttpResponse:
        messages.success(request, _booked_message(booked, request.clinic))
        return redirect("treatments:plan_detail", plan_id=plan.pk)

    def on_conflict() -> dict[str, Any]:
        return _alternatives(request, plan, form, moved)

    page = ("treatments/book.html", {"plan": plan})
    return form_page(request, form, page, write, done, on_conflict)


def _appointment(request: ClinicRequest, appointment_id: int) -> Appointment:
    return clinic_object_or_404(
        Appointment.objects.select_related("patient", "plan", "practitioner", "clinic"),
        request.clinic,
        pk=appointment_id,
    )


def _week_url(appointment: Appointment, clinic: Clinic) -> str:
    local = as_clinic_time(appointment.starts_at, clinic)
    url = reverse("treatments:week", args=[appointment.practitioner_id])
    return f"{url}?date={local.date().isoformat()}"


@clinic_view("schedule.manage")
@require_http_methods(["GET", "POST"])
def reschedule(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment(request, appointment_id)
    local = as_clinic_time(appointment.starts_at, request.clinic)
    at = local.time().replace(second=0, microsecond=0)
    initial = _slot(appointment.practitioner_id, local.date(), at, appointment.duration_minutes)
    form = RescheduleForm(request.POST or None, clinic=request.clinic, initial=initial)

    def write(actor: Actor, data: dict[str, Any]) -> Appointment:
        start, minutes = form.first_start(), data["duration_minutes"]
        return services.reschedule_appointment(
            actor, appointment, start, minutes, data["practitioner"]
        )

    def done(moved: Appointment) -> HttpResponse:
        when = describe(moved.starts_at, request.clinic)
        messages.success(request, _("Moved to %(when)s.") % {"when": when})
        return redirect(_week_url(moved, request.clinic))

    page = ("treatments/reschedule.html", {"appointment": appointment})
    return form_page(request, form, page, write, done)


@clinic_view("schedule.manage")
@require_http_methods(["GET", "POST"])
def cancel(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment(request, appointment_id)
    form = CancelForm(request.POST or None)

    def write(actor: Actor, data: dict[str, Any]) -> Appointment:
        return services.cancel_appointment(actor, appointment, data["cancel_reason"])

    def done(cancelled: Appointment) -> HttpResponse:
        messages.success(request, _("Appointment cancelled."))
        return redirect("treatments:plan_detail", plan_id=cancelled.plan_id)

    page = ("treatments/cancel.html", {"appointment": appointment})
    return form_page(request, form, page, write, done)


@clinic_view("clinic.manage")
@require_http_methods(["GET", "POST"])
def opening_hours(request: ClinicRequest) -> HttpResponse:
    current = services.opening_hours(request.clinic)
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
            services.set_opening_hours(Actor.from_request(request), request.clinic, periods)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("Opening hours saved."))
            return redirect("treatments:schedule")
    return render(request, "treatments/hours.html", {"formset": formset, "errors": errors})
