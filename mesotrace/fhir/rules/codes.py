"""The code systems, identifier systems and value maps the FHIR resources use.

Standard systems where the catalogue holds a code (SNOMED CT body sites and routes, LOINC,
ICD-10, ATC, UCUM); every other code is ours, in a CodeSystem under `LOCAL_BASE`, as
docs/fhir.md lists.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

FHIR_VERSION: Final = "4.0.1"
LOCAL_BASE: Final = "https://mesotrace.example/fhir"


def local_system(name: str) -> str:
    """The URL of one of our own CodeSystems (e.g. `procedure-type`)."""
    return f"{LOCAL_BASE}/CodeSystem/{name}"


def identifier_system(name: str) -> str:
    """The URL of one of our own identifier systems (e.g. `patient-record-number`)."""
    return f"{LOCAL_BASE}/sid/{name}"


def extension_url(name: str) -> str:
    return f"{LOCAL_BASE}/StructureDefinition/{name}"


# The form a lifestyle log answers (diet adherence, exercise, weight), as a canonical URL.
LIFESTYLE_QUESTIONNAIRE: Final = f"{LOCAL_BASE}/Questionnaire/lifestyle-log"


SNOMED: Final = "http://snomed.info/sct"
LOINC: Final = "http://loinc.org"
ICD10: Final = "http://hl7.org/fhir/sid/icd-10"
ATC: Final = "http://www.whocc.no/atc"
UCUM: Final = "http://unitsofmeasure.org"
LANGUAGE: Final = "urn:ietf:bcp:47"
# The shipped measurement types name their own codes "urn:mesotrace:measurement".
MEASUREMENT_LOCAL_URN: Final = "urn:mesotrace:measurement"

# Mesotherapy injects intradermally or into the superficial subcutis; intradermal reaches
# 4 mm at most (domain.md §2, dermotherap.com.ar [V]). Routes: SNOMED CT qualifiers
# (domain.md §5b [V]).
INTRADERMAL_MAX_DEPTH_MM: Final = Decimal("4")
ROUTE_INTRADERMAL: Final = ("372464004", "Intradermal route")
ROUTE_SUBCUTANEOUS: Final = ("34206005", "Subcutaneous route")

# US Core 3.1.1 profiles, declared for a clinic in the United States.
US_CORE: Final = "http://hl7.org/fhir/us/core/StructureDefinition"
US_CORE_PROFILES: Final = {
    "Patient": f"{US_CORE}/us-core-patient",
    "Organization": f"{US_CORE}/us-core-organization",
    "Practitioner": f"{US_CORE}/us-core-practitioner",
    "PractitionerRole": f"{US_CORE}/us-core-practitionerrole",
    "AllergyIntolerance": f"{US_CORE}/us-core-allergyintolerance",
    "Condition": f"{US_CORE}/us-core-condition",
    "Procedure": f"{US_CORE}/us-core-procedure",
    "CarePlan": f"{US_CORE}/us-core-careplan",
    "DocumentReference": f"{US_CORE}/us-core-documentreference",
    "Observation": f"{US_CORE}/us-core-observation-lab",
}
# The base FHIR vital-signs profiles for the two vital signs we measure (LOINC code → profile).
VITAL_SIGNS: Final = {
    "29463-7": "http://hl7.org/fhir/StructureDefinition/bodyweight",
    "39156-5": "http://hl7.org/fhir/StructureDefinition/bmi",
}
US_CORE_VITAL_SIGNS: Final = {
    "29463-7": f"{US_CORE}/us-core-body-weight",
    "39156-5": f"{US_CORE}/us-core-bmi",
}

TERMINOLOGY: Final = "http://terminology.hl7.org/CodeSystem"

CLINICAL_STATUS = {
    "allergy": f"{TERMINOLOGY}/allergyintolerance-clinical",
    "allergy_verification": f"{TERMINOLOGY}/allergyintolerance-verification",
    "condition": f"{TERMINOLOGY}/condition-clinical",
    "condition_verification": f"{TERMINOLOGY}/condition-ver-status",
    "condition_category": f"{TERMINOLOGY}/condition-category",
    "observation_category": f"{TERMINOLOGY}/observation-category",
    "careplan_category": "http://hl7.org/fhir/us/core/CodeSystem/careplan-category",
    "consent_scope": f"{TERMINOLOGY}/consentscope",
    "consent_policy": f"{TERMINOLOGY}/v3-ActCode",
    "seriousness": f"{TERMINOLOGY}/adverse-event-seriousness",
    "severity": f"{TERMINOLOGY}/adverse-event-severity",
    "ae_outcome": f"{TERMINOLOGY}/adverse-event-outcome",
    "causality": f"{TERMINOLOGY}/adverse-event-causality-assess",
    "document_category": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
    "narrative": "http://hl7.org/fhir/narrative-status",
}

PLAN_STATUS = {"draft": "draft", "active": "active", "completed": "completed", "stopped": "revoked"}
APPOINTMENT_STATUS = {
    "booked": "booked",
    "cancelled": "cancelled",
    "completed": "fulfilled",
    "no_show": "noshow",
}
SESSION_STATUS = {"draft": "in-progress", "signed": "completed"}
AE_OUTCOME = {
    "recovered": "resolved",
    "recovering": "recovering",
    "not_recovered": "ongoing",
    "sequelae": "resolvedWithSequelae",
    "fatal": "fatal",
    "unknown": "unknown",
}
WHO_UMC = {
    "certain": "Certain",
    "probable": "Probably-Likely",
    "possible": "Possible",
    "unlikely": "Unlikely",
    "conditional": "Conditional-Classified",
    "unassessable": "Unassessable-Unclassifiable",
}
# CTCAE: grade 1 mild, 2 moderate, 3 to 5 severe or worse.
CTCAE_SEVERITY = {1: "mild", 2: "moderate", 3: "severe", 4: "severe", 5: "severe"}
