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


class LanguageSelect(forms.Select):
    """A choice of language: each language named in itself ("English", "Français") and marked
    with its `lang`, so a screen reader says each name in its own voice."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        if option["value"]:
            option["attrs"]["lang"] = option["value"]
        return option


class DecimalInput(forms.TextInput):
    """A decimal number typed as the language writes it ("72,5" in French): a text box with
    the phone's decimal keypad, since a browser's type=number refuses a decimal comma."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        kept = {k: v for k, v in (attrs or {}).items() if k not in {"step", "min", "max"}}
        super().__init__({**kept, "inputmode": "decimal"})


def _reads_the_language(field: forms.Field) -> None:
    """Decimals in the language's way (Django's `localize`); a browser's date picker always
    given YYYY-MM-DD, the only form it reads, while a date typed in a text box follows the
    language's formats (09/03/1990 is 9 March in French)."""
    widget = field.widget
    if isinstance(field, forms.DecimalField | forms.FloatField):
        field.localize = True
        if isinstance(widget, forms.NumberInput):
            field.widget = DecimalInput(widget.attrs)
            field.widget.is_required = widget.is_required
        field.widget.is_localized = True
    elif isinstance(widget, forms.DateInput | forms.DateTimeInput):
        kind = widget.attrs.get("type") or getattr(widget, "input_type", "")
        if kind == "date":
            widget.format = "%Y-%m-%d"
        elif kind == "datetime-local":
            widget.format = "%Y-%m-%dT%H:%M"


class PlainInput(forms.BaseForm):
    """Mixed into every form: text is NFC without control or invisible characters (line
    breaks only in a text area), and every date lies in the clinic's years
    (`mesotrace.core.inputs`). Runs before the form's own `clean()` logic. Numbers and dates
    are read and shown in the active language (`_reads_the_language`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _reads_the_language(field)

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
