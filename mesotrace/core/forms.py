"""What every page with a form shares."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from mesotrace.core.inputs import clean_text, date_problem


def attach_errors(
    form: forms.BaseForm, error: ValidationError, renamed: Mapping[str, str] | None = None
) -> None:
    """A service's refusal shown on the form: each reason on its field when the form has
    that field (`renamed` maps a service's field name to the form's), else above the form."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for field, messages in error.message_dict.items():
        name = (renamed or {}).get(field, field)
        form.add_error(name if name in form.fields else None, messages)


class PlainInput(forms.BaseForm):
    """Mixed into every form: text is NFC without control or invisible characters (line
    breaks only in a text area), and every date lies in the clinic's years
    (`mesotrace.core.inputs`). Runs before the form's own `clean()` logic."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, value in list(data.items()):
            field = self.fields.get(name)
            if field is None or getattr(field, "raw_input", False):
                continue
            problem, cleaned = _plain(value, isinstance(field.widget, forms.Textarea))
            if problem:
                self.add_error(name, problem)
            else:
                data[name] = cleaned
        return data


def _plain(value: Any, multiline: bool) -> tuple[str | None, Any]:
    if type(value) is str:
        try:
            return None, clean_text(value, multiline=multiline)
        except ValueError as error:
            return str(error), value
    if isinstance(value, datetime.date):
        return date_problem(value), value
    return None, value
