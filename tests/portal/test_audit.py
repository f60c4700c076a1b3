"""Every portal access is in the audit trail, with the patient's link as the actor."""

from __future__ import annotations

import datetime

from django.test import Client

from mesotrace.audit.models import AuditAction, AuditEvent
from mesotrace.consent.models import ConsentSignature
from mesotrace.core.clock import clinic_today
from tests.conftest import World, make_patient
from tests.consent.builders import portal_link, signed_consent
from tests.treatments.builders import HAIR, make_plan


def _rows_since(mark: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=mark).order_by("pk"))


def test_each_page_download_and_action_writes_one_row_for_the_patient(
    world: World, client: Client
) -> None:
    plan = make_plan(world.clinic, make_patient(world.clinic), protocol=HAIR)
    signed_consent(plan, world.members["owner"])
    document_id = ConsentSignature.objects.get().document_id
    link, token = portal_link(plan.patient, world.members["front_desk"])
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    today = clinic_today(world.clinic)

    doc, page = "consent_document", "portal_page"
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    log = {"date": today.isoformat(), "diet_adherence_percent": "70"}
    steps: list[tuple[str, str, dict[str, str] | None, str, str]] = [
        ("get", f"/portal/open/{token}/", None, AuditAction.LOGIN, "portal_link"),
        ("get", "/portal/", None, AuditAction.VIEW, page),
        ("get", f"/portal/plans/{plan.pk}/consent/", None, AuditAction.VIEW, doc),
        ("get", f"/portal/documents/{document_id}/pdf/", None, AuditAction.EXPORT, doc),
        ("get", f"/portal/plans/{plan.pk}/consent/pdf/", None, AuditAction.EXPORT, doc),
        ("get", "/portal/side-effect/", None, AuditAction.VIEW, page),
        ("get", "/portal/lifestyle/", None, AuditAction.VIEW, page),
        (
            "post",
            "/portal/side-effect/",
            {"term": "pain", "onset_date": yesterday},
            "create",
            "adverse_event",
        ),
        (
            "post",
            "/portal/lifestyle/",
            {**log, "exercise_minutes_per_week": "90"},
            "create",
            "lifestyle_log",
        ),
        ("post", "/portal/leave/", {}, AuditAction.LOGOUT, "portal_link"),
    ]
    for method, url, data, action, object_type in steps:
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = getattr(client, method)(url, data) if data is not None else client.get(url)
        assert response.status_code in {200, 302}, (url, response.status_code)
        rows = _rows_since(before)
        assert [(r.action, r.object_type) for r in rows] == [(action, object_type)], url

    rows = _rows_since(mark)
    assert len(rows) == len(steps)
    for row in rows:
        assert row.clinic_id == world.clinic.pk
        assert row.patient_id == plan.patient_id
        assert row.actor is None
        assert row.actor_label == f"patient via portal link {link.pk}"
        assert row.via == "portal"
    assert all(
        r.details.get("portal_link") == link.pk
        for r in rows
        if r.object_type != "adverse_event" and r.object_type != "lifestyle_log"
    )
