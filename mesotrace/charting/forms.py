"""Forms of the charting pages: the session's own fields, an amendment, a photo upload."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import BodyZone, Technique, name_order
from mesotrace.charting.models import PhotoView
from mesotrace.charting.rules import AMENDABLE_INJECTION, AMENDABLE_SESSION, MAX_REASON
from mesotrace.charting.schemas import LotOverrideIn
from mesotrace.charting.services import Correction
from mesotrace.core.forms import PlainInput
from mesotrace.inventory.models import Lot, LotStatus
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import MAX_CHARGES, NEEDLE_GAUGE_MAX, NEEDLE_GAUGE_MIN, Anaesthetic


class HeldLotChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        lot: Lot = obj
        return f"{lot.product.name} · {lot.lot_number}"


class _SessionFields(PlainInput, forms.Form):
    """The session's own fields, as charted and as amended."""

    anaesthetic = forms.ChoiceField(label=_("Anaesthetic"), choices=Anaesthetic.choices)
    anaesthetic_note = forms.CharField(
        label=_("Anaesthetic details"), max_length=300, required=False
    )
    pain_score = forms.IntegerField(
        label=_("Pain score (0–10)"),  # noqa: RUF001
        min_value=0,
        max_value=10,
        required=False,
    )
    immediate_reactions = forms.CharField(
        label=_("Immediate reactions"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    charges = forms.DecimalField(
        label=_("Charges"), min_value=Decimal("0"), max_value=MAX_CHARGES, decimal_places=2
    )


class SessionForm(_SessionFields):
    """The session's fields around the map; the points come as one JSON field."""

    field_order = ["practitioner"]
    practitioner = forms.ModelChoiceField(
        label=_("Practitioner who injects"), queryset=Practitioner.objects.none()
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    injections = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        error_messages={"required": _("Place at least one injection point on the map.")},
    )
    override_lot = HeldLotChoice(
        label=_("Owner override: chart with this lot under investigation"),
        queryset=Lot.objects.none(),
        required=False,
        empty_label=_("No override"),
    )
    override_reason = forms.CharField(
        label=_("Reason for the override"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    override_dose_reason = forms.CharField(
        label=_("Reason for charting a product of unknown strength"),
        help_text=_(
            "Owners only. The amount of each limited drug from that product is then not "
            "checked; the reason is recorded and audited."
        ),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["practitioner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Practitioner.objects.for_clinic(clinic).filter(is_active=True)
        held = self.fields["override_lot"]
        assert isinstance(held, forms.ModelChoiceField)
        held.queryset = (
            Lot.objects.for_clinic(clinic)
            .filter(status=LotStatus.UNDER_INVESTIGATION)
            .select_related("product")
            .order_by(name_order("product__name"), "lot_number")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("override_reason", "").strip() and not data.get("override_lot"):
            self.add_error("override_lot", _("Choose the lot the override is for."))
        return data

    def lot_overrides(self) -> list[LotOverrideIn]:
        """The sessions API's `lot_overrides` for what the form holds."""
        lot = self.cleaned_data.get("override_lot")
        if lot is None:
            return []
        return [LotOverrideIn(lot_id=lot.pk, reason=self.cleaned_data.get("override_reason", ""))]


class AmendForm(_SessionFields):
    field_order = ["reason"]
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    point = forms.IntegerField(label=_("Correct point number"), min_value=1, required=False)
    depth_mm = forms.DecimalField(label=_("Depth (mm)"), decimal_places=1, required=False)
    needle_gauge = forms.IntegerField(
        label=_("Needle gauge (G)"),
        min_value=NEEDLE_GAUGE_MIN,
        max_value=NEEDLE_GAUGE_MAX,
        required=False,
    )
    needle_length_mm = forms.DecimalField(
        label=_("Needle length (mm)"), decimal_places=1, required=False
    )
    technique = forms.ChoiceField(
        label=_("Technique"), choices=[("", "—"), *Technique.choices], required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        point_values = [data.get(name) not in (None, "") for name in AMENDABLE_INJECTION]
        if any(point_values) and not data.get("point"):
            self.add_error("point", _("Say which point the correction is for."))
        return data

    def corrections(self) -> list[Correction]:
        """What the amendment sets: session fields, and the chosen point's given fields."""
        data = self.cleaned_data
        found = [Correction(name, data[name]) for name in AMENDABLE_SESSION]
        if data.get("point"):
            found += [
                Correction(f"injections.{data['point']}.{name}", data[name])
                for name in AMENDABLE_INJECTION
                if data.get(name) not in (None, "")
            ]
        return found


class PhotoForm(PlainInput, forms.Form):
    file = forms.FileField(label=_("Photo"))
    view = forms.ChoiceField(label=_("View"), choices=PhotoView.choices)
    zone = forms.ModelChoiceField(
        label=_("Zone"), queryset=BodyZone.objects.all(), required=False, empty_label="—"
    )
