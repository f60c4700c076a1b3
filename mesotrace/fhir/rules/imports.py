"""Reading FHIR R4 data another system exported: a Bundle or NDJSON, checked entry by entry.

Pure: text in, entries and what each becomes out. Every problem names its path (e.g.
`Bundle.entry[3].resource.birthDate`) and a reason; the service refuses the whole file when
there is any.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from mesotrace.core.inputs import text_problem
from mesotrace.fhir.rules import codes

MAX_ENTRIES = 10_000
MAX_BYTES = 50 * 1024 * 1024
IMPORTED_TYPES = frozenset(
    {
        "Patient",
        "AllergyIntolerance",
        "MedicationStatement",
        "Condition",
        "Observation",
        "QuestionnaireResponse",
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Medication",
        "CarePlan",
        "Appointment",
        "Procedure",
        "MedicationAdministration",
        "AdverseEvent",
        "Consent",
        "DocumentReference",
    }
)
GENDERS = frozenset({"male", "female", "other", "unknown"})
SEVERITIES = frozenset({"mild", "moderate", "severe"})
QUALIFICATIONS = frozenset({"physician", "nurse", "other"})
OWN_EXTENSIONS = frozenset({codes.extension_url("anticoagulant")})


class Refused(Exception):
    """The file cannot be imported: every problem found, each with its path and reason."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {reason}" for path, reason in problems))
        self.problems = problems


@dataclass
class Entry:
    path: str
    full_url: str
    resource: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return str(self.resource.get("resourceType", ""))

    @property
    def local_ref(self) -> str:
        pk = self.resource.get("id")
        return f"{self.kind}/{pk}" if pk else ""


