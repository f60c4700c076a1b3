"""Forms of the messaging pages: a patient's reminder opt-out, the clinic's settings."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mesotrace.core.forms import LanguageSelect
from mesotrace.messaging.models import MAX_LEAD_HOURS


class PreferenceForm(forms.Form):
    no_reminders = forms.BooleanField(label=_("No appointment reminders"), required=False)


class ClinicMessagingForm(forms.Form):
    automatic = forms.BooleanField(
        label=_("Send appointment confirmations and reminders by e-mail"), required=False
    )
    reminder_lead_hours = forms.IntegerField(
        label=_("Send reminders this many hours before the appointment"),
        min_value=1,
        max_value=MAX_LEAD_HOURS,
    )
    language = forms.ChoiceField(
        label=_("The clinic's language: staff pages and new patients, unless they choose another"),
        choices=settings.LANGUAGES,
        widget=LanguageSelect,
    )
