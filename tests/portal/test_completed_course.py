"""The portal agrees with the staff pages: a completed course is shown under the sessions done,
even when none of its sessions was charted here."""

from __future__ import annotations

from django.test import Client

from mesotrace.treatments.services import plans as services
from tests.conftest import World, make_patient
from tests.consent.builders import open_portal, portal_link
from tests.treatments.builders import HAIR, active_plan, actor_for


def test_a_completed_course_without_charted_sessions_is_not_none_yet(
    world: World, client: Client
) -> None:
    patient = make_patient(world.clinic)
    _link, token = portal_link(patient, world.members["front_desk"])
    open_portal(client, token)
    assert "None yet." in client.get("/portal/").content.decode().split("Sessions done")[1]

    practitioner = world.members["practitioner"]
    plan = active_plan(world.clinic, practitioner, patient=patient, protocol=HAIR)
    services.complete_plan(actor_for(practitioner, world.clinic), plan)
    page = client.get("/portal/").content.decode()
    done = page.split("Sessions done")[1].split("</ul>")[0]
    assert "Hair loss: minoxidil 2%: course completed on" in done
    assert "None yet." not in done