def parse_json(text: str) -> Any:
    if len(text) > MAX_BYTES:
        raise Refused([("body", f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.")])
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise Refused([("body", f"Not JSON: {error.msg} at line {error.lineno}.")]) from None


def bundle_entries(data: Any) -> list[Entry]:
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise Refused([("resourceType", "Send a Bundle (transaction or collection).")])
    if data.get("type") not in {"transaction", "collection", "batch"}:
        raise Refused([("Bundle.type", "Only transaction, batch and collection bundles.")])
    rows = data.get("entry", [])
    if not isinstance(rows, list):
        raise Refused([("Bundle.entry", "entry must be an array.")])
    if len(rows) > MAX_ENTRIES:
        raise Refused([("Bundle.entry", f"More than {MAX_ENTRIES} entries: split the file.")])
    found = []
    for index, row in enumerate(rows):
        path = f"Bundle.entry[{index}]"
        resource = row.get("resource") if isinstance(row, dict) else None
        if not isinstance(resource, dict):
            raise Refused([(f"{path}.resource", "Each entry needs a resource.")])
        full_url = str(row.get("fullUrl", ""))
        problem = text_problem(full_url)
        if problem:
            raise Refused([(f"{path}.fullUrl", problem)])
        found.append(Entry(f"{path}.resource", full_url, resource))
    return found


def ndjson_entries(text: str) -> list[Entry]:
    found = []
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_ENTRIES:
        raise Refused([("body", f"More than {MAX_ENTRIES} lines: split the file.")])
    for number, line in enumerate(lines, start=1):
        try:
            resource = json.loads(line)
        except json.JSONDecodeError as error:
            raise Refused([(f"line {number}", f"Not JSON: {error.msg}.")]) from None
        if not isinstance(resource, dict):
            raise Refused([(f"line {number}", "Each line must be one resource.")])
        found.append(Entry(f"line {number}", "", resource))
    return found


def _strings(value: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _strings(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in _strings(item, f"{path}[{i}]")]
    return []


def text_problems(entry: Entry) -> list[tuple[str, str]]:
    """Text no field may hold, as in any form: control characters (line breaks and tabs
    aside) and invisible characters that reorder or hide what a reader sees. The narrative
    (`text`), which is not imported, is not read."""
    found = []
    for key, value in entry.resource.items():
        if key == "text":
            continue
        for path, text in _strings(value, f"{entry.path}.{key}"):
            problem = text_problem(text, multiline=True)
            if problem:
                found.append((path, problem))
    return found


def _text(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for item in concept.get("coding") or []:
        if item.get("display") or item.get("code"):
            return str(item.get("display") or item.get("code"))
    return ""


def _codings(concept: Any) -> list[tuple[str, str]]:
    if not isinstance(concept, dict):
        return []
    return [(str(c.get("system", "")), str(c.get("code", ""))) for c in concept.get("coding") or []]


def unknown_extensions(entry: Entry) -> list[str]:
    """The extensions on a resource that are not Mesotrace's own (ours are read or known)."""
    ours = codes.extension_url("")
    return [
        str(ext.get("url"))
        for ext in entry.resource.get("extension") or []
        if isinstance(ext, dict)
        and ext.get("url") not in OWN_EXTENSIONS
        and not str(ext.get("url")).startswith(ours)
    ]


# The element a service's field is read from, so that a value the service refuses is
# reported at its path in the sender's resource (`birthDate`, not `date_of_birth`).
ELEMENTS = {
    "Patient": {
        "given_name": "name",
        "family_name": "name",
        "date_of_birth": "birthDate",
        "sex": "gender",
        "phone": "telecom",
        "email": "telecom",
        "address": "address",
    },
    "Practitioner": {
        "full_name": "name",
        "licence_number": "identifier",
        "qualification": "qualification",
    },
    "Observation": {
        "measured_at": "effectiveDateTime",
        "value": "valueQuantity",
        "side": "bodySite",
    },
    "QuestionnaireResponse": {
        "date": "authored",
        "diet_adherence_percent": "item",
        "exercise_minutes_per_week": "item",
        "weight_kg": "item",
        "entered_by": "source",
    },
}


def element_path(entry: Entry, field_name: str) -> str:
    """The path of the element a refused field came from; the resource's own path when
    the field is not read from one element."""
    element = ELEMENTS.get(entry.kind, {}).get(field_name)
    return f"{entry.path}.{element}" if element else entry.path


def identifier_key(entry: Entry) -> tuple[str, str]:
    """What re-imports are matched on: the first identifier, else the sender's id."""
    for identifier in entry.resource.get("identifier") or []:
        if identifier.get("value"):
            return str(identifier.get("system", "")), str(identifier["value"])
    if entry.resource.get("id"):
        return "urn:fhir:resource-id", str(entry.resource["id"])
    return "urn:fhir:full-url", entry.full_url


def reference_of(entry: Entry, name: str) -> str:
    found = entry.resource.get(name)
    return str(found.get("reference", "")) if isinstance(found, dict) else ""


def _date(value: Any, path: str, problems: list[tuple[str, str]]) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        problems.append((path, "Use a date as YYYY-MM-DD."))
        return None


@dataclass(frozen=True)
class PatientFields:
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    sex: str
    phone: str
    email: str
    address: str
    # None: not in the resource (another system's), so left as the patient's record has it.
    medical_history: str | None = None
    pregnancy_status: str | None = None
    preferred_language: str | None = None

    def given(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if value is not None}


def patient_fields(entry: Entry) -> PatientFields:
    resource, path, problems = entry.resource, entry.path, []
    official = _current(resource.get("name") or [{}])
    given = " ".join(official.get("given") or [])
    if not official.get("family") or not given:
        problems.append((f"{path}.name", "A patient needs a family and a given name."))
    gender = resource.get("gender", "unknown")
    if "gender" not in resource:
        entry.notes.append("No gender given: recorded as unknown.")
    if gender not in GENDERS:
        problems.append((f"{path}.gender", "gender must be male, female, other or unknown."))
    born = _date(resource.get("birthDate"), f"{path}.birthDate", problems)
    if problems or born is None:
        raise Refused(problems)
    telecom = resource.get("telecom") or []
    phone = next((t["value"] for t in telecom if t.get("system") == "phone"), "")
    email = next((t["value"] for t in telecom if t.get("system") == "email"), "")
    address = _current(resource.get("address") or [{}])
    text = address.get("text") or ", ".join(
        [*(address.get("line") or []), address.get("city", ""), address.get("country", "")]
    ).strip(", ")
    return PatientFields(
        given,
        str(official["family"]),
        born,
        gender,
        phone,
        email,
        text,
        _extension_value(resource, "medical-history", "valueString"),
        _extension_value(resource, "pregnancy-status", "valueCode"),
        _preferred_language(resource),
    )


def _extension_value(resource: dict[str, Any], name: str, kind: str) -> str | None:
    url = codes.extension_url(name)
    for found in resource.get("extension") or []:
        if isinstance(found, dict) and found.get("url") == url and kind in found:
            return str(found[kind])
    return None


def _preferred_language(resource: dict[str, Any]) -> str | None:
    """The language marked preferred (else the first) when Mesotrace speaks it: "en-US" is
    English; a language it does not speak leaves the patient's as it is."""
    spoken = [c for c in resource.get("communication") or [] if isinstance(c, dict)]
    spoken.sort(key=lambda c: not c.get("preferred"))
    ours = {code for code, _name in settings.LANGUAGES}
    for system, code in (pair for c in spoken[:1] for pair in _codings(c.get("language"))):
        language = code.split("-")[0].lower()
        if system == codes.LANGUAGE and language in ours:
            return language
    return None


def _current(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The official name or address, else the first not marked old or ended."""
    for wanted in ("official", "usual"):
        found = [item for item in items if item.get("use") == wanted]
        if found:
            return found[0]
    live = [i for i in items if i.get("use") != "old" and not (i.get("period") or {}).get("end")]
    return (live or items)[0]


def allergy_fields(entry: Entry) -> tuple[str, str, str]:
    """Substance, reaction, severity."""
    substance = _text(entry.resource.get("code"))
    if not substance:
        raise Refused([(f"{entry.path}.code", "An allergy needs its substance.")])
    reaction: dict[str, Any] = next(iter(entry.resource.get("reaction") or []), {})
    manifestation = _text(next(iter(reaction.get("manifestation") or []), {}))
    severity = reaction.get("severity", "unknown")
    if severity not in {*SEVERITIES, "unknown"}:
        raise Refused(
            [(f"{entry.path}.reaction[0].severity", "severity is mild, moderate or severe.")]
        )
    return substance[:200], manifestation[:200], severity


def medication_fields(entry: Entry) -> tuple[str, str, bool]:
    """Name, dose, anticoagulant."""
    resource = entry.resource
    name = _text(resource.get("medicationCodeableConcept")) or str(
        (resource.get("medicationReference") or {}).get("display", "")
    )
    if not name:
        raise Refused([(f"{entry.path}.medication[x]", "A medication needs its name.")])
    dosage: dict[str, Any] = next(iter(resource.get("dosage") or []), {})
    dose = str(dosage.get("text", ""))
    anticoagulant = any(
        ext.get("url") == codes.extension_url("anticoagulant") and ext.get("valueBoolean")
        for ext in resource.get("extension") or []
    )
    return name[:200], dose[:100], anticoagulant


def condition_line(entry: Entry) -> str:
    """The line a condition adds to the patient's medical history."""
    text = _text(entry.resource.get("code"))
    if not text:
        raise Refused([(f"{entry.path}.code", "A condition needs its code or text.")])
    coded = [f"{code} ({system})" for system, code in _codings(entry.resource.get("code"))]
    onset = str(entry.resource.get("onsetDateTime", ""))[:10]
    parts = [text, *coded[:1], f"since {onset}" if onset else ""]
    return "Condition: " + ", ".join(part for part in parts if part)


def observation_code(entry: Entry) -> list[tuple[str, str]]:
    return _codings(entry.resource.get("code"))


def observation_value(entry: Entry) -> tuple[float, str, str]:
    """Value, UCUM unit, effective time (ISO)."""
    value = entry.resource.get("valueQuantity")
    if not isinstance(value, dict) or not isinstance(value.get("value"), int | float):
        raise Refused([(f"{entry.path}.valueQuantity", "A measurement needs a numeric value.")])
    unit = str(value.get("code") or value.get("unit") or "")
    when = str(entry.resource.get("effectiveDateTime", ""))
    return float(value["value"]), unit, when


@dataclass(frozen=True)
class PractitionerFields:
    full_name: str
    qualification: str
    licence_number: str = ""
    licence_jurisdiction: str = ""
    licence_expiry: datetime.date | None = None
    training_certificate: str = ""
    training_date: datetime.date | None = None
    is_active: bool = True


def practitioner_fields(entry: Entry) -> PractitionerFields:
    """Name, qualification and credentials: the licence from the degree's identifier, issuer
    and period; the mesotherapy training from its own qualification."""
    resource = entry.resource
    problems: list[tuple[str, str]] = []
    names = resource.get("name") or [{}]
    name = (
        names[0].get("text")
        or " ".join(
            [
                *(names[0].get("prefix") or []),
                *(names[0].get("given") or []),
                names[0].get("family", ""),
            ]
        ).strip()
    )
    if not name:
        raise Refused([(f"{entry.path}.name", "A practitioner needs a name.")])
    found: dict[str, Any] = {"full_name": name[:200], "qualification": "other"}
    for index, degree in enumerate(resource.get("qualification") or []):
        path = f"{entry.path}.qualification[{index}]"
        for system, code in _codings(degree.get("code")):
            if system == codes.local_system("qualification") and code in QUALIFICATIONS:
                found.update(_licence(degree, code, path, problems))
            elif system == codes.local_system("qualification") and code == "mesotherapy-training":
                found["training_certificate"] = _text(degree.get("code"))[:200]
                start = (degree.get("period") or {}).get("start")
                if start:
                    found["training_date"] = _date(start, f"{path}.period.start", problems)
    if problems:
        raise Refused(problems)
    found["is_active"] = resource.get("active") is not False
    return PractitionerFields(**found)


def _licence(
    degree: dict[str, Any], code: str, path: str, problems: list[tuple[str, str]]
) -> dict[str, Any]:
    number = next((str(i.get("value", "")) for i in degree.get("identifier") or []), "")
    end = (degree.get("period") or {}).get("end")
    return {
        "qualification": code,
        "licence_number": number[:50],
        "licence_jurisdiction": str((degree.get("issuer") or {}).get("display", ""))[:6],
        "licence_expiry": _date(end, f"{path}.period.end", problems) if end else None,
    }


def role_fields(entry: Entry) -> tuple[str, str]:
    """The practitioner a role is of, and the supervising physician our extension names."""
    url = codes.extension_url("supervising-physician")
    supervisor = next(
        (
            str((e.get("valueReference") or {}).get("reference", ""))
            for e in entry.resource.get("extension") or []
            if isinstance(e, dict) and e.get("url") == url
        ),
        "",
    )
    return reference_of(entry, "practitioner"), supervisor
