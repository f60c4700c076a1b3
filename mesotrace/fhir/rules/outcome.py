"""FHIR JSON answers: resources with their ETag, and errors as OperationOutcome."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpResponse

CONTENT_TYPE = "application/fhir+json; charset=utf-8"


def issue(code: str, reason: str, expression: str = "") -> dict[str, Any]:
    """One issue of an OperationOutcome: its code (FHIR issue-type), the reason, the path."""
    found: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": reason}
    if expression:
        found["expression"] = [expression]
    return found


def outcome(*issues: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": list(issues)}


def body(resource: dict[str, Any]) -> HttpResponse:
    return HttpResponse(orjson.dumps(resource), content_type=CONTENT_TYPE)


def respond(status: int, *issues: dict[str, Any]) -> HttpResponse:
    response = body(outcome(*issues))
    response.status_code = status
    return response


def with_etag(resource: dict[str, Any]) -> HttpResponse:
    """A resource, with `ETag` and `Last-Modified` from its meta."""
    response = body(resource)
    meta = resource.get("meta", {})
    if "versionId" in meta:
        response["ETag"] = f'W/"{meta["versionId"]}"'
    return response
