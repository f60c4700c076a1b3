"""Forms of the safety pages: an adverse event with its proposed sessions, a follow-up."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mesotrace.core import formats
from mesotrace.core.forms import PlainInput
from mesotrace.safety.models import (
    MAX_TEXT,
    Category,
    Causality,
    Outcome,
    Reporter,
    Seriousness,
    Term,
)
from mesotrace.safety.rules import MAX_CLUSTER_THRESHOLD, MAX_CLUSTER_WINDOW_DAYS
from mesotrace.treatments.models import TreatmentSession

GRADES = [
    ("", _("Not graded yet")),
    ("1", _("1 · Mild")),
    ("2", _("2 · Moderate")),
    ("3", _("3 · Severe")),
    ("4", _("4 · Life-threatening")),
    ("5", _("5 · Death")),
]
DATE = forms.DateInput(attrs={"type": "date"})


class SessionChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        session: TreatmentSession = obj
        return f"{formats.day(session.performed_on)} · {session.practitioner.full_name}"


class EventForm(PlainInput, forms.Form):
    term = forms.ChoiceField(label=_("Event"), choices=Term.choices)
    term_text = forms.CharField(label=_("If other: what"), max_length=200, required=False)
    onset_date = forms.DateField(label=_("Onset"), widget=DATE)
    detected_on = forms.DateField(label=_("Detected on"), widget=DATE)
    grade = forms.TypedChoiceField(
        label=_("Severity grade (CTCAE)"),
        choices=GRADES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    seriousness = forms.MultipleChoiceField(
        label=_("Seriousness criteria"),
        choices=Seriousness.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Outcome.choices, initial=Outcome.UNKNOWN
    )
    causality = forms.ChoiceField(
        label=_("Causality (WHO-UMC)"), choices=Causality.choices, initial=Causality.POSSIBLE
    )
    actions_taken = forms.CharField(
        label=_("Actions taken"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=MAX_TEXT,
    )
    organism = forms.CharField(
        label=_("Microbiology: organism"),
        max_length=200,
        required=False,
        help_text=_("Suspected infection: culture for mycobacteria (AFB)."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAX_TEXT,
    )
    reporter = forms.ChoiceField(label=_("Reported by"), choices=Reporter.choices)
    sessions = SessionChoice(
        label=_("Linked sessions"),
        queryset=TreatmentSession.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The patient's sessions in the look-back window before onset."),
    )

    def __init__(self, *args: Any, sessions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if sessions is not None:
            self.fields["sessions"].queryset = sessions  # type: ignore[attr-defined]


class LinkedSessionChoice(SessionChoice):
    """A session with the lots it used, so staff see what linking it brings in."""

    lots: dict[int, list[str]] = {}

    def label_from_instance(self, obj: Any) -> str:
        used = self.lots.get(obj.pk, [])
        lots = " · " + _("lots %(lots)s") % {"lots": ", ".join(used)} if used else ""
        return super().label_from_instance(obj) + lots


class GradeForm(PlainInput, forms.Form):
    """Staff grade an event (a patient's report first); sessions to link come from the
    look-back proposal, so a report without links can enter the cluster check."""

    grade = forms.TypedChoiceField(
        label=_("Severity grade (CTCAE)"), choices=GRADES[1:], coerce=int
    )
    causality = forms.ChoiceField(label=_("Causality (WHO-UMC)"), choices=Causality.choices)
    seriousness = forms.MultipleChoiceField(
        label=_("Seriousness criteria"),
        choices=Seriousness.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sessions = LinkedSessionChoice(
        label=_("Also link these sessions"),
        queryset=TreatmentSession.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "The patient's sessions in the look-back window before onset, not linked yet; "
            "their lots are checked for a cluster."
        ),
    )

    def __init__(
        self,
        *args: Any,
        sessions: Any = None,
        lots: dict[int, list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["sessions"]
        assert isinstance(choice, LinkedSessionChoice)
        if sessions is not None:
            choice.queryset = sessions
        choice.lots = lots or {}


class LookBackForm(PlainInput, forms.Form):
    onset = forms.DateField(label=_("Onset"), required=False, widget=DATE)
    days = forms.IntegerField(label=_("Look back (days)"), min_value=1, max_value=730, initial=90)


class FollowUpForm(PlainInput, forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE, initial=datetime.date.today)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(
        label=_("Outcome now"), choices=[("", _("unchanged")), *Outcome.choices], required=False
    )


class ReleaseForm(PlainInput, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ClusterRuleForm(PlainInput, forms.Form):
    """The clinic's cluster rule; the service checks the same ranges again."""

    category = forms.ChoiceField(label=_("Events counted"), choices=Category.choices)
    threshold = forms.IntegerField(
        label=_("Events on one lot that raise an alert"),
        min_value=1,
        max_value=MAX_CLUSTER_THRESHOLD,
    )
    window_days = forms.IntegerField(
        label=_("Within (days)"), min_value=1, max_value=MAX_CLUSTER_WINDOW_DAYS
    )
