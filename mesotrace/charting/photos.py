"""Session photos: checked, re-encoded without any metadata, stored, and read back.

Pillow decodes the upload and a fresh image is built from its pixels alone, so EXIF
(GPS, camera, time), XMP, ICC and comments cannot survive. The orientation EXIF asked
for is applied to the pixels first, so the photo still stands the right way up.
"""

from __future__ import annotations

import datetime
import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from mesotrace.accounts.access import Actor
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.models import BodyZone
from mesotrace.charting.models import PhotoView, SessionPhoto
from mesotrace.consent.queries import valid_photo_consent
from mesotrace.core.clock import clinic_today
from mesotrace.treatments.models import TreatmentSession

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
ACCEPTED = {"JPEG", "PNG", "WEBP"}
JPEG_QUALITY = 90


def _refuse(message: str, field: str = "file") -> ValidationError:
    return ValidationError({field: [message]})


def clean_image(upload: UploadedFile) -> tuple[bytes, int, int]:
    """The photo as a metadata-free JPEG, with its width and height; refusals say why."""
    if upload.size is None or upload.size == 0:
        raise _refuse(_("The file is empty."))
    if upload.size > MAX_BYTES:
        raise _refuse(
            _("The file is %(size)s MB; at most %(max)s MB.")
            % {"size": round(upload.size / 1024 / 1024, 1), "max": MAX_BYTES // 1024 // 1024}
        )
    try:
        with Image.open(upload) as probe:
            kind = probe.format
            width, height = probe.size
        if kind not in ACCEPTED:
            raise _refuse(_("Send a JPEG, PNG or WebP photo, not %(kind)s.") % {"kind": kind})
        if width * height > MAX_PIXELS:
            raise _refuse(_("The photo has too many pixels (at most 40 megapixels)."))
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise _refuse(_("This file is not a photo Mesotrace can read.")) from None
    bare = Image.frombytes("RGB", upright.size, upright.tobytes())
    out = io.BytesIO()
    bare.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), bare.width, bare.height


@transaction.atomic
def add_photo(
    actor: Actor,
    session: TreatmentSession,
    upload: UploadedFile,
    view: str,
    zone: BodyZone | None = None,
    taken_at: datetime.datetime | None = None,
) -> SessionPhoto:
    """Stores one photo of the session; refused without the patient's photo consent."""
    if view not in PhotoView.values:
        raise _refuse(_("Choose the view: front, back, left, right or close-up."), "view")
    consent = valid_photo_consent(session.patient, clinic_today(session.clinic))
    if consent is None:
        raise _refuse(
            _(
                "%(name)s has no valid photo consent for the clinical record: record it on "
                "the patient's photo consent page first."
            )
            % {"name": f"{session.patient.family_name.upper()} {session.patient.given_name}"},
            "consent",
        )
    data, width, height = clean_image(upload)
    digest = hashlib.sha256(data).hexdigest()
    photo = SessionPhoto(
        clinic=session.clinic,
        session=session,
        patient=session.patient,
        view=view,
        zone=zone,
        width=width,
        height=height,
        sha256=digest,
        taken_at=taken_at or timezone.now(),
        uploaded_by=actor.user,
        consent=consent,
    )
    photo.file.save(f"{digest}.jpg", ContentFile(data), save=False)
    photo.save()
    audit.record(
        actor,
        AuditAction.CREATE,
        ObjectType.SESSION_PHOTO,
        object_id=photo.pk,
        patient_id=session.patient_id,
        details={
            "session": session.pk,
            "view": view,
            "zone": zone.slug if zone else "",
            "sha256": digest,
            "consent": consent.pk,
        },
        clinic=session.clinic,
    )
    return photo


def record_photo_read(actor: Actor, photo: SessionPhoto) -> None:
    audit.record(
        actor,
        AuditAction.VIEW,
        ObjectType.SESSION_PHOTO,
        object_id=photo.pk,
        patient_id=photo.patient_id,
        clinic=photo.clinic,
    )


def before_after(photos: list[SessionPhoto]) -> list[tuple[str, list[SessionPhoto]]]:
    """The patient's photos by view, each view's in the order they were taken."""
    by_view: dict[str, list[SessionPhoto]] = {}
    for photo in sorted(photos, key=lambda p: (p.taken_at, p.pk)):
        by_view.setdefault(photo.view, []).append(photo)
    labels = dict(PhotoView.choices)
    return [(str(labels[v]), by_view[v]) for v in PhotoView.values if v in by_view]
