"""Writes of recall campaigns: calling every patient exposed to a lot, and recording each call.

The exposed patients come from the lot trace (charting); a campaign keeps who was
reached, when, how, by whom and with what outcome. Every write is audited (and every
read of the patients' contact details, in `queries.recalls`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.inventory.models import (
    MAX_REASON,
    REACHED,
    CampaignStatus,
    ContactMethod,
    ContactOutcome,
    Lot,
    LotStatus,
    RecallCampaign,
    RecallContact,
)
from mesotrace.inventory.rules import StockRefused
from mesotrace.patients.models import Patient

CONTACT_FIELDS = ["contacted", "contacted_at", "method", "outcome", "notes", "attempts"]
# A call logged a little ahead of the server's clock is a clock difference, not the future.
CLOCK_SKEW = datetime.timedelta(minutes=5)


def _check_clinic(actor: Actor, lot: Lot) -> None:
    if actor.clinic is not None and actor.clinic.pk != lot.clinic_id:
        raise StockRefused("lot", _("This lot belongs to another clinic."))


def _default_reason(lot: Lot) -> str:
    if lot.status != LotStatus.AVAILABLE and lot.status_reason:
        return f"{lot.get_status_display()}: {lot.status_reason}"[:MAX_REASON]
    return _("Patients exposed to lot %(lot)s of %(product)s.") % {
        "lot": lot.lot_number,
        "product": lot.product.name,
    }


def _patients(lot: Lot, patient_ids: Iterable[int]) -> list[int]:
    wanted = sorted({int(pk) for pk in patient_ids})
    found = set(
        Patient.objects.for_clinic(lot.clinic).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError(
            {
                "patient_ids": _("No patient with id %(ids)s in this clinic.")
                % {"ids": ", ".join(str(pk) for pk in missing)}
            }
        )
    return wanted


def _new_campaign(actor: Actor, lot: Lot, reason: str) -> RecallCampaign:
    campaign = RecallCampaign.objects.create(
        clinic=lot.clinic,
        lot=lot,
        opened_by=actor.user,
        opened_at=timezone.now(),
        reason=reason or _default_reason(lot),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        campaign,
        changes=audit.diff({}, audit.snapshot(campaign, ["lot", "reason", "status"])),
    )
    return campaign


@transaction.atomic
def open_campaign(
    actor: Actor, lot: Lot, patient_ids: Iterable[int], reason: str = ""
) -> RecallCampaign:
    """The lot's open recall campaign with a contact row for each of these patients.

    Idempotent while the campaign is open: calling it again (e.g. after a fresh trace)
    adds only the patients not yet on the list. After a campaign is closed, a new one is
    opened. The reason defaults to the lot's recall or investigation reason. Patient ids
    not of the lot's clinic are refused (field "patient_ids"); nothing is saved then.
    """
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": MAX_REASON}})
    # The lot's row serialises two openings of the same lot's campaign.
    locked = (
        Lot.objects.select_for_update(of=("self",))
        .select_related("clinic", "product")
        .get(pk=lot.pk)
    )
    _check_clinic(actor, locked)
    wanted = _patients(locked, patient_ids)
    campaign = (
        RecallCampaign.objects.for_clinic(locked.clinic)
        .filter(lot=locked, status=CampaignStatus.OPEN)
        .first()
    ) or _new_campaign(actor, locked, reason)
    listed = set(campaign.contacts.values_list("patient_id", flat=True))
    for patient_id in wanted:
        if patient_id in listed:
            continue
        contact = RecallContact.objects.create(
            clinic=locked.clinic, campaign=campaign, patient_id=patient_id
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            contact,
            details={"campaign": campaign.pk, "lot": locked.pk},
        )
    return campaign


def _choice(value: str, choices: type[ContactMethod] | type[ContactOutcome], field: str) -> str:
    if value not in choices.values:
        raise ValidationError(
            {field: _("Choose one of: %(v)s.") % {"v": ", ".join(choices.values)}}
        )
    return value


def _when(contacted_at: datetime.datetime | None) -> datetime.datetime:
    when = contacted_at or timezone.now()
    if timezone.is_naive(when):
        raise ValidationError({"contacted_at": _("Give the time with its time zone.")})
    if when > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"contacted_at": _("The call cannot be in the future.")})
    return when


@transaction.atomic
def record_contact(
    actor: Actor,
    contact: RecallContact,
    method: str,
    outcome: str,
    notes: str = "",
    contacted_at: datetime.datetime | None = None,
) -> RecallContact:
    """Records one attempt to reach an exposed patient: how, when, by whom, and the outcome.

    Each attempt adds one to `attempts` and is kept in the audit trail; the row shows the
    latest. Once reached (any outcome but "no answer") the patient stays reached.
    Refused on a closed campaign.
    """
    method = _choice(method, ContactMethod, "method")
    outcome = _choice(outcome, ContactOutcome, "outcome")
    notes = (notes or "").strip()
    if len(notes) > MAX_REASON:
        raise ValidationError({"notes": _("At most %(n)s characters.") % {"n": MAX_REASON}})
    locked = (
        RecallContact.objects.select_for_update()
        .select_related("campaign", "clinic")
        .get(pk=contact.pk)
    )
    if actor.clinic is not None and actor.clinic.pk != locked.clinic_id:
        raise ValidationError({"contact": _("This contact belongs to another clinic.")})
    if locked.campaign.status != CampaignStatus.OPEN:
        raise ValidationError({"campaign": _("This campaign is closed.")})
    before = audit.snapshot(locked, CONTACT_FIELDS)
    locked.contacted_at = _when(contacted_at)
    locked.contacted = locked.contacted or outcome in REACHED
    locked.contacted_by = actor.user
    locked.method, locked.outcome, locked.notes = method, outcome, notes
    locked.attempts += 1
    locked.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        locked,
        changes=audit.diff(before, audit.snapshot(locked, CONTACT_FIELDS)),
        details={"campaign": locked.campaign_id},
    )
    return locked


@transaction.atomic
def close_campaign(actor: Actor, campaign: RecallCampaign) -> RecallCampaign:
    """Closes an open campaign; its contacts stay as recorded."""
    locked = (
        RecallCampaign.objects.select_for_update(of=("self",))
        .select_related("clinic")
        .get(pk=campaign.pk)
    )
    if actor.clinic is not None and actor.clinic.pk != locked.clinic_id:
        raise ValidationError({"campaign": _("This campaign belongs to another clinic.")})
    if locked.status != CampaignStatus.OPEN:
        raise ValidationError({"status": _("This campaign is already closed.")})
    locked.status = CampaignStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.closed_by = actor.user
    locked.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        locked,
        changes={"status": {"before": CampaignStatus.OPEN, "after": CampaignStatus.CLOSED}},
    )
    return locked
