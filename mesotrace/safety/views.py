"""Safety pages: adverse events (list, new for a patient, detail with follow-ups and the
grading of patients' reports), the alerts owners and practitioners act on (the lot's trace
opens its recall campaign), the cluster rule and the signals."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.core.clock import clinic_today
from mesotrace.core.formats import csv_response
from mesotrace.core.forms import attach_errors
from mesotrace.patients.models import Patient
from mesotrace.safety import documents
from mesotrace.safety.forms import (
    ClusterRuleForm,
    EventForm,
    FollowUpForm,
    GradeForm,
    LookBackForm,
    ReleaseForm,
)
from mesotrace.safety.models import DEFAULT_LOOK_BACK_DAYS, AdverseEvent, SafetyAlert
from mesotrace.safety.queries import alerts as alert_queries
from mesotrace.safety.queries import events as event_queries
from mesotrace.safety.queries import signals
from mesotrace.safety.services import alerts, events

FLAGGED_SHOWN = 10  # lots named one by one after a rule change; the rest are on Alerts
TO_GRADE = "patient_ungraded"  # the event list's filter: patients' reports not graded yet


def _event(request: ClinicRequest, event_id: int) -> AdverseEvent:
    return get_object_or_404(event_queries.with_details(request.clinic), pk=event_id)


@clinic_view("adverse_event.view")
def event_list(request: ClinicRequest) -> HttpResponse:
    to_grade = request.GET.get("reported") == TO_GRADE
    actor = Actor.from_request(request)
    page = event_queries.event_page(
        actor, request.clinic, request.GET.get("page"), to_grade=to_grade
    )
    may_see = request.membership.may("safety_alert.view")
    shown = alert_queries.open_alerts(request.clinic) if may_see else []
    context = {"page": page, "alerts": shown, "to_grade": to_grade, "filter_value": TO_GRADE}
    return render(request, "safety/event_list.html", context)


def _look_back(request: ClinicRequest, patient: Patient) -> tuple[LookBackForm, Any]:
    look = LookBackForm(request.GET or None, initial={"days": DEFAULT_LOOK_BACK_DAYS})
    onset, days = None, DEFAULT_LOOK_BACK_DAYS
    if look.is_bound and look.is_valid():
        onset = look.cleaned_data["onset"]
        days = look.cleaned_data["days"] or DEFAULT_LOOK_BACK_DAYS
    return look, event_queries.look_back_sessions(patient, onset, days)


def _input(form: EventForm) -> events.EventInput:
    data = form.cleaned_data
    return events.EventInput(
        term=data["term"],
        term_text=data["term_text"],
        onset_date=data["onset_date"],
        detected_on=data["detected_on"],
        grade=data["grade"],
        seriousness=list(data["seriousness"]),
        outcome=data["outcome"],
        causality=data["causality"],
        actions_taken=data["actions_taken"],
        organism=data["organism"],
        description=data["description"],
        reporter=data["reporter"],
        session_ids=[s.pk for s in data["sessions"]],
    )


@clinic_view("adverse_event.record")
@require_http_methods(["GET", "POST"])
def event_new(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)
    look, proposed = _look_back(request, patient)
    today = clinic_today(request.clinic)
    if request.method == "POST":
        form = EventForm(request.POST, sessions=proposed)
        if form.is_valid():
            try:
                event = events.record_event(Actor.from_request(request), patient, _input(form))
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("Adverse event recorded."))
                _warn_alerts(request, event)
                return redirect("safety:event_detail", event_id=event.pk)
    else:
        initial = {
            "onset_date": look.cleaned_data.get("onset")
            if look.is_bound and look.is_valid()
            else None,
            "detected_on": today,
            "sessions": list(proposed),
        }
        form = EventForm(initial=initial, sessions=proposed)
    context = {"patient": patient, "form": form, "look": look, "proposed": proposed}
    return render(request, "safety/event_new.html", context)


def _grade_form(request: ClinicRequest, event: AdverseEvent, data: Any = None) -> GradeForm | None:
    if not request.membership.may("adverse_event.grade"):
        return None
    proposed = event_queries.unlinked_look_back(event)
    initial = {
        "grade": event.grade,
        "causality": event.causality,
        "seriousness": list(event.seriousness),
    }
    lots = event_queries.lots_per_session([s.pk for s in proposed])
    return GradeForm(data, initial=initial, sessions=proposed, lots=lots)


def _detail(
    request: ClinicRequest,
    event: AdverseEvent,
    follow_up_form: FollowUpForm | None = None,
    grade_form: GradeForm | None = None,
) -> HttpResponse:
    context = {
        "event": event,
        "follow_up_form": follow_up_form or FollowUpForm(),
        "grade_form": grade_form or _grade_form(request, event),
    }
    return render(request, "safety/event_detail.html", context)


@clinic_view("adverse_event.view")
def event_detail(request: ClinicRequest, event_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    event = event_queries.read_event(actor, event_queries.with_details(request.clinic), event_id)
    return _detail(request, event)


@clinic_view("adverse_event.grade")
@require_POST
def grade(request: ClinicRequest, event_id: int) -> HttpResponse:
    """Staff grade an event (a patient's report), linking sessions from the look-back."""
    event = _event(request, event_id)
    form = _grade_form(request, event, request.POST)
    assert form is not None  # the permission was checked above
    if form.is_valid():
        data = form.cleaned_data
        try:
            graded = events.grade_event(
                Actor.from_request(request),
                event,
                data["grade"],
                causality=data["causality"],
                seriousness=data["seriousness"],
                session_ids=[s.pk for s in data["sessions"]],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Event graded."))
            _warn_alerts(request, graded)
            return redirect("safety:event_detail", event_id=event.pk)
    return _detail(request, event, grade_form=form)


def _warn_alerts(request: ClinicRequest, event: AdverseEvent) -> None:
    """Flashes the open alert of each lot the event is linked to."""
    for alert in alert_queries.open_alerts_on(request.clinic, event):
        messages.warning(request, alert.message)


@clinic_view("adverse_event.record")
@require_POST
def follow_up(request: ClinicRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            events.add_follow_up(
                Actor.from_request(request), event, data["on"], data["note"], data["outcome"]
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Follow-up recorded."))
            return redirect("safety:event_detail", event_id=event.pk)
    return _detail(request, event, follow_up_form=form)


@clinic_view("safety_alert.view")
def alert_list(request: ClinicRequest) -> HttpResponse:
    page = alert_queries.alert_page(request.clinic, request.GET.get("page"))
    return render(request, "safety/alert_list.html", {"page": page, "release_form": ReleaseForm()})


@clinic_view("safety_alert.release")
@require_POST
def alert_release(request: ClinicRequest, alert_id: int) -> HttpResponse:
    alert = clinic_object_or_404(SafetyAlert.objects.all(), request.clinic, pk=alert_id)
    form = ReleaseForm(request.POST)
    if alert.closed_at is not None:
        messages.info(request, _("This alert is already closed."))
    elif not form.is_valid():
        messages.error(request, _("Give the reason for releasing the lot."))
    else:
        try:
            alerts.release_lot(Actor.from_request(request), alert, form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Alert closed; the lot is available again."))
    return redirect("safety:alert_list")


# What the signals table calls each column of `signals.HEADER` (and a French CSV; an English
# CSV keeps the field names).
COLUMN_NAMES = {
    "level": gettext_lazy("Level"),
    "unit": gettext_lazy("Compound, product or lot"),
    "category": gettext_lazy("Event category"),
    "events": gettext_lazy("Events"),
    "sessions": gettext_lazy("Exposed sessions"),
    "per_1000": gettext_lazy("Rate per 1,000 sessions"),
    "per_1000_lower": gettext_lazy("Rate, 95% CI low"),
    "per_1000_upper": gettext_lazy("Rate, 95% CI high"),
    "rate_ratio": gettext_lazy("Rate ratio against the others"),
    "rate_ratio_lower": gettext_lazy("Rate ratio, 95% CI low"),
    "rate_ratio_upper": gettext_lazy("Rate ratio, 95% CI high"),
    "rate_ratio_p_above": gettext_lazy("p (rate ratio above 1, one-sided)"),
    "prr": gettext_lazy("PRR"),
    "prr_lower": gettext_lazy("PRR, 95% CI low"),
    "prr_upper": gettext_lazy("PRR, 95% CI high"),
    "ror": gettext_lazy("ROR"),
    "ror_lower": gettext_lazy("ROR, 95% CI low"),
    "ror_upper": gettext_lazy("ROR, 95% CI high"),
    "chi_square_yates": gettext_lazy("Chi-square (Yates)"),
    "evans_signal": gettext_lazy("Evans signal"),
    "ic025": gettext_lazy("IC025"),
    "ebgm": gettext_lazy("EBGM"),
    "eb05": gettext_lazy("EB05"),
}


@clinic_view("signals.view")
def signal_page(request: ClinicRequest) -> HttpResponse:
    levels = signals.clinic_signals(request.clinic)
    plots = documents.signal_plots(levels)
    context = {
        "levels": [(level, rows) for level, rows in levels.items()],
        "header": [COLUMN_NAMES.get(name, name) for name in signals.HEADER],
        # built by documents.py, every text escaped
        "plots": [mark_safe(svg) for svg in plots],  # noqa: S308
    }
    return render(request, "safety/signals.html", context)


@clinic_view("signals.view")
def signal_export(request: ClinicRequest) -> HttpResponse:
    levels = signals.export_signals(Actor.from_request(request), request.clinic)
    return csv_response(documents.signals_csv(levels, COLUMN_NAMES), "safety-signals.csv")


def _say_rule_change(request: ClinicRequest, change: alerts.RuleChange) -> None:
    if not change.rechecked:
        messages.success(
            request,
            _(
                "Cluster rule saved. It catches no lot the previous rule did not, so no lot "
                "was re-checked. A looser rule releases no lot by itself: a lot under "
                "investigation stays so until an owner releases it from the alerts page."
            ),
        )
        return
    flagged = change.newly_under_investigation
    messages.success(
        request,
        ngettext(
            "Cluster rule saved; the lots with events were re-checked under it: "
            "%(n)s lot newly put under investigation.",
            "Cluster rule saved; the lots with events were re-checked under it: "
            "%(n)s lots newly put under investigation.",
            len(flagged),
        )
        % {"n": len(flagged)},
    )
    for lot in flagged[:FLAGGED_SHOWN]:
        messages.warning(
            request,
            _("Lot %(lot)s of %(product)s is now under investigation.")
            % {"lot": lot.lot_number, "product": lot.product.name},
        )
    if len(flagged) > FLAGGED_SHOWN:
        messages.warning(
            request,
            _("And %(n)s more lots: see the alerts page.") % {"n": len(flagged) - FLAGGED_SHOWN},
        )


@clinic_view("safety_settings.manage")
@require_http_methods(["GET", "POST"])
def cluster_rule(request: ClinicRequest) -> HttpResponse:
    """The owner sets which events, how many, within how many days, put a lot on alert."""
    rule = alert_queries.settings_for(request.clinic)
    initial = {
        "category": rule.category,
        "threshold": rule.threshold,
        "window_days": rule.window_days,
    }
    form = ClusterRuleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                change = alerts.update_cluster_rule(
                    Actor.from_request(request),
                    request.clinic,
                    data["category"],
                    data["threshold"],
                    data["window_days"],
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                _say_rule_change(request, change)
                return redirect("safety:cluster_rule")
        status = 422
    return render(request, "safety/cluster_rule.html", {"form": form, "rule": rule}, status=status)
