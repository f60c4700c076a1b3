"""Forms of the portal: the staff's link form and the patient's two reports."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mesotrace.core.forms import PlainInput
from mesotrace.portal.rules import DEFAULT_DAYS, MAX_DAYS
from mesotrace.safety.models import MAX_TEXT, Term


class LinkForm(PlainInput, forms.Form):
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text=_("1 to 60 days; you can revoke the link at any time."),
    )


# What a patient picks from, in their words; staff grade and may recode it later. Nothing is
# chosen for them: an unchosen report is refused rather than filed as a skin infection.
PATIENT_TERMS = [
    ("", _("Choose what you noticed")),
    (Term.SKIN_INFECTION, _("Skin that is red, warm, swollen or leaking pus")),
    (Term.NODULES, _("Lumps under the skin")),
    (Term.HAEMATOMA, _("Bruising or bleeding")),
    (Term.PAIN, _("Pain")),
    (Term.URTICARIA, _("An itchy, raised rash (hives)")),
    (Term.ALLERGIC_REACTION, _("Another allergic reaction (swelling, itching)")),
    (Term.HYPERPIGMENTATION, _("Darker patches of skin")),
    (Term.NECROSIS, _("A dark or open wound where you were injected")),
    (Term.LIPOATROPHY, _("A dent or hollow where you were injected")),
    (Term.ALOPECIA, _("Hair falling out")),
    (Term.NERVE_INJURY, _("Numbness, tingling or weakness")),
    (Term.DYSPHAGIA, _("Difficulty swallowing")),
    (Term.VASOVAGAL, _("Fainting or feeling faint")),
    (Term.OTHER, _("Something else (describe it below)")),
]


class SideEffectForm(PlainInput, forms.Form):
    term = forms.ChoiceField(label=_("What happened?"), choices=PATIENT_TERMS)
    term_text = forms.CharField(label=_("If “Other”, what is it?"), max_length=200, required=False)
    onset_date = forms.DateField(
        label=_("When did it start?"), widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("Tell us more (where, how it looks, what you did)"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class LifestyleForm(PlainInput, forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    diet_adherence_percent = forms.IntegerField(
        label=_("How closely did you follow the diet? (0 to 100 %)"), min_value=0, max_value=100
    )
    exercise_minutes_per_week = forms.IntegerField(
        label=_("Minutes of exercise in the last week"), min_value=0, max_value=7 * 24 * 60
    )
    weight_kg = forms.FloatField(label=_("Your weight (kg), if you know it"), required=False)

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["date"].initial = today

    def clean_date(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["date"]
        if day > self.today:
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day
