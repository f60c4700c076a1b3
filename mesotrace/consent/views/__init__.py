"""The consent pages: a patient's photo consents (`photo_consent`) and a plan's patient
document with its signatures (`document`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from mesotrace.consent.forms import WithdrawForm


def flash(request: HttpRequest, service: Callable[[], object], done: str) -> None:
    """Runs the service a button asks for: its refusal, or `done`, is the page's message."""
    try:
        service()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)


def withdraw(request: HttpRequest, service: Callable[[str], object], done: str) -> None:
    """Withdraws a consent or signature for the reason the patient gave (the posted form's)."""
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason, as the patient said it."))
    else:
        flash(request, partial(service, form.cleaned_data["withdrawn_reason"]), done)
