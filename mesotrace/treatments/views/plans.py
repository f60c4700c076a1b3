"""Plan pages: list, create from a patient, screen and acknowledge, activate, complete, stop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.catalogue.models import Protocol
from mesotrace.catalogue.rules import Decision
from mesotrace.core.clock import clinic_today
from mesotrace.core.forms import attach_errors
from mesotrace.patients.models import Patient
from mesotrace.patients.queries import MAX_QUERY
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.forms import (
    PLAN_FORM_FIELDS,
    GoalForm,
    GoalFormSet,
    PlanForm,
    StopForm,
    goal_initial,
    goal_rows,
)
from mesotrace.treatments.models import AppointmentStatus, PlanStatus, TreatmentPlan
from mesotrace.treatments.queries import plans as queries
from mesotrace.treatments.services import plans as services
from mesotrace.treatments.views import form_page


def _plan(request: ClinicRequest, plan_id: int) -> TreatmentPlan:
    return get_object_or_404(queries.plans(request.clinic), pk=plan_id)


def _patient(request: ClinicRequest, patient_id: int) -> Patient:
    return clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)


def _listing(request: ClinicRequest, patient: Patient | None = None) -> HttpResponse:
    status = request.GET.get("status", "")
    page = queries.plan_list_page(
        Actor.from_request(request),
        request.clinic,
        request.GET.get("page"),
        patient_id=patient.pk if patient else None,
        status=status if status in PlanStatus.values else None,
    )
    context = {"page": page, "status": status, "statuses": PlanStatus.choices, "patient": patient}
    return render(request, "treatments/plan_list.html", context)


@clinic_view("plan.view")
def plan_list(request: ClinicRequest) -> HttpResponse:
    return _listing(request)


@clinic_view("plan.view")
def patient_plans(request: ClinicRequest, patient_id: int) -> HttpResponse:
    return _listing(request, _patient(request, patient_id))


@clinic_view("plan.manage")
def choose_patient(request: ClinicRequest) -> HttpResponse:
    """Step 0 of a new plan from the plans page: find the patient."""
    query = request.GET.get("q", "")[:MAX_QUERY]
    found = (
        queries.patients_to_plan(Actor.from_request(request), request.clinic, query)
        if query
        else []
    )
    return render(request, "treatments/choose_patient.html", {"query": query, "found": found})


def _protocol_rows(request: ClinicRequest) -> list[tuple[Protocol, Decision]]:
    protocols = queries.protocol_choices(request.clinic)
    decisions = queries.allowed_map(request.clinic, protocols)
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


def _plan_input(form: PlanForm, goals: BaseFormSet[GoalForm]) -> services.PlanInput:
    values = {name: form.cleaned_data[name] for name in PLAN_FORM_FIELDS if name != "zones"}
    zones = list(form.cleaned_data["zones"])
    return services.PlanInput(**values, zones=zones, goals=goal_rows(goals))


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
        actor = Actor.from_request(request)
        try:
            plan = services.create_plan(actor, request.clinic, patient, _plan_input(form, goals))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Draft plan created. Review its screening below."))
            return redirect("treatments:plan_detail", plan_id=plan.pk)
    warnings = (
        queries.screen_patient(patient, protocol, request.clinic)
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


def _detail_context(
    request: ClinicRequest,
    plan: TreatmentPlan,
    errors: dict[str, list[str]] | None = None,
    reasons: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The plan page; after a refused screening form, each warning's errors and typed reason."""
    can_screen = request.membership.may("screening.view")
    screened = queries.screening_for(plan) if can_screen else []
    errors, reasons = errors or {}, reasons or {}
    rows = [
        {
            "item": item,
            "errors": errors.get(item.warning.code, []),
            "reason": reasons.get(item.warning.code, ""),
        }
        for item in screened
    ]
    appointments = list(plan.appointments.select_related("practitioner").order_by("starts_at"))
    return {
        "plan": plan,
        "patient": plan.patient,
        "screened": screened,
        "screening_rows": rows,
        "form_errors": errors.get("", []) + errors.get("code", []),
        "show_screening": can_screen,
        "open_count": sum(1 for item in screened if item.open),
        "to_acknowledge": sum(1 for i in screened if i.open and not i.warning.blocking),
        "appointments": appointments,
        "booked": [a for a in appointments if a.status != AppointmentStatus.CANCELLED],
        "goals": list(plan.goals.all()),
        "zones": list(plan.zones.all()),
        "PlanStatus": PlanStatus,
        "today": clinic_today(plan.clinic),
    }


@clinic_view("plan.view")
def plan_detail(request: ClinicRequest, plan_id: int) -> HttpResponse:
    part = "plan+screening" if request.membership.may("screening.view") else "plan"
    plan = queries.read_plan(Actor.from_request(request), request.clinic, plan_id, part)
    return render(request, "treatments/plan_detail.html", _detail_context(request, plan))


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
            services.update_plan(Actor.from_request(request), plan, _plan_input(form, goals))
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


def _answers(request: ClinicRequest) -> list[services.Acknowledgement]:
    """The screening form's answers: each warning's code, fingerprint and reason, in order."""
    codes = request.POST.getlist("code")
    fingerprints = request.POST.getlist("fingerprint")
    reasons = request.POST.getlist("reason")
    if not len(codes) == len(fingerprints) == len(reasons):
        return []
    return [
        services.Acknowledgement(*row) for row in zip(codes, fingerprints, reasons, strict=True)
    ]


@clinic_view("screening.acknowledge")
@require_POST
def acknowledge(request: ClinicRequest, plan_id: int) -> HttpResponse:
    """Every open warning of the plan acknowledged together, one reason each; all or none."""
    plan = _plan(request, plan_id)
    answers = _answers(request)
    try:
        done = services.acknowledge_warnings(Actor.from_request(request), plan, answers)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    else:
        messages.success(
            request,
            ngettext("Warning acknowledged.", "%(n)s warnings acknowledged.", len(done))
            % {"n": len(done)},
        )
        return redirect("treatments:plan_detail", plan_id=plan.pk)
    context = _detail_context(request, plan, errors, {a.code: a.reason for a in answers})
    return render(request, "treatments/plan_detail.html", context)


def _change_status(
    request: ClinicRequest,
    plan_id: int,
    change: Callable[[Actor, TreatmentPlan], TreatmentPlan],
    done: str,
) -> HttpResponse:
    """Activates or completes the plan; the refusal, or `done`, is flashed on the plan's page."""
    plan = _plan(request, plan_id)
    try:
        change(Actor.from_request(request), plan)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("treatments:plan_detail", plan_id=plan.pk)


@clinic_view("plan.manage")
@require_POST
def activate(request: ClinicRequest, plan_id: int) -> HttpResponse:
    done = _("Plan activated. Its course can now be booked.")
    return _change_status(request, plan_id, services.activate_plan, done)


@clinic_view("plan.manage")
@require_POST
def complete(request: ClinicRequest, plan_id: int) -> HttpResponse:
    return _change_status(request, plan_id, services.complete_plan, _("Plan marked as completed."))


@clinic_view("plan.manage")
@require_http_methods(["GET", "POST"])
def stop(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)

    def write(actor: Actor, data: dict[str, Any]) -> TreatmentPlan:
        return services.stop_plan(actor, plan, data["stop_reason"])

    def done(stopped: TreatmentPlan) -> HttpResponse:
        messages.success(request, _("Plan stopped; its future appointments are cancelled."))
        return redirect("treatments:plan_detail", plan_id=stopped.pk)

    form = StopForm(request.POST or None)
    return form_page(request, form, ("treatments/stop.html", {"plan": plan}), write, done)
