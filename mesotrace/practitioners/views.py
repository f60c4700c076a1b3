"""Practitioner pages: credentials (expired ones flagged) and the clinic's injection policy."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.practitioners import queries, services
from mesotrace.practitioners.forms import PolicyForm, PractitionerForm
from mesotrace.practitioners.models import PRACTITIONER_FIELDS, Practitioner
from mesotrace.practitioners.services import PractitionerInput


def _input(form: PractitionerForm) -> PractitionerInput:
    return PractitionerInput(**{name: form.cleaned_data[name] for name in PRACTITIONER_FIELDS})


@clinic_view("practitioner.view")
def practitioner_list(request: ClinicRequest) -> HttpResponse:
    today = timezone.localdate()
    people = queries.practitioners_of(request.clinic)
    rows = [(p, queries.may_inject(p, request.clinic, today)) for p in people]
    policy = queries.policy_for(request.clinic)
    return render(
        request, "practitioners/list.html", {"rows": rows, "policy": policy, "today": today}
    )


@clinic_view("practitioner.view")
def practitioner_detail(request: ClinicRequest, practitioner_id: int) -> HttpResponse:
    person = clinic_object_or_404(Practitioner.objects.all(), request.clinic, pk=practitioner_id)
    today = timezone.localdate()
    decision = queries.may_inject(person, request.clinic, today)
    context = {"person": person, "decision": decision, "today": today}
    return render(request, "practitioners/detail.html", context)


@clinic_view("practitioner.manage")
@require_http_methods(["GET", "POST"])
def practitioner_create(request: ClinicRequest) -> HttpResponse:
    form = PractitionerForm(request.POST or None, clinic=request.clinic)
    if request.method == "POST" and form.is_valid():
        data = _input(form)
        person = services.add_practitioner(Actor.from_request(request), request.clinic, data)
        messages.success(request, _("Practitioner added."))
        return redirect("practitioners:detail", practitioner_id=person.pk)
    return render(
        request, "practitioners/form.html", {"form": form, "title": _("New practitioner")}
    )


@clinic_view("practitioner.manage")
@require_http_methods(["GET", "POST"])
def practitioner_edit(request: ClinicRequest, practitioner_id: int) -> HttpResponse:
    person = clinic_object_or_404(Practitioner.objects.all(), request.clinic, pk=practitioner_id)
    form = PractitionerForm(request.POST or None, instance=person, clinic=request.clinic)
    if request.method == "POST" and form.is_valid():
        services.change_practitioner(Actor.from_request(request), person, _input(form))
        messages.success(request, _("Saved."))
        return redirect("practitioners:detail", practitioner_id=person.pk)
    return render(
        request,
        "practitioners/form.html",
        {"form": form, "person": person, "title": _("Edit practitioner")},
    )


@clinic_view("clinic.manage")
@require_http_methods(["GET", "POST"])
def policy_edit(request: ClinicRequest) -> HttpResponse:
    form = PolicyForm(request.POST or None, instance=queries.policy_for(request.clinic))
    if request.method == "POST" and form.is_valid():
        services.set_injection_policy(
            Actor.from_request(request),
            request.clinic,
            rule=form.cleaned_data["rule"],
            require_training=form.cleaned_data["require_training"],
        )
        messages.success(request, _("Injection policy saved."))
        return redirect("practitioners:list")
    return render(request, "practitioners/policy.html", {"form": form})
