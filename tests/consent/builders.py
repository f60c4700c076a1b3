"""Small builders for consent and portal tests: signed documents, drawn signatures, links."""

from __future__ import annotations

import base64
import io

from django.test import Client
from PIL import Image, ImageDraw

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import User
from mesotrace.consent import services
from mesotrace.consent.models import ConsentSignature
from mesotrace.patients.models import Patient
from mesotrace.portal import services as portal_services
from mesotrace.portal.models import PortalLink
from mesotrace.treatments.models import TreatmentPlan
from tests.conftest import World
from tests.treatments.builders import HAIR, actor_for, make_plan


def signed_consent(plan: TreatmentPlan, clinician: User | None = None) -> ConsentSignature:
    """The plan's current document, signed by its patient and countersigned by `clinician`."""
    clinician = clinician or plan.practitioner.user
    actor: Actor = actor_for(clinician, plan.clinic) if clinician else Actor.system("test")
    document = services.generate_consent(actor, plan)
    name = f"{plan.patient.given_name} {plan.patient.family_name}"
    signature = services.sign_consent(actor, document, name, agreed=True)
    return services.countersign_consent(actor, signature)


def drawn_png(width: int = 600, height: int = 200, ink: bool = True) -> bytes:
    """A signature as the pad sends it: dark strokes on a transparent canvas."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if ink:
        pen = ImageDraw.Draw(image)
        pen.line([(20, 150), (120, 40), (220, 160), (320, 50)], fill=(17, 17, 17, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def data_url(png: bytes, kind: str = "png") -> str:
    return f"data:image/{kind};base64," + base64.b64encode(png).decode()


def portal_link(patient: Patient, creator: User, days: int = 14) -> tuple[PortalLink, str]:
    """A portal link for the patient, created by `creator`, and the token of its URL."""
    return portal_services.create_link(actor_for(creator, patient.clinic), patient, days)


def open_portal(client: Client, token: str) -> None:
    """Opens the portal in `client` as the patient who received the link."""
    response = client.get(f"/portal/open/{token}/")
    assert response.status_code == 302, response.status_code


def drawn_consent(plan: TreatmentPlan, signer: User) -> ConsentSignature:
    """The plan's current document, signed with a drawn signature (not yet countersigned)."""
    actor = actor_for(signer, plan.clinic)
    document = services.generate_consent(actor, plan)
    name = f"{plan.patient.given_name} {plan.patient.family_name}"
    return services.sign_consent(actor, document, name, True, data_url(drawn_png()))


def portal_sweep_entries(world: World, patient: Patient) -> dict[str, int]:
    """A portal link, and a consent signed with a drawn signature (so its PNG route answers)."""
    link, _token = portal_link(patient, world.members["front_desk"])
    drawn = drawn_consent(make_plan(world.clinic, patient, protocol=HAIR), world.members["nurse"])
    return {"portal_link_id": link.pk, "consent_id": drawn.document_id}
