"""Treatment pages, by topic: plans and their screening (`plans`), the schedule (`schedule`);
and the form page they share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render

from mesotrace.accounts.access import Actor, ClinicRequest
from mesotrace.treatments.rules.schedule import BookingConflict

_Done = TypeVar("_Done")


def form_page(
    request: ClinicRequest,
    form: forms.Form,
    page: tuple[str, dict[str, Any]],
    write: Callable[[Actor, dict[str, Any]], _Done],
    done: Callable[[_Done], HttpResponse],
    on_conflict: Callable[[], dict[str, Any]] | None = None,
) -> HttpResponse:
    """A form's page: a valid POST writes through `write` (the actor and the form's data), then
    `done` answers with what was written; a refusal goes above the form, with 409 when the
    time is taken, and what `on_conflict` adds to the page (free times to choose from)."""
    status = 200
    template, context = page
    if request.method == "POST" and form.is_valid():
        try:
            result = write(Actor.from_request(request), form.cleaned_data)
        except BookingConflict as conflict:
            form.add_error(None, conflict.message)
            status = 409
            context = {**context, **(on_conflict() if on_conflict else {})}
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return done(result)
    return render(request, template, {**context, "form": form}, status=status)
