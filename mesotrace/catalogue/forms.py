"""Forms for a clinic's own catalogue entries; every choice is limited to what the clinic sees."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue import models as children  # the rows each inline formset edits
from mesotrace.catalogue.models import (
    SUBMENTAL_ZONE,
    BodyZone,
    Compound,
    CompoundClass,
    Indication,
    ProcedureType,
    Product,
    Protocol,
    Source,
    SourceLanguage,
)
from mesotrace.catalogue.queries import MAX_QUERY, Filters
from mesotrace.catalogue.services import (
    COMPOUND_FIELDS,
    INDICATION_FIELDS,
    PRODUCT_FIELDS,
    PROTOCOL_FIELDS,
    SOURCE_FIELDS,
)
from mesotrace.core.forms import PlainInput

_MARK_LABEL = _("verification")


def _source_labels(*prefixes: str) -> dict[str, Any]:
    labels: dict[str, Any] = {}
    for prefix in prefixes:
        part = prefix.rstrip("_").replace("_", " ")
        labels[prefix + "source"] = _("source (%(part)s)") % {"part": part}
        labels[prefix + "verification"] = _("verification (%(part)s)") % {"part": part}
    return labels


class FilterForm(PlainInput, forms.Form):
    """A list's search box and filters; every choice is one the clinic sees."""

    q = forms.CharField(required=False, max_length=MAX_QUERY)
    indication = forms.ModelChoiceField(
        Indication.objects.none(), required=False, empty_label=_("All indications")
    )
    compound_class = forms.ChoiceField(
        choices=[("", _("All classes")), *CompoundClass.choices], required=False
    )

    def __init__(self, data: Any, clinic: Clinic) -> None:
        super().__init__(data)
        field = self.fields["indication"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Indication.objects.visible_to(clinic)

    def values(self) -> Filters:
        """The filters to apply; a bad entry is shown as an error and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return Filters(
            q=data.get("q") or "",
            indication=data.get("indication"),
            compound_class=data.get("compound_class") or "",
        )


class SourceSelect(forms.Select):
    """A choice of sources whose options carry the language of each title (a quotation),
    so a French page marks an English title for screen readers."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        source = getattr(option["value"], "instance", None)
        if isinstance(source, Source):
            option["attrs"]["lang"] = source.language
        return option


def _title_in_its_language(source: Source) -> SafeString:
    return format_html('<span lang="{}">{}</span>', source.language, source.title)


def _quote_titles(field: forms.ModelChoiceField) -> None:  # type: ignore[type-arg]
    """Marks each source title a choice shows with the language it is written in."""
    widget = field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple):
        # A checkbox's label is its text: the title goes in an element with its own lang.
        field.label_from_instance = _title_in_its_language  # type: ignore[method-assign,assignment]
    elif type(widget) is forms.Select:
        select = SourceSelect(attrs=widget.attrs)
        select.choices = widget.choices
        select.is_required = widget.is_required
        field.widget = select


