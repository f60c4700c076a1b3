"""Catalogue pages: browse and search, details with sources and marks, and the clinic's own entries.

Rows are reached only through `visible_to` (shipped + own) or, for edits, the clinic's own;
a shipped entry refuses edits with a 403 that says to clone it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_view
from mesotrace.accounts.models import Clinic
from mesotrace.catalogue import queries, services
from mesotrace.catalogue.forms import (
    COMPOUND_FORMSETS,
    ComponentFormSet,
    CompoundForm,
    FilterForm,
    IndicationForm,
    ItemFormSet,
    ProductForm,
    ProtocolForm,
    SourceForm,
    cleaned_values,
    formset_rows,
)
from mesotrace.catalogue.models import (
    PROCEDURE_EXPLANATION,
    Compound,
    CompoundClass,
    Indication,
    JurisdictionRule,
    ProcedureType,
    Product,
    Protocol,
    Source,
    adverse_effects_for,
    contraindications_for,
)
from mesotrace.catalogue.queries import Filters
from mesotrace.catalogue.services import (
    AdverseEffectInput,
    ComponentInput,
    CompoundInput,
    ContraindicationInput,
    IndicationInput,
    ProductInput,
    ProtocolInput,
    ProtocolItemInput,
    RegulatoryStatusInput,
)
from mesotrace.catalogue.shipped.data import LA_INHIBITS_LIPOLYSIS
from mesotrace.catalogue.shipped.fr import FRENCH
from mesotrace.core.forms import attach_errors

PAGE_SIZE = 50


def _query_without_page(request: ClinicRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _listing(
    request: ClinicRequest,
    finder: Callable[[Clinic, Filters], QuerySet[Any]],
    template: str,
    partial: str,
) -> HttpResponse:
    """A filtered, paginated list; htmx asks for the results part only (live search)."""
    filters = FilterForm(request.GET, request.clinic)
    found = finder(request.clinic, filters.values())
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "query": _query_without_page(request)}
    htmx = bool(getattr(request, "htmx", False))
    return render(request, partial if htmx else template, context)


def _form_page(request: ClinicRequest, context: dict[str, Any]) -> HttpResponse:
    formsets = context.get("formsets", [])
    context["has_formset_errors"] = any(
        formset.is_bound and formset.total_error_count() for _legend, formset in formsets
    )
    return render(request, "catalogue/form.html", context)


# --- Compounds -----------------------------------------------------------------------------


@clinic_view("catalogue.view")
def home(request: ClinicRequest) -> HttpResponse:
    def finder(clinic: Clinic, filters: Filters) -> QuerySet[Compound]:
        return queries.compounds(clinic, filters).prefetch_related("regulatory_statuses")

    return _listing(request, finder, "catalogue/home.html", "catalogue/_compound_results.html")


@clinic_view("catalogue.view")
def compound_detail(request: ClinicRequest, compound_id: int) -> HttpResponse:
    compound = queries.visible_or_404(Compound.objects.all(), request.clinic, pk=compound_id)
    context = {
        "compound": compound,
        "statuses": compound.regulatory_statuses.select_related("source"),
        "dose_limits": compound.dose_limits.select_related("source"),
        "adverse_effects": compound.adverse_effects.select_related("source"),
        "contraindications": compound.contraindications.select_related("source"),
        "notes": compound.notes.select_related("source"),
        "evidence_sources": compound.evidence_sources.all(),
        "products": queries.products_with(request.clinic, compound),
        "protocols": queries.protocols_with(request.clinic, compound=compound),
    }
    return render(request, "catalogue/compound_detail.html", context)


def _compound_formsets(request: ClinicRequest, instance: Compound) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else None
    return {
        label: formset(
            data, instance=instance, prefix=label, form_kwargs={"clinic": request.clinic}
        )
        for label, formset in COMPOUND_FORMSETS.items()
    }


def _compound_form(request: ClinicRequest, compound: Compound | None) -> HttpResponse:
    editable = Compound.objects.get(pk=compound.pk) if compound else Compound(clinic=request.clinic)
    form = CompoundForm(request.POST or None, instance=editable, clinic=request.clinic)
    formsets = _compound_formsets(request, editable)
    if (
        request.method == "POST"
        and form.is_valid()
        and all(f.is_valid() for f in formsets.values())
    ):
        data = CompoundInput(
            **cleaned_values(form, services.COMPOUND_FIELDS),
            evidence_sources=form.cleaned_data["evidence_sources"],
            regulatory_statuses=[
                RegulatoryStatusInput(**row)
                for row in formset_rows(formsets["regulatory_statuses"])
            ],
            adverse_effects=[
                AdverseEffectInput(**row) for row in formset_rows(formsets["adverse_effects"])
            ],
            contraindications=[
                ContraindicationInput(**row) for row in formset_rows(formsets["contraindications"])
            ],
        )
        try:
            saved = services.save_compound(
                Actor.from_request(request), request.clinic, compound, data
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("catalogue:compound_detail", compound_id=saved.pk)
    title = _("Edit compound") if compound else _("New compound")
    legends = [_("Regulatory status"), _("Adverse effects"), _("Contraindications")]
    context = {
        "form": form,
        "formsets": list(zip(legends, formsets.values(), strict=True)),
        "title": title,
        "entry": compound,
    }
    return _form_page(request, context)


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def compound_create(request: ClinicRequest) -> HttpResponse:
    return _compound_form(request, None)


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def compound_edit(request: ClinicRequest, compound_id: int) -> HttpResponse:
    compound = queries.own_or_refuse(Compound.objects.all(), request.clinic, pk=compound_id)
    return _compound_form(request, compound)


def _clone(
    request: ClinicRequest,
    original: Any,
    clone: Callable[..., Any],
    detail: str,
    id_name: str,
) -> HttpResponse:
    if request.method == "POST":
        copy: Compound | Product | Protocol | Indication = clone(
            Actor.from_request(request), request.clinic, original
        )
        messages.success(request, _("Copied into your clinic's catalogue; adapt it below."))
        return redirect(reverse(detail.replace("detail", "edit"), kwargs={id_name: copy.pk}))
    return render(request, "catalogue/clone.html", {"original": original, "detail": detail})


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def compound_clone(request: ClinicRequest, compound_id: int) -> HttpResponse:
    original = queries.visible_or_404(Compound.objects.all(), request.clinic, pk=compound_id)
    return _clone(
        request, original, services.clone_compound, "catalogue:compound_detail", "compound_id"
    )


# --- Products ------------------------------------------------------------------------------


@clinic_view("catalogue.view")
def product_list(request: ClinicRequest) -> HttpResponse:
    def finder(clinic: Clinic, filters: Filters) -> QuerySet[Product]:
        return queries.products(clinic, filters).prefetch_related("components__compound")

    return _listing(
        request, finder, "catalogue/product_list.html", "catalogue/_product_results.html"
    )


@clinic_view("catalogue.view")
def product_detail(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = queries.visible_or_404(
        Product.objects.select_related("source"), request.clinic, pk=product_id
    )
    context = {
        "product": product,
        "components": product.components.select_related("compound", "strength_source"),
        "protocols": queries.protocols_with(request.clinic, product=product),
    }
    return render(request, "catalogue/product_detail.html", context)


def _product_form(request: ClinicRequest, product: Product | None) -> HttpResponse:
    editable = Product.objects.get(pk=product.pk) if product else Product(clinic=request.clinic)
    form = ProductForm(request.POST or None, instance=editable, clinic=request.clinic)
    components = ComponentFormSet(
        request.POST or None,
        instance=editable,
        prefix="components",
        form_kwargs={"clinic": request.clinic},
    )
    if request.method == "POST" and form.is_valid() and components.is_valid():
        data = ProductInput(
            **cleaned_values(form, services.PRODUCT_FIELDS),
            components=[ComponentInput(**row) for row in formset_rows(components)],
        )
        try:
            saved = services.save_product(
                Actor.from_request(request), request.clinic, product, data
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("catalogue:product_detail", product_id=saved.pk)
    title = _("Edit product") if product else _("New product")
    context = {
        "form": form,
        "formsets": [(_("Composition"), components)],
        "title": title,
        "entry": product,
    }
    return _form_page(request, context)


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def product_create(request: ClinicRequest) -> HttpResponse:
    return _product_form(request, None)


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def product_edit(request: ClinicRequest, product_id: int) -> HttpResponse:
    product = queries.own_or_refuse(Product.objects.all(), request.clinic, pk=product_id)
    return _product_form(request, product)


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def product_clone(request: ClinicRequest, product_id: int) -> HttpResponse:
    original = queries.visible_or_404(Product.objects.all(), request.clinic, pk=product_id)
    return _clone(
        request, original, services.clone_product, "catalogue:product_detail", "product_id"
    )


# --- Indications ---------------------------------------------------------------------------


@clinic_view("catalogue.view")
def indication_list(request: ClinicRequest) -> HttpResponse:
    def finder(clinic: Clinic, filters: Filters) -> QuerySet[Indication]:
        return queries.indications(clinic, filters).select_related("source")

    return _listing(
        request, finder, "catalogue/indication_list.html", "catalogue/_indication_results.html"
    )


@clinic_view("catalogue.view")
def indication_detail(request: ClinicRequest, indication_id: int) -> HttpResponse:
    indication = queries.visible_or_404(
        Indication.objects.select_related("source"), request.clinic, pk=indication_id
    )
    context = {
        "indication": indication,
        "protocols": queries.protocols(request.clinic, Filters(indication=indication)),
        "compounds": queries.compounds(request.clinic, Filters(indication=indication)),
    }
    return render(request, "catalogue/indication_detail.html", context)


def _indication_form(request: ClinicRequest, indication: Indication | None) -> HttpResponse:
    editable = (
        Indication.objects.get(pk=indication.pk)
        if indication
        else Indication(clinic=request.clinic)
    )
    form = IndicationForm(request.POST or None, instance=editable, clinic=request.clinic)
    if request.method == "POST" and form.is_valid():
        data = IndicationInput(**cleaned_values(form, services.INDICATION_FIELDS))
        saved = services.save_indication(
            Actor.from_request(request), request.clinic, indication, data
        )
        messages.success(request, _("Saved."))
        return redirect("catalogue:indication_detail", indication_id=saved.pk)
    title = _("Edit indication") if indication else _("New indication")
    return _form_page(request, {"form": form, "title": title, "entry": indication})


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def indication_create(request: ClinicRequest) -> HttpResponse:
    return _indication_form(request, None)


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def indication_edit(request: ClinicRequest, indication_id: int) -> HttpResponse:
    indication = queries.own_or_refuse(Indication.objects.all(), request.clinic, pk=indication_id)
    return _indication_form(request, indication)


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def indication_clone(request: ClinicRequest, indication_id: int) -> HttpResponse:
    original = queries.visible_or_404(Indication.objects.all(), request.clinic, pk=indication_id)
    return _clone(
        request,
        original,
        services.clone_indication,
        "catalogue:indication_detail",
        "indication_id",
    )


# --- Protocols -----------------------------------------------------------------------------


@clinic_view("catalogue.view")
def protocol_list(request: ClinicRequest) -> HttpResponse:
    filters = FilterForm(request.GET, request.clinic)
    found = queries.protocols(request.clinic, filters.values()).select_related("indication")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    decided = queries.protocol_decisions(request.clinic, list(page))
    rows = [(protocol, decision) for protocol, decision, _lipolytic in decided]
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "query": _query_without_page(request),
    }
    htmx = bool(getattr(request, "htmx", False))
    template = "catalogue/_protocol_results.html" if htmx else "catalogue/protocol_list.html"
    return render(request, template, context)


def _protocol_cautions(protocol: Protocol, compounds: list[Compound]) -> list[dict[str, Any]]:
    cautions = []
    if protocol.is_lipolytic and any(
        c.compound_class == CompoundClass.ANAESTHETIC for c in compounds
    ):
        french = FRENCH.get(LA_INHIBITS_LIPOLYSIS, "")
        in_french = (get_language() or "").startswith("fr") and bool(french)
        cautions.append(
            {
                "text": french if in_french else LA_INHIBITS_LIPOLYSIS,
                "lang": "fr" if in_french else "en",
                "verification": "V",
                "source": Source.objects.shipped().filter(key="obes-rev-2013").first(),
            }
        )
    return cautions


@clinic_view("catalogue.view")
def protocol_detail(request: ClinicRequest, protocol_id: int) -> HttpResponse:
    protocol = queries.visible_or_404(
        Protocol.objects.select_related(
            "indication", "schedule_source", "technique_source", "mix_source", "evidence_source"
        ),
        request.clinic,
        pk=protocol_id,
    )
    compounds = list(protocol.compounds())
    context = {
        "protocol": protocol,
        "decision": queries.protocol_allowed(protocol, request.clinic),
        "items": protocol.items.select_related("product").prefetch_related(
            "product__components__compound"
        ),
        "zones": protocol.zones.select_related("source"),
        "sources": protocol.sources.all(),
        "compounds": compounds,
        "contraindications": contraindications_for(protocol),
        "adverse_effects": adverse_effects_for(protocol),
        "cautions": _protocol_cautions(protocol, compounds),
        "procedure_explanation": PROCEDURE_EXPLANATION[ProcedureType(protocol.procedure_type)],
    }
    return render(request, "catalogue/protocol_detail.html", context)


def _protocol_form(request: ClinicRequest, protocol: Protocol | None) -> HttpResponse:
    editable = Protocol.objects.get(pk=protocol.pk) if protocol else Protocol(clinic=request.clinic)
    form = ProtocolForm(request.POST or None, instance=editable, clinic=request.clinic)
    items = ItemFormSet(
        request.POST or None,
        instance=editable,
        prefix="items",
        form_kwargs={"clinic": request.clinic},
    )
    if request.method == "POST" and form.is_valid() and items.is_valid():
        data = ProtocolInput(
            **cleaned_values(form, services.PROTOCOL_FIELDS),
            items=[ProtocolItemInput(**row) for row in formset_rows(items)],
            zones=form.cleaned_data["zones"],
            sources=form.cleaned_data["sources"],
        )
        try:
            saved = services.save_protocol(
                Actor.from_request(request), request.clinic, protocol, data
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("catalogue:protocol_detail", protocol_id=saved.pk)
    title = _("Edit protocol") if protocol else _("New protocol")
    context = {"form": form, "formsets": [(_("The mix"), items)], "title": title, "entry": protocol}
    return _form_page(request, context)


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def protocol_create(request: ClinicRequest) -> HttpResponse:
    return _protocol_form(request, None)


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def protocol_edit(request: ClinicRequest, protocol_id: int) -> HttpResponse:
    protocol = queries.own_or_refuse(Protocol.objects.all(), request.clinic, pk=protocol_id)
    return _protocol_form(request, protocol)


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def protocol_clone(request: ClinicRequest, protocol_id: int) -> HttpResponse:
    original = queries.visible_or_404(Protocol.objects.all(), request.clinic, pk=protocol_id)
    return _clone(
        request, original, services.clone_protocol, "catalogue:protocol_detail", "protocol_id"
    )


# --- Sources and rules ---------------------------------------------------------------------


@clinic_view("catalogue.manage")
@require_http_methods(["GET", "POST"])
def source_create(request: ClinicRequest) -> HttpResponse:
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_source(
            Actor.from_request(request),
            request.clinic,
            **cleaned_values(form, services.SOURCE_FIELDS),
        )
        messages.success(request, _("Source added; you can now cite it in your entries."))
        return redirect("catalogue:home")
    return _form_page(request, {"form": form, "title": _("New source")})


@clinic_view("catalogue.view")
def rule_list(request: ClinicRequest) -> HttpResponse:
    rules = JurisdictionRule.objects.select_related("source").prefetch_related(
        "further_sources", "protocols"
    )
    here = [rule.pk for rule in queries.rules_for(request.clinic)]
    return render(request, "catalogue/rule_list.html", {"rules": rules, "here": here})
