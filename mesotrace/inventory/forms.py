"""Forms for receiving lots, moving stock, changing a lot's status and logging recall calls.

The forms check shapes; the services (with `rules`) check the clinic's rules.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import Product, name_order
from mesotrace.core.forms import PlainInput
from mesotrace.inventory.models import (
    MAX_DISCARD_HOURS,
    MAX_QUANTITY_ML,
    MAX_REASON,
    ML_DIGITS,
    ML_PLACES,
    ContactMethod,
    ContactOutcome,
    LotStatus,
    MovementKind,
)
from mesotrace.inventory.rules import MAX_LOT_NUMBER, MAX_MOVEMENT_REASON, MAX_REFERENCE


class DateInput(forms.DateInput):
    input_type = "date"


def products_for(clinic: Clinic) -> QuerySet[Product]:
    return Product.objects.visible_to(clinic).order_by(name_order(), "id")


def _volume(label: StrOrPromise, signed: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=ML_DIGITS,
        decimal_places=ML_PLACES,
        min_value=None if signed else 0,
        max_value=MAX_QUANTITY_ML,
    )


class LotFilterForm(PlainInput, forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *LotStatus.choices], required=False
    )
    stocked = forms.BooleanField(label=_("With stock only"), required=False)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products_for(clinic)  # type: ignore[attr-defined]


class ReceiveLotForm(PlainInput, forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    lot_number = forms.CharField(label=_("Lot number"), max_length=MAX_LOT_NUMBER)
    expiry_date = forms.DateField(label=_("Expiry date"), widget=DateInput)
    quantity_ml = _volume(_("Quantity received (mL)"))
    supplier = forms.CharField(label=_("Supplier"), max_length=200, required=False)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)
    multi_dose = forms.TypedChoiceField(
        label=_("Multi-dose vial"),
        choices=[("", _("As the product's presentation says")), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
    )
    discard_after_hours = forms.IntegerField(
        label=_("Discard after opening (hours)"),
        min_value=1,
        max_value=MAX_DISCARD_HOURS,
        required=False,
        help_text=_("Multi-dose vials only; leave empty to use the product's rule."),
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products_for(clinic)  # type: ignore[attr-defined]


MOVEMENT_CHOICES = [
    (MovementKind.WASTED.value, _("Wasted")),
    (MovementKind.RETURNED.value, _("Returned to supplier")),
    (MovementKind.ADJUSTED.value, _("Stock-count adjustment (+ or -)")),
    (MovementKind.RECEIVED.value, _("Further delivery of this lot")),
]


class MovementForm(PlainInput, forms.Form):
    kind = forms.ChoiceField(label=_("Movement"), choices=MOVEMENT_CHOICES)
    quantity_ml = _volume(_("Quantity (mL)"), signed=True)
    reason = forms.CharField(label=_("Reason"), max_length=MAX_MOVEMENT_REASON, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=MAX_REFERENCE, required=False)
    vial_discarded = forms.BooleanField(
        label=_("This was the opened vial: the next draw opens a new one"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        quantity = data.get("quantity_ml")
        if quantity is not None and quantity < 0 and data.get("kind") != MovementKind.ADJUSTED:
            raise ValidationError(
                {"quantity_ml": _("Give the volume taken out as a positive number.")}
            )
        return data


class StatusForm(PlainInput, forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=LotStatus.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2})
    )


class ContactForm(PlainInput, forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=ContactMethod.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactOutcome.choices)
    notes = forms.CharField(
        label=_("Notes"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
