from typing import Any, cast

from django import forms

from mesotrace.accounts.models import Clinic, User
from mesotrace.practitioners.models import InjectionPolicy, Practitioner, Qualification


class DateInput(forms.DateInput):
    input_type = "date"


class PractitionerForm(forms.ModelForm[Practitioner]):
    class Meta:
        model = Practitioner
        fields = [
            "full_name",
            "qualification",
            "user",
            "licence_number",
            "licence_jurisdiction",
            "licence_expiry",
            "training_certificate",
            "training_date",
            "supervising_physician",
            "is_active",
        ]
        widgets = {"licence_expiry": DateInput(), "training_date": DateInput()}

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.clinic = clinic
        # Only this clinic's members and physicians can be chosen.
        users = cast(forms.ModelChoiceField[User], self.fields["user"])
        users.queryset = User.objects.filter(memberships__clinic=clinic).distinct()
        physicians = cast(
            forms.ModelChoiceField[Practitioner], self.fields["supervising_physician"]
        )
        physicians.queryset = Practitioner.objects.for_clinic(clinic).filter(
            qualification=Qualification.PHYSICIAN
        )


class PolicyForm(forms.ModelForm[InjectionPolicy]):
    class Meta:
        model = InjectionPolicy
        fields = ["rule", "require_training"]
