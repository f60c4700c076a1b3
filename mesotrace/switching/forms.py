"""The CSV import's forms: the file, then which field each of its columns fills."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mesotrace.core.forms import PlainInput
from mesotrace.switching import rules


class UploadForm(PlainInput, forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 or Windows-1252, columns separated by ; or , and named on the first line."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )


def _choices() -> list[tuple[str, Any]]:
    return [(rules.IGNORED, _("Not imported")), *rules.FIELDS.items()]


class ColumnsForm(PlainInput, forms.Form):
    """One choice per column of the file, labelled with the column's header."""

    def __init__(self, headers: list[str], columns: dict[str, str], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or _("Column %(n)s") % {"n": index + 1},
                choices=_choices(),
                required=False,
                initial=columns.get(header, rules.IGNORED),
            )

    def columns(self) -> dict[str, str]:
        return {h: self.cleaned_data[f"column_{i}"] for i, h in enumerate(self.headers)}
