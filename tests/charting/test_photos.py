"""Session photos: stored without EXIF or GPS, only with consent, served only to the clinic."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from mesotrace.charting import services
from mesotrace.charting.models import SessionPhoto
from mesotrace.consent.services import grant_photo_consent, withdraw_photo_consent
from mesotrace.treatments.models import TreatmentSession
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.charting.photo_builders import GPS_IFD, jpeg_upload, jpeg_with_gps
from tests.conftest import World
from tests.treatments.builders import actor_for


def _session(world: World, consent: bool = True) -> TreatmentSession:
    session = record(chartable(world), payload(point(minoxidil_lot(world.clinic))))
    if consent:
        grant_photo_consent(
            actor_for(world.members["nurse"], world.clinic), session.patient, "clinical_record"
        )
    return session


def test_the_test_photo_really_carries_gps() -> None:
    with Image.open(io.BytesIO(jpeg_with_gps())) as original:
        assert original.getexif().get_ifd(GPS_IFD)[1] == "N"


def test_a_stored_photo_has_no_exif_gps_or_comment(world: World) -> None:
    session = _session(world)
    photo = services.add_photo(
        actor_for(world.members["nurse"], world.clinic), session, jpeg_upload(), "front"
    )

    with photo.file.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
        assert "comment" not in image.info
        assert "icc_profile" not in image.info
    assert b"PhoneCam" not in photo.file.open("rb").read()
    assert (photo.width, photo.height) == (64, 48)
    assert "IMG_0001" not in photo.file.name


def test_the_orientation_is_applied_before_the_metadata_goes(world: World) -> None:
    session = _session(world)
    turned = jpeg_upload(width=64, height=48, orientation=6)  # "rotate 90° clockwise"
    photo = services.add_photo(
        actor_for(world.members["nurse"], world.clinic), session, turned, "left"
    )
    assert (photo.width, photo.height) == (48, 64)


def test_no_photo_is_stored_without_a_valid_consent(world: World) -> None:
    session = _session(world, consent=False)
    actor = actor_for(world.members["nurse"], world.clinic)
    with pytest.raises(ValidationError) as refused:
        services.add_photo(actor, session, jpeg_upload(), "front")
    assert "no valid photo consent" in str(refused.value.message_dict["consent"])

    consent = grant_photo_consent(actor, session.patient, "clinical_record")
    withdraw_photo_consent(actor, consent, "Patient changed her mind")
    with pytest.raises(ValidationError):
        services.add_photo(actor, session, jpeg_upload(), "front")
    assert SessionPhoto.objects.count() == 0


def test_a_marketing_consent_does_not_cover_the_clinical_record(world: World) -> None:
    session = _session(world, consent=False)
    actor = actor_for(world.members["nurse"], world.clinic)
    grant_photo_consent(actor, session.patient, "marketing")
    with pytest.raises(ValidationError):
        services.add_photo(actor, session, jpeg_upload(), "front")


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (SimpleUploadedFile("notes.txt", b"not a photo at all"), "not a photo"),
        (SimpleUploadedFile("empty.jpg", b""), "empty"),
    ],
)
def test_a_file_that_is_not_a_photo_is_refused(
    world: World, upload: SimpleUploadedFile, reason: str
) -> None:
    session = _session(world)
    with pytest.raises(ValidationError) as refused:
        services.add_photo(
            actor_for(world.members["nurse"], world.clinic), session, upload, "front"
        )
    assert reason in str(refused.value.message_dict["file"])


def test_an_oversized_file_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    session = _session(world)
    monkeypatch.setattr(services, "MAX_PHOTO_BYTES", 100)
    with pytest.raises(ValidationError) as refused:
        services.add_photo(
            actor_for(world.members["nurse"], world.clinic), session, jpeg_upload(), "front"
        )
    assert "at most" in str(refused.value.message_dict["file"])


def _png_header(width: int, height: int) -> bytes:
    """A PNG that says it is width x height, of a few bytes: only its header is read."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def test_a_photo_of_too_many_pixels_is_refused_before_decoding(world: World) -> None:
    session = _session(world)
    upload = SimpleUploadedFile("huge.png", _png_header(7300, 5440), "image/png")  # 39.7 MP
    with pytest.raises(ValidationError) as refused:
        services.add_photo(
            actor_for(world.members["nurse"], world.clinic), session, upload, "front"
        )
    assert "39.7 megapixels; at most 24" in str(refused.value.message_dict["file"])
    assert not SessionPhoto.objects.exists()


def test_photos_are_served_only_through_the_clinics_signed_in_view(
    world: World, login: Callable[..., Client], client: Client
) -> None:
    session = _session(world)
    photo = services.add_photo(
        actor_for(world.members["nurse"], world.clinic), session, jpeg_upload(), "front"
    )
    url = f"/charting/photos/{photo.pk}/image/"
    assert client.get(url).status_code == 302  # to the sign-in page
    assert client.get(f"/media-not-served/{photo.file.name}").status_code == 404
    assert login(world.outsider).get(url).status_code == 404
    assert login(world.members["front_desk"]).get(url).status_code == 403
    served = login(world.members["nurse"]).get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, no-store"


def test_before_and_after_shows_each_view_across_sessions(
    world: World, login: Callable[..., Client]
) -> None:
    first = _session(world)
    later = record(
        chartable(world, patient=first.patient), payload(point(minoxidil_lot(world.clinic, "MX-9")))
    )
    actor = actor_for(world.members["nurse"], world.clinic)
    for session in (first, later):
        services.add_photo(actor, session, jpeg_upload(), "front")
    services.add_photo(actor, later, jpeg_upload(), "close_up")

    page = login(world.members["practitioner"]).get(
        f"/charting/patients/{first.patient_id}/photos/"
    )

    text = page.content.decode()
    assert page.status_code == 200
    assert text.count("/image/") == 3
    assert text.index("Front") < text.index("Close-up")


def test_a_photo_is_uploaded_from_the_session_page(
    world: World, login: Callable[..., Client]
) -> None:
    session = _session(world)
    client = login(world.members["nurse"])
    response = client.post(
        f"/charting/sessions/{session.pk}/photos/upload/",
        {"file": jpeg_upload(), "view": "back"},
    )
    assert response.status_code == 302
    assert SessionPhoto.objects.get().view == "back"
