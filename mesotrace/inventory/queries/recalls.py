"""Reads of recall campaigns: the clinic's campaigns with their progress, and a campaign's
exposed patients, whose contact details are audited each time they are shown."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.inventory.models import RecallCampaign, RecallContact


def campaigns_of(clinic: Clinic) -> QuerySet[RecallCampaign]:
    """The clinic's recall campaigns, each with how many patients it lists and has reached."""
    return RecallCampaign.objects.for_clinic(clinic).annotate(
        total=Count("contacts"), reached=Count("contacts", filter=Q(contacts__contacted=True))
    )


def contacts_of(campaign: RecallCampaign) -> QuerySet[RecallContact]:
    """The campaign's contacts with their patients, pending first, then by family name."""
    return (
        RecallContact.objects.for_clinic(campaign.clinic)
        .filter(campaign=campaign)
        .select_related("patient", "contacted_by")
        .order_by("contacted", "patient__family_key", "patient__given_key", "id")
    )


def shown_contacts(
    actor: audit.AuditActor, campaign: RecallCampaign, *, export: bool = False
) -> list[RecallContact]:
    """The campaign's contacts for a page or a file: who saw (or exported) them is audited."""
    contacts = list(contacts_of(campaign))
    audit.record_read(
        actor,
        campaign,
        export=export,
        details={"patients": sorted(c.patient_id for c in contacts), "lot": campaign.lot_id},
    )
    return contacts
