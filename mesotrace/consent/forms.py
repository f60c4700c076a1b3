"""Forms for recording and withdrawing a patient's photo consent."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mesotrace.consent.models import PhotoScope
from mesotrace.consent.services import MAX_REASON
from mesotrace.core.forms import PlainInput


class PhotoConsentForm(PlainInput, forms.Form):
    scope = forms.ChoiceField(label=_("Photos may be used for"), choices=PhotoScope.choices)
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty when the consent has no end date."),
    )


class WithdrawForm(PlainInput, forms.Form):
    withdrawn_reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignConsentForm(PlainInput, forms.Form):
    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "class": "touch"}),
    )
    statement = forms.BooleanField(
        label=_(
            "I have read this document, my questions were answered, and I agree to the treatment."
        ),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "touch"}),
    )
    # No length limit here: the service checks the drawn PNG and says what is wrong with it.
    drawn_signature = forms.CharField(required=False, widget=forms.HiddenInput)


class OverrideForm(PlainInput, forms.Form):
    reason = forms.CharField(
        label=_("Reason for charting without a signed consent"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
