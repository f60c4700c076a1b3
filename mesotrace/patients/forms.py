from typing import Any

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from mesotrace.catalogue.models import Allergen
from mesotrace.core.forms import LanguageSelect, PlainInput
from mesotrace.patients.models import (
    CLINICAL_FIELDS,
    DEMOGRAPHIC_FIELDS,
    Allergy,
    Medication,
    Patient,
)


class DateInput(forms.DateInput):
    input_type = "date"


class LanguageOptional(forms.ModelForm[Patient]):
    """A form sent without the preferred language keeps it (a new patient: the clinic's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["preferred_language"]
        language.required = False
        language.widget = LanguageSelect(choices=language.widget.choices)

    def clean_preferred_language(self) -> str | None:
        return self.cleaned_data.get("preferred_language") or None


class DemographicsForm(PlainInput, LanguageOptional):
    class Meta:
        model = Patient
        fields = DEMOGRAPHIC_FIELDS
        widgets = {"date_of_birth": DateInput(), "address": forms.TextInput()}


class ClinicalForm(PlainInput, forms.ModelForm[Patient]):
    class Meta:
        model = Patient
        fields = CLINICAL_FIELDS


class NewPatientForm(PlainInput, LanguageOptional):
    """Demographics plus, for clinical staff, history and pregnancy status at once."""

    class Meta:
        model = Patient
        fields = DEMOGRAPHIC_FIELDS + CLINICAL_FIELDS
        widgets = {"date_of_birth": DateInput(), "address": forms.TextInput()}


class AllergyCodingForm(PlainInput, forms.Form):
    """The catalogue substances or classes an allergy is coded to, chosen by clinical staff."""

    allergens = forms.ModelMultipleChoiceField(
        queryset=Allergen.objects.order_by("name"),
        required=False,
        label=_("Coded as"),
        help_text=_(
            "Choose every substance or class the allergy names. None chosen: "
            "screening warns that the allergy is not matched to a substance."
        ),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )


AllergyFormSet: type[BaseInlineFormSet[Allergy, Patient, forms.ModelForm[Allergy]]]
AllergyFormSet = inlineformset_factory(
    Patient,
    Allergy,
    fields=["substance", "reaction", "severity"],
    extra=2,
    can_delete=True,
    max_num=100,
)
MedicationFormSet: type[BaseInlineFormSet[Medication, Patient, forms.ModelForm[Medication]]]
MedicationFormSet = inlineformset_factory(
    Patient,
    Medication,
    fields=["name", "dose", "is_anticoagulant"],
    extra=2,
    can_delete=True,
    max_num=100,
)


def formset_rows(formset: forms.BaseInlineFormSet) -> list[dict[str, Any]]:  # type: ignore[type-arg]
    """The rows a submitted formset keeps, as plain dicts for the service."""
    # The inline formset appends its foreign key to the form's fields; the service sets it.
    fields = [name for name in formset.form._meta.fields or [] if name != formset.fk.name]
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        rows.append({name: data[name] for name in fields if name in data})
    return rows