def limit_choices(form: forms.BaseForm, clinic: Clinic) -> None:
    """Each catalogue choice offers only shipped entries and the clinic's own."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField):
            queryset = field.queryset
            if queryset is not None and hasattr(queryset, "visible_to"):
                field.queryset = queryset.visible_to(clinic)
            if queryset is not None and queryset.model is Source:
                _quote_titles(field)


class ClinicCatalogueForm(PlainInput, forms.ModelForm):  # type: ignore[type-arg]
    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        if hasattr(self.instance, "clinic_id") and self.instance.pk is None:
            self.instance.clinic = clinic
        limit_choices(self, clinic)


class CompoundForm(ClinicCatalogueForm):
    class Meta:
        model = Compound
        fields = [*COMPOUND_FIELDS, "evidence_sources"]
        labels = _source_labels("atc_", "max_dose_") | {
            "evidence_verification": _("verification (evidence)"),
            "evidence_sources": _("evidence sources"),
        }
        widgets = {"evidence_sources": forms.CheckboxSelectMultiple}


class ProductForm(ClinicCatalogueForm):
    class Meta:
        model = Product
        fields = PRODUCT_FIELDS
        labels = _source_labels("")


class IndicationForm(ClinicCatalogueForm):
    class Meta:
        model = Indication
        fields = INDICATION_FIELDS
        labels = _source_labels("")


class SourceForm(PlainInput, forms.ModelForm[Source]):
    url = forms.URLField(label=_("address"), max_length=500, assume_scheme="https")
    # A title is quoted as written; most are English, so English unless the owner says.
    language = forms.ChoiceField(
        label=_("language of the title"),
        choices=SourceLanguage.choices,
        initial=SourceLanguage.ENGLISH,
        required=False,
    )

    def clean_language(self) -> str:
        return str(self.cleaned_data.get("language") or SourceLanguage.ENGLISH)

    class Meta:
        model = Source
        fields = SOURCE_FIELDS


class ProtocolForm(ClinicCatalogueForm):
    zones = forms.ModelMultipleChoiceField(
        BodyZone.objects.all(), widget=forms.CheckboxSelectMultiple, label=_("body zones")
    )
    sources = forms.ModelMultipleChoiceField(
        Source.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("sources"),
    )

    class Meta:
        model = Protocol
        fields = PROTOCOL_FIELDS
        labels = _source_labels("schedule_", "technique_", "mix_", "evidence_")

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, clinic=clinic, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("zones", list(self.instance.zones.all()))
            self.initial.setdefault("sources", list(self.instance.sources.all()))
        # A clinic's own protocol is one it runs: it must say how many sessions and how often.
        self.fields["sessions"].required = True
        self.fields["interval_days"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        zones = data.get("zones")
        approved_dc = data.get("procedure_type") == ProcedureType.APPROVED_DC
        if approved_dc and any(zone.slug != SUBMENTAL_ZONE for zone in zones or []):
            self.add_error(
                "zones", _("Deoxycholic acid is approved for fat under the chin (submental) only.")
            )
        return data


class FactForm(PlainInput, forms.ModelForm):  # type: ignore[type-arg]
    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, clinic)


def _formset(parent: type[Any], model: type[Any], fields: list[str], extra: int = 1) -> Any:
    return inlineformset_factory(
        parent,
        model,
        form=FactForm,
        fields=fields,
        extra=extra,
        can_delete=True,
        max_num=100,
        validate_max=True,
    )


RegulatoryFormSet = _formset(
    Compound,
    children.RegulatoryStatus,
    ["jurisdiction", "status", "indication", "as_of", "source", "verification"],
)
AdverseEffectFormSet = _formset(
    Compound,
    children.AdverseEffect,
    ["term", "frequency", "frequency_category", "serious", "source", "verification"],
)
ContraindicationFormSet = _formset(
    Compound, children.Contraindication, ["kind", "text", "source", "verification"]
)
ComponentFormSet = _formset(
    Product, children.ProductComponent, ["compound", "concentration", "unit"], 2
)
ItemFormSet = _formset(
    Protocol, children.ProtocolItem, ["product", "share_percent", "volume_ml_per_point", "note"], 2
)

COMPOUND_FORMSETS = {
    "regulatory_statuses": RegulatoryFormSet,
    "adverse_effects": AdverseEffectFormSet,
    "contraindications": ContraindicationFormSet,
}


def formset_rows(formset: BaseInlineFormSet) -> list[dict[str, Any]]:  # type: ignore[type-arg]
    """The rows a submitted formset keeps, as plain dicts for the service."""
    parent = formset.fk.name
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        fields = [name for name in form._meta.fields or [] if name != parent]
        rows.append({name: data[name] for name in fields if name in data})
    return rows


def cleaned_values(form: forms.ModelForm, fields: list[str]) -> dict[str, Any]:  # type: ignore[type-arg]
    return {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}
