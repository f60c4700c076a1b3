"""The CapabilityStatement: what this server answers, built from the resource types served."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mesotrace.fhir.rules.codes import FHIR_VERSION, LOCAL_BASE
from mesotrace.fhir.rules.search import Param

_TYPE_OF = {
    "string": "string",
    "token": "token",
    "reference": "reference",
    "date": "date",
    "datetime": "date",
}
# Bulk Data Access (Flat FHIR) 2.0, whose $export this server answers.
_BULK = "http://hl7.org/fhir/uv/bulkdata"
_EXPORT = {
    "name": "export",
    "documentation": "Bulk export to NDJSON (Prefer: respond-async; _type, _since, "
    "_outputFormat); a Group is a recall campaign's patients. Owners only.",
}
# Search parameters we define ourselves (not in the FHIR R4 base for that resource).
OWN_PARAMETERS = {("MedicationAdministration", "lot-number")}


def search_parameter_url(resource: str, name: str) -> str:
    if (resource, name) in OWN_PARAMETERS:
        return f"{LOCAL_BASE}/SearchParameter/{resource}-{name}"
    return f"http://hl7.org/fhir/SearchParameter/{resource}-{name}"


def _resource(name: str, params: dict[str, Param], profiles: list[str]) -> dict[str, Any]:
    searches = [{"name": "_id", "type": "token"}]
    for key, param in params.items():
        entry = {
            "name": key,
            "definition": search_parameter_url(name, key),
            "type": _TYPE_OF[param.kind],
        }
        if param.documentation:
            entry["documentation"] = param.documentation
        searches.append(entry)
    found: dict[str, Any] = {
        "type": name,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "versioning": "versioned",
        "readHistory": False,
        "searchParam": searches,
    }
    if profiles:
        found["supportedProfile"] = profiles
    if name == "Patient":
        found["operation"] = [
            {
                "name": "everything",
                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
            },
            _EXPORT | {"definition": f"{_BULK}/OperationDefinition/patient-export"},
        ]
    if name == "Group":
        found["operation"] = [_EXPORT | {"definition": f"{_BULK}/OperationDefinition/group-export"}]
    return found


def capability_statement(
    base_url: str,
    kinds: Iterable[tuple[str, dict[str, Param]]],
    profiles: dict[str, list[str]],
    published: str,
) -> dict[str, Any]:
    """`kinds`: each served resource type and its search parameters."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": published,
        "publisher": "Mesotrace",
        "kind": "instance",
        "software": {"name": "Mesotrace"},
        "implementation": {"description": "Mesotrace FHIR R4 server", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "service": [{"text": "Bearer token: the same token as /api/v1/."}],
                    "description": "Send Authorization: Bearer <token>. Each token reads its own "
                    "clinic only, with its member's role.",
                },
                "resource": [
                    _resource(name, params, profiles.get(name, [])) for name, params in kinds
                ],
                "interaction": [
                    {
                        "code": "transaction",
                        "documentation": "Imported all or nothing; answered with a "
                        "transaction-response Bundle (Prefer: return=OperationOutcome for the "
                        "import report). Owners only.",
                    },
                    {
                        "code": "batch",
                        "documentation": "Imported as a transaction is: all or nothing.",
                    },
                ],
                "operation": [
                    _EXPORT | {"definition": f"{_BULK}/OperationDefinition/export"},
                    {
                        "name": "import",
                        "definition": f"{LOCAL_BASE}/OperationDefinition/import",
                        "documentation": "POST a transaction or collection Bundle to the base, "
                        "or NDJSON to $import; all or nothing, matched on identifiers; "
                        "?dry-run=true reports without saving. Owners only.",
                    },
                ],
            }
        ],
    }
