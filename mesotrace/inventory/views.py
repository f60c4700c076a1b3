"""Inventory pages: lots with stock on hand, near-expiry and low-stock lists, receiving,
a lot's history and actions, and recall campaigns with a call log per exposed patient."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.catalogue.models import name_order
from mesotrace.core.clock import clinic_today
from mesotrace.core.formats import csv_response
from mesotrace.core.forms import attach_errors
from mesotrace.inventory.documents import campaign_csv, campaign_file_name
from mesotrace.inventory.forms import (
    ContactForm,
    LotFilterForm,
    MovementForm,
    ReceiveLotForm,
    StatusForm,
)
from mesotrace.inventory.models import (
    CampaignStatus,
    Lot,
    LotStatus,
    MovementKind,
    RecallCampaign,
    RecallContact,
)
from mesotrace.inventory.queries import recalls, stock
from mesotrace.inventory.rules import (
    DEFAULT_LOW_STOCK_ML,
    DEFAULT_NEAR_EXPIRY_DAYS,
    ML,
    TRANSITIONS,
    ml,
    progress,
)
from mesotrace.inventory.services import recalls as recall_services
from mesotrace.inventory.services import stock as stock_services

PAGE_SIZE = 50
MAX_DAYS = 3650


def _lot(request: ClinicRequest, lot_id: int) -> Lot:
    return clinic_object_or_404(
        Lot.objects.select_related("product", "clinic", "status_changed_by"),
        request.clinic,
        pk=lot_id,
    )


# --- Lists ------------------------------------------------------------------------------


@clinic_view("inventory.view")
def lot_list(request: ClinicRequest) -> HttpResponse:
    form = LotFilterForm(request.GET or None, clinic=request.clinic)
    filters = form.cleaned_data if form.is_valid() else {}
    lots = stock.lots(request.clinic, **filters).order_by(
        name_order("product__name"), "expiry_date", "id"
    )
    page = Paginator(lots, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "today": clinic_today(request.clinic),
    }
    return render(request, "inventory/lot_list.html", context)


def _bounded_int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return min(max(number, low), high)


@clinic_view("inventory.view")
def near_expiry_list(request: ClinicRequest) -> HttpResponse:
    days = _bounded_int(request.GET.get("days"), DEFAULT_NEAR_EXPIRY_DAYS, 1, MAX_DAYS)
    today = clinic_today(request.clinic)
    lots = stock.near_expiry(request.clinic, days, today)
    for lot in lots:
        lot.days_left = (lot.expiry_date - today).days  # type: ignore[attr-defined]
        lot.days_ago = -lot.days_left  # type: ignore[attr-defined]
    context = {"lots": lots, "days": days, "today": today}
    return render(request, "inventory/near_expiry.html", context)


def _threshold(value: str | None) -> Decimal:
    try:
        threshold = Decimal(value or DEFAULT_LOW_STOCK_ML)
    except InvalidOperation:
        return DEFAULT_LOW_STOCK_ML
    if not threshold.is_finite() or threshold <= 0 or threshold > 100000:
        return DEFAULT_LOW_STOCK_ML
    return threshold.quantize(ML)


@clinic_view("inventory.view")
def low_stock_list(request: ClinicRequest) -> HttpResponse:
    threshold = _threshold(request.GET.get("threshold"))
    context = {"lots": stock.low_stock(request.clinic, threshold), "threshold": ml(threshold)}
    return render(request, "inventory/low_stock.html", context)


# --- Receiving --------------------------------------------------------------------------


@clinic_view("inventory.manage")
@require_http_methods(["GET", "POST"])
def receive(request: ClinicRequest) -> HttpResponse:
    initial = {"received_on": clinic_today(request.clinic)}
    form = ReceiveLotForm(request.POST or None, clinic=request.clinic, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lot = stock_services.receive_lot(
                Actor.from_request(request),
                request.clinic,
                data["product"],
                data["lot_number"],
                data["expiry_date"],
                data["quantity_ml"],
                supplier=data["supplier"],
                received_on=data["received_on"],
                multi_dose=data["multi_dose"],
                discard_after_hours=data["discard_after_hours"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("Lot %(lot)s received: %(ml)s mL.")
                % {"lot": lot.lot_number, "ml": ml(lot.quantity_received_ml)},
            )
            return redirect("inventory:lot_detail", lot_id=lot.pk)
    return render(request, "inventory/receive.html", {"form": form})


# --- One lot ----------------------------------------------------------------------------


def _status_choices(lot: Lot) -> list[tuple[str, str]]:
    allowed = TRANSITIONS[lot.status]
    return [(value, str(label)) for value, label in LotStatus.choices if value in allowed]


def _detail_context(
    request: ClinicRequest,
    lot: Lot,
    movement_form: MovementForm | None = None,
    status_form: StatusForm | None = None,
) -> dict[str, Any]:
    status_form = status_form or StatusForm(auto_id="status-%s")
    status_form.fields["status"].choices = _status_choices(lot)  # type: ignore[attr-defined]
    return {
        "lot": lot,
        "on_hand": stock.on_hand(lot),
        "problem": stock.lot_problem(lot, request.clinic, timezone.now()),
        "movements": lot.movements.select_related("by").order_by("-at", "-id"),
        "campaigns": recalls.campaigns_of(request.clinic).filter(lot=lot),
        "movement_form": movement_form or MovementForm(auto_id="move-%s"),
        "status_form": status_form,
        "LotStatus": LotStatus,
        "today": clinic_today(request.clinic),
    }


@clinic_view("inventory.view")
def lot_detail(request: ClinicRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id)
    return render(request, "inventory/lot_detail.html", _detail_context(request, lot))


def _move(actor: Actor, lot: Lot, data: dict[str, Any]) -> None:
    kind, quantity = data["kind"], data["quantity_ml"]
    reason, reference = data["reason"], data["reference"]
    if kind == MovementKind.WASTED:
        stock_services.waste(
            actor,
            lot,
            quantity,
            reason,
            vial_discarded=data["vial_discarded"],
            reference=reference,
        )
    elif kind == MovementKind.RETURNED:
        stock_services.return_stock(actor, lot, quantity, reason, reference)
    elif kind == MovementKind.ADJUSTED:
        stock_services.adjust(actor, lot, quantity, reason, reference)
    else:
        stock_services.receive_more(actor, lot, quantity, reason, reference)


@clinic_view("inventory.manage")
@require_POST
def lot_movement(request: ClinicRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id)
    form = MovementForm(request.POST, auto_id="move-%s")
    if form.is_valid():
        try:
            _move(Actor.from_request(request), lot, form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Movement recorded."))
            return redirect("inventory:lot_detail", lot_id=lot.pk)
    context = _detail_context(request, lot, movement_form=form)
    return render(request, "inventory/lot_detail.html", context)


@clinic_view("lot.recall")
@require_POST
def lot_status(request: ClinicRequest, lot_id: int) -> HttpResponse:
    lot = _lot(request, lot_id)
    form = StatusForm(request.POST, auto_id="status-%s")
    form.fields["status"].choices = LotStatus.choices  # type: ignore[attr-defined]
    if form.is_valid():
        data = form.cleaned_data
        try:
            lot = stock_services.set_lot_status(
                Actor.from_request(request), lot, data["status"], data["reason"]
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("Lot %(lot)s is now %(status)s.")
                % {"lot": lot.lot_number, "status": lot.get_status_display().lower()},
            )
            return redirect("inventory:lot_detail", lot_id=lot.pk)
    return render(
        request, "inventory/lot_detail.html", _detail_context(request, lot, status_form=form)
    )


# --- Recall campaigns -------------------------------------------------------------------


def _campaign(request: ClinicRequest, campaign_id: int) -> RecallCampaign:
    return clinic_object_or_404(
        RecallCampaign.objects.select_related("lot", "lot__product", "clinic", "opened_by"),
        request.clinic,
        pk=campaign_id,
    )


@clinic_view("recall.contact")
def campaign_list(request: ClinicRequest) -> HttpResponse:
    campaigns = (
        recalls.campaigns_of(request.clinic)
        .select_related("lot", "lot__product")
        .order_by("status", "-opened_at", "-id")
    )
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inventory/campaign_list.html", {"page": page})


def _contact_form(contact: RecallContact, data: Any = None) -> ContactForm:
    initial = {"method": contact.method or "phone", "outcome": contact.outcome or "no_answer"}
    return ContactForm(data, initial=initial, auto_id=f"c{contact.pk}-%s")


@clinic_view("recall.contact")
def campaign_detail(request: ClinicRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    contacts = recalls.shown_contacts(Actor.from_request(request), campaign)
    context = {
        "campaign": campaign,
        "rows": [(contact, _contact_form(contact)) for contact in contacts],
        "progress": progress(contacts),
        "CampaignStatus": CampaignStatus,
    }
    return render(request, "inventory/campaign_detail.html", context)


@clinic_view("recall.contact")
@require_POST
def contact_record(request: ClinicRequest, contact_id: int) -> HttpResponse:
    contact = clinic_object_or_404(
        RecallContact.objects.select_related("patient", "campaign", "contacted_by"),
        request.clinic,
        pk=contact_id,
    )
    form = _contact_form(contact, request.POST)
    saved = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            contact = recall_services.record_contact(
                Actor.from_request(request), contact, data["method"], data["outcome"], data["notes"]
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            saved = True
    if getattr(request, "htmx", False):
        row_form = _contact_form(contact) if saved else form
        context = {
            "contact": contact,
            "form": row_form,
            "saved": saved,
            "campaign": contact.campaign,
            # The counters above the table change with the row: htmx swaps them out of band.
            "updated_progress": progress(list(recalls.contacts_of(contact.campaign))),
        }
        return render(request, "inventory/_contact_row.html", context)
    if saved:
        messages.success(request, _("Call recorded for %(name)s.") % {"name": contact.patient})
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
    return redirect("inventory:campaign_detail", campaign_id=contact.campaign_id)


@clinic_view("lot.recall")
@require_POST
def campaign_close(request: ClinicRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    try:
        recall_services.close_campaign(Actor.from_request(request), campaign)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Campaign closed."))
    return redirect("inventory:campaign_detail", campaign_id=campaign.pk)


@clinic_view("recall.contact")
def campaign_export(request: ClinicRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    contacts = recalls.shown_contacts(Actor.from_request(request), campaign, export=True)
    return csv_response(campaign_csv(contacts), campaign_file_name(campaign))
