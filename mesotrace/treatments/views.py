"""Plan pages: list, create from a patient, screen and acknowledge, activate, stop, book."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.audit import services as audit
from mesotrace.audit.models import ObjectType
from mesotrace.catalogue.models import Protocol
from mesotrace.core.clock import clinic_today
from mesotrace.core.forms import attach_errors
from mesotrace.patients.models import Patient
from mesotrace.patients.queries import MAX_QUERY, patient_query
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments import scheduling, services
from mesotrace.treatments.forms import (
    PLAN_FORM_FIELDS,
    AcknowledgeForm,
    CourseForm,
    GoalFormSet,
    PlanForm,
    StopForm,
    allowed_map,
    goal_initial,
    goal_rows,
    protocol_choices,
)
from mesotrace.treatments.models import AppointmentStatus, PlanStatus, TreatmentPlan
from mesotrace.treatments.screening import screen

PAGE_SIZE = 50


def _plan(request: ClinicRequest, plan_id: int) -> TreatmentPlan:
    return clinic_object_or_404(
        TreatmentPlan.objects.select_related(
            "patient", "protocol", "protocol__indication", "indication", "practitioner", "clinic"
        ),
        request.clinic,
        pk=plan_id,
    )


def _patient(request: ClinicRequest, patient_id: int) -> Patient:
    return clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)


def _listing(request: ClinicRequest, plans: Any) -> Any:
    plans = plans.select_related("patient", "protocol", "practitioner")
    status = request.GET.get("status", "")
    if status in PlanStatus.values:
        plans = plans.filter(status=status)
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    services.record_list(
        Actor.from_request(request), request.clinic, list(page), page.paginator.count
    )
    return page, status


@clinic_view("plan.view")
def plan_list(request: ClinicRequest) -> HttpResponse:
    page, status = _listing(request, TreatmentPlan.objects.for_clinic(request.clinic))
    context = {"page": page, "status": status, "statuses": PlanStatus.choices}
    return render(request, "treatments/plan_list.html", context)


@clinic_view("plan.view")
def patient_plans(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    plans = TreatmentPlan.objects.for_clinic(request.clinic).filter(patient=patient)
    page, status = _listing(request, plans)
    context = {"page": page, "status": status, "statuses": PlanStatus.choices, "patient": patient}
    return render(request, "treatments/plan_list.html", context)


@clinic_view("plan.manage")
def choose_patient(request: ClinicRequest) -> HttpResponse:
    """Step 0 of a new plan from the plans page: find the patient."""
    query = request.GET.get("q", "")[:MAX_QUERY]
    found = []
    if query:
        found = list(
            Patient.objects.for_clinic(request.clinic).filter(patient_query(query, request.clinic))[
                :PAGE_SIZE
            ]
        )
        audit.record_list(
            Actor.from_request(request), ObjectType.PATIENT, found, total=len(found), query=query
        )
    return render(request, "treatments/choose_patient.html", {"query": query, "found": found})


def _protocol_rows(request: ClinicRequest) -> list[tuple[Protocol, Any]]:
    protocols = protocol_choices(request.clinic)
    decisions = allowed_map(request.clinic, protocols)
    return [(protocol, decisions[protocol.pk]) for protocol in protocols]


def _new_plan_form(request: ClinicRequest, protocol: Protocol, data: Any) -> PlanForm:
    initial = {
        "protocol": protocol.pk,
        "zones": [zone.pk for zone in protocol.zones.all()],
        "planned_sessions": protocol.sessions,
        "interval_days": protocol.interval_days,
        "practitioner": _own_practitioner(request),
    }
    return PlanForm(data, clinic=request.clinic, initial=initial)


def _own_practitioner(request: ClinicRequest) -> int | None:
    mine = Practitioner.objects.for_clinic(request.clinic).filter(user=request.user, is_active=True)
    return mine.values_list("pk", flat=True).first()


def _plan_values(form: PlanForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in PLAN_FORM_FIELDS if name != "zones"}


@clinic_view("plan.manage")
@require_http_methods(["GET", "POST"])
def plan_create(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """Choose a protocol (step 1), then adapt and save the draft plan (step 2)."""
    patient = _patient(request, patient_id)
    chosen = request.POST.get("protocol") or request.GET.get("protocol")
    protocol = (
        Protocol.objects.visible_to(request.clinic).filter(pk=chosen).first()
        if chosen and chosen.isdigit()
        else None
    )
    if protocol is None:
        rows = _protocol_rows(request)
        return render(
            request, "treatments/choose_protocol.html", {"patient": patient, "rows": rows}
        )
    form = _new_plan_form(request, protocol, request.POST or None)
    goals = GoalFormSet(request.POST or None, prefix="goals")
    if request.method == "POST" and form.is_valid() and goals.is_valid():
        try:
            plan = services.create_plan(
                Actor.from_request(request),
                request.clinic,
                patient,
                _plan_values(form),
                list(form.cleaned_data["zones"]),
                goal_rows(goals),
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Draft plan created. Review its screening below."))
            return redirect("treatments:plan_detail", plan_id=plan.pk)
    warnings = (
        screen(patient, protocol, request.clinic)
        if request.membership.may("screening.view")
        else None
    )
    context = {
        "patient": patient,
        "protocol": protocol,
        "form": form,
        "goals": goals,
        "warnings": warnings,
        "title": _("New plan"),
    }
    return render(request, "treatments/plan_form.html", context)


def _detail_context(request: ClinicRequest, plan: TreatmentPlan) -> dict[str, Any]:
    can_screen = request.membership.may("screening.view")
    screened = services.screening_for(plan) if can_screen else []
    appointments = list(plan.appointments.select_related("practitioner").order_by("starts_at"))
    return {
        "plan": plan,
        "patient": plan.patient,
        "screened": screened,
        "show_screening": can_screen,
        "open_count": sum(1 for item in screened if item.open),
        "appointments": appointments,
        "booked": [a for a in appointments if a.status != AppointmentStatus.CANCELLED],
        "goals": list(plan.goals.all()),
        "zones": list(plan.zones.all()),
        "ack_code": "",
        "ack_errors": [],
        "PlanStatus": PlanStatus,
    }


@clinic_view("plan.view")
def plan_detail(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    context = _detail_context(request, plan)
    part = "plan+screening" if context["show_screening"] else "plan"
    services.record_read(Actor.from_request(request), plan, part)
    return render(request, "treatments/plan_detail.html", context)


@clinic_view("plan.manage")
@require_http_methods(["GET", "POST"])
def plan_edit(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    if not plan.is_open:
        messages.error(
            request,
            _("A %(status)s plan cannot be changed.")
            % {"status": plan.get_status_display().lower()},
        )
        return redirect("treatments:plan_detail", plan_id=plan.pk)
    editable = TreatmentPlan.objects.get(pk=plan.pk)
    form = PlanForm(request.POST or None, instance=editable, clinic=request.clinic)
    goals = GoalFormSet(request.POST or None, prefix="goals", initial=goal_initial(plan))
    if request.method == "POST" and form.is_valid() and goals.is_valid():
        try:
            services.update_plan(
                Actor.from_request(request),
                plan,
                _plan_values(form),
                list(form.cleaned_data["zones"]),
                goal_rows(goals),
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Plan saved."))
            return redirect("treatments:plan_detail", plan_id=plan.pk)
    context = {
        "patient": plan.patient,
        "protocol": plan.protocol,
        "plan": plan,
        "form": form,
        "goals": goals,
        "warnings": None,
        "title": _("Edit plan"),
    }
    return render(request, "treatments/plan_form.html", context)


@clinic_view("screening.acknowledge")
@require_POST
def acknowledge(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    form = AcknowledgeForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.acknowledge_warning(
                Actor.from_request(request), plan, data["code"], data["fingerprint"], data["reason"]
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("Warning acknowledged."))
            return redirect("treatments:plan_detail", plan_id=plan.pk)
    else:
        errors = [str(m) for field_errors in form.errors.values() for m in field_errors]
    context = _detail_context(request, plan)
    context["ack_code"] = request.POST.get("code", "")
    context["ack_errors"] = errors
    context["ack_reason"] = request.POST.get("reason", "")
    return render(request, "treatments/plan_detail.html", context)


def _flash_errors(request: ClinicRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@clinic_view("plan.manage")
@require_POST
def activate(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    try:
        services.activate_plan(Actor.from_request(request), plan)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("Plan activated. Its course can now be booked."))
    return redirect("treatments:plan_detail", plan_id=plan.pk)


@clinic_view("plan.manage")
@require_POST
def complete(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    try:
        services.complete_plan(Actor.from_request(request), plan)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("Plan marked as completed."))
    return redirect("treatments:plan_detail", plan_id=plan.pk)


@clinic_view("plan.manage")
@require_http_methods(["GET", "POST"])
def stop(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    form = StopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.stop_plan(Actor.from_request(request), plan, form.cleaned_data["stop_reason"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Plan stopped; its future appointments are cancelled."))
            return redirect("treatments:plan_detail", plan_id=plan.pk)
    return render(request, "treatments/stop.html", {"plan": plan, "form": form})


def _next_weekday(clinic_day: datetime.date) -> datetime.date:
    day = clinic_day + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


@clinic_view("schedule.manage")
@require_http_methods(["GET", "POST"])
def book(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    initial = {
        "practitioner": plan.practitioner_id,
        "first_date": _next_weekday(clinic_today(request.clinic)),
        "start_time": datetime.time(10, 0),
        "duration_minutes": 30,
    }
    form = CourseForm(request.POST or None, clinic=request.clinic, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            booked = scheduling.book_course(
                Actor.from_request(request),
                plan,
                form.cleaned_data["practitioner"],
                form.first_start(),
                form.cleaned_data["duration_minutes"],
                form.cleaned_data["move_closed_days"],
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
                _("%(n)s sessions booked, from %(first)s to %(last)s.")
                % {
                    "n": len(booked),
                    "first": scheduling.describe(booked[0].starts_at, request.clinic),
                    "last": scheduling.describe(booked[-1].starts_at, request.clinic),
                },
            )
            return redirect("treatments:plan_detail", plan_id=plan.pk)
    return render(request, "treatments/book.html", {"plan": plan, "form": form}, status=status)
