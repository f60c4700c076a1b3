"""Roles a member holds in a clinic, and what each role may do.

Every view and API operation names one permission from `PERMISSIONS`; the
isolation sweep in the tests reads that name to know who must get a 403.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    PRACTITIONER = "practitioner", _("Practitioner")
    NURSE = "nurse", _("Nurse")
    FRONT_DESK = "front_desk", _("Front desk")
    RESEARCHER = "researcher", _("Researcher")
    AUDITOR = "auditor", _("Auditor")


_CLINICAL = frozenset({Role.OWNER, Role.PRACTITIONER, Role.NURSE})
_DESK = _CLINICAL | {Role.FRONT_DESK}
_EVERYONE = frozenset(Role)

PERMISSIONS: dict[str, frozenset[Role]] = {
    # Demographics and contact details: what front desk needs to book and call.
    "patient.view": _DESK,
    "patient.create": _DESK,
    "patient.change": _DESK,
    # History, allergies, medications, pregnancy: clinical staff only.
    "patient.view_clinical": _CLINICAL,
    "patient.change_clinical": _CLINICAL,
    "practitioner.view": _DESK,
    "practitioner.manage": frozenset({Role.OWNER}),
    "clinic.manage": frozenset({Role.OWNER}),
    "audit.view": frozenset({Role.OWNER, Role.AUDITOR}),
    # The catalogue holds no patient data; the auditor reads only the audit trail.
    "catalogue.view": _DESK | {Role.RESEARCHER},
    "catalogue.manage": frozenset({Role.OWNER, Role.PRACTITIONER}),
    # Treatment plans: desk staff see them to book and price; clinical staff write them.
    "plan.view": _DESK,
    "plan.manage": _CLINICAL,
    # Screening warnings read the clinical record; acknowledging one is a medical decision.
    "screening.view": _CLINICAL,
    "screening.acknowledge": frozenset({Role.OWNER, Role.PRACTITIONER}),
    # Appointments and calendars: the desk books courses.
    "schedule.view": _DESK,
    "schedule.manage": _DESK,
    # Session charting: clinical staff chart; the charting practitioner signs their own.
    "session.view": _CLINICAL,
    "session.chart": _CLINICAL,
    "session.sign": _CLINICAL,
    # A lot's trace lists exposed patients with contact details, for a recall.
    "lot.trace": _CLINICAL,
    # Photos and the patient's photo consent: clinical staff only.
    "photo.view": _CLINICAL,
    "photo.upload": _CLINICAL,
    "photo_consent.manage": _CLINICAL,
    # The patient document: the desk prints it and hands over the tablet to sign;
    # a clinician countersigns; charting without consent is the owner's call alone.
    "consent.view": _DESK,
    "consent.manage": _DESK,
    "consent.countersign": _CLINICAL,
    "consent.override": frozenset({Role.OWNER}),
    # Inventory: the desk receives stock, so desk and clinical staff all manage it.
    "inventory.view": _DESK,
    "inventory.manage": _DESK,
    # Quarantining or recalling a lot is a clinical decision.
    "lot.recall": frozenset({Role.OWNER, Role.PRACTITIONER}),
    # Calling exposed patients shows their contact details: the desk makes the calls.
    "recall.contact": _DESK,
    # Adverse events are clinical records; alerts go to those who decide on a lot;
    # signals are aggregate counts for owners and researchers.
    "adverse_event.view": _CLINICAL,
    "adverse_event.record": _CLINICAL,
    # Grading a patient's report (CTCAE grade, WHO-UMC causality) is a prescriber's call.
    "adverse_event.grade": frozenset({Role.OWNER, Role.PRACTITIONER}),
    "safety_alert.view": frozenset({Role.OWNER, Role.PRACTITIONER}),
    "safety_alert.release": frozenset({Role.OWNER}),
    # The clinic's cluster rule, and charting a lot under investigation: the owner's call.
    "safety_settings.manage": frozenset({Role.OWNER}),
    "lot.override_investigation": frozenset({Role.OWNER}),
    # Charting a limited drug from a product of unknown strength: its dose cannot be checked.
    "dose.override_unknown_strength": frozenset({Role.OWNER}),
    "signals.view": frozenset({Role.OWNER, Role.RESEARCHER}),
    # Measurements, lifestyle logs and progress charts are clinical records.
    "outcome.view": _CLINICAL,
    "outcome.record": _CLINICAL,
    # Drawing a split-body plan's treated side, and revealing it: the prescribers' call.
    "split_body.allocate": frozenset({Role.OWNER, Role.PRACTITIONER}),
    # The evidence report shows pseudonymous ids only; the researcher reads it.
    "evidence.view": frozenset({Role.OWNER, Role.RESEARCHER}),
    # A patient portal link shows the patient their own plan and record; the desk sends it.
    "portal.invite": _DESK,
    # Importing another system's CSV file writes many patients' clinical records at once,
    # all or nothing: the owner's call.
    "records.import": frozenset({Role.OWNER}),
    # Every member may hold API tokens and see the clinic's home page.
    "account.self": _EVERYONE,
}


def role_has(role: str, permission: str) -> bool:
    """True when `role` carries `permission`; an unknown permission is a programming error."""
    return Role(role) in PERMISSIONS[permission]
