"""Charting writes: record a session (one transaction with its stock draws), sign, amend, and
add a photo.

Every refusal is a `ValidationError` naming the field at fault, with the reason in
words; nothing is saved when any check fails. Field names follow the request's shape,
e.g. "injections.3.depth_mm" or "injections.0.components.1.lot_id".
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from mesotrace.accounts.access import Actor
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.catalogue.models import BodyZone
from mesotrace.charting.models import LotUseOverride, PhotoView, SessionAmendment, SessionPhoto
from mesotrace.charting.queries import (
    payload_catalogue,
    readiness_problems,
    recent_weight,
    session_for_key,
)
from mesotrace.charting.rules import (
    AMENDABLE_SESSION,
    HOW_TO_OVERRIDE,
    MAX_REASON,
    NOT_AMENDABLE,
    Catalogue,
    DrugUse,
    Weight,
    amendable,
    depth_range,
    dose_overrides,
    dose_problems,
    drug_uses,
    fingerprint,
    limit_problems,
    lot_totals,
    overridden_lots,
    performed_at,
    point_errors,
    totals_by_lot,
)
from mesotrace.charting.schemas import InjectionIn, SessionIn
from mesotrace.consent.models import PhotoConsent
from mesotrace.consent.queries import valid_photo_consent
from mesotrace.core.clock import clinic_today, local_date
from mesotrace.inventory.models import Lot, LotStatus, StockMovement
from mesotrace.inventory.queries.stock import lot_problem
from mesotrace.inventory.rules import StockRefused
from mesotrace.inventory.services.stock import draw, import_draw
from mesotrace.outcomes.queries.measurements import split_body_rule
from mesotrace.practitioners.models import Practitioner
from mesotrace.safety.services import exposure
from mesotrace.treatments.models import (
    Appointment,
    Injection,
    InjectionComponent,
    SessionStatus,
    TreatmentPlan,
    TreatmentSession,
)
from mesotrace.treatments.services.schedule import complete_appointment

SESSION_FIELDS = ["appointment", "practitioner", "performed_on", *AMENDABLE_SESSION, "status"]
MAX_PHOTO_BYTES = 15 * 1024 * 1024
# 24 megapixels (6000 x 4000, a full-frame camera's photo) decode in about 72 MB per copy;
# a 39.7 MP PNG of 112 kB had raised a worker from 362 to 828 MB. The size is read from
# the header, before anything is decoded.
MAX_PHOTO_PIXELS = 24_000_000
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
JPEG_QUALITY = 90


# --- Recording --------------------------------------------------------------------------


@transaction.atomic
def record_session(
    actor: Actor, appointment: Appointment, payload: SessionIn, idempotency_key: str
) -> TreatmentSession:
    """Charts a session in one transaction: injections, their mix and lots, stock, audit.

    A retry with the same idempotency key returns the first session and changes nothing;
    the same key with a different payload is refused.
    """
    clinic = appointment.clinic
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 100:
        raise ValidationError(
            {"idempotency_key": _("Send an idempotency key of 8 to 100 characters.")}
        )
    existing = session_for_key(clinic, key, payload)
    if existing is not None:
        return existing
    try:
        # A savepoint: a simultaneous submit that wins the insert undoes only this attempt.
        with transaction.atomic():
            return _record(actor, appointment, payload, key)
    except IntegrityError:
        # A simultaneous submit with the same key won the insert: hand back its session.
        existing = session_for_key(clinic, key, payload)
        if existing is None:
            raise ValidationError(
                {"appointment_id": _("This appointment was charted at the same moment.")}
            ) from None
        return existing


# What charting reads of the appointment, loaded with it under its lock.
_CHARTED_WITH = (
    "clinic",
    "patient",
    "practitioner",
    "plan",
    "plan__clinic",
    "plan__patient",
    "plan__protocol",
)


def _record(
    actor: Actor, appointment: Appointment, payload: SessionIn, key: str
) -> TreatmentSession:
    # The appointment's row serialises two charts of one appointment (and two retries).
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related(*_CHARTED_WITH)
        .get(pk=appointment.pk)
    )
    clinic = appointment.clinic
    existing = session_for_key(clinic, key, payload)
    if existing is not None:
        return existing
    practitioner = _practitioner(appointment, payload.practitioner_id)
    errors = readiness_problems(appointment, practitioner)
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    assert practitioner is not None
    on = performed_at(appointment)
    found = payload_catalogue(clinic, payload)
    overridden = overridden_lots(actor, payload, found.lots)
    uses = drug_uses(payload, found)
    lifted = dose_overrides(actor, payload.dose_overrides, uses)
    weight = recent_weight(appointment.patient, on) if uses else None
    zones = _check_payload(appointment.plan, payload, on, found, overridden)
    _check_doses(uses, weight, lifted)
    session = _create_session(actor, appointment, practitioner, payload, key, on)
    injections = _create_injections(session, payload, zones)
    movements = _draw_stock(actor, session, payload, found, on, overridden)
    _create_components(session, payload, injections, movements)
    used = ((c.product_id, c.lot_id) for point in payload.injections for c in point.components)
    exposure.count_session(session, used)  # the safety signals' sessions per lot
    _record_overrides(actor, session, payload, found)
    complete_appointment(actor, appointment)
    changes = audit.diff({}, audit.snapshot(session, SESSION_FIELDS))
    details: dict[str, Any] = {
        "points": len(payload.injections),
        "lots": totals_by_lot(payload, found),
    }
    if payload.dose_overrides:
        details["dose_overrides"] = [
            {"compound": o.compound_id, "reason": o.reason.strip()} for o in payload.dose_overrides
        ]
    if uses:
        details["drugs_mg"] = {str(k): str(u.total_mg) for k, u in sorted(uses.items())}
        details["weight_kg"] = None if weight is None else str(weight.kg)
    audit.record(actor, AuditAction.CREATE, session, changes=changes, details=details)
    return session


def _practitioner(appointment: Appointment, practitioner_id: int | None) -> Practitioner | None:
    if practitioner_id is None:
        return appointment.practitioner
    return Practitioner.objects.for_clinic(appointment.clinic).filter(pk=practitioner_id).first()


def _check_payload(
    plan: TreatmentPlan,
    payload: SessionIn,
    on: datetime.datetime,
    found: Catalogue,
    overridden: frozenset[int],
) -> dict[int, BodyZone]:
    """Every point, mix, lot and dose of the payload; the zone of each point when all pass."""
    errors, zones = point_errors(payload, plan.protocol, found, split_body_rule(plan))
    if not errors:
        for lot_id, (volume, field) in lot_totals(payload).items():
            lot = found.lots[lot_id]
            lifted = lot_id in overridden
            problem = lot_problem(lot, plan.clinic, on, volume, investigation_overridden=lifted)
            if problem and lot.status == LotStatus.UNDER_INVESTIGATION and not lifted:
                problem = f"{problem} {HOW_TO_OVERRIDE}"
            if problem:
                errors.add(field, problem)
        used = [(c.product_id, c.volume_ml) for i in payload.injections for c in i.components]
        for message in dose_problems(used, found.components, found.products):
            errors.add("injections", message)
    errors.raise_if_any()
    return zones


def _check_doses(uses: dict[int, DrugUse], weight: Weight | None, lifted: frozenset[int]) -> None:
    """Every dose limit of every drug, summed over the whole session."""
    problems = limit_problems(uses, weight, lifted)
    if problems:
        raise ValidationError({"injections": problems})


def _create_session(
    actor: Actor,
    appointment: Appointment,
    practitioner: Practitioner,
    payload: SessionIn,
    key: str,
    on: datetime.datetime,
) -> TreatmentSession:
    session = TreatmentSession(
        clinic=appointment.clinic,
        appointment=appointment,
        plan=appointment.plan,
        patient=appointment.patient,
        practitioner=practitioner,
        performed_on=local_date(appointment.clinic, on),
        anaesthetic=payload.anaesthetic,
        anaesthetic_note=payload.anaesthetic_note,
        pain_score=payload.pain_score,
        immediate_reactions=payload.immediate_reactions,
        notes=payload.notes,
        charges=payload.charges,
        currency=appointment.clinic.currency,
        charted_by=actor.user,
        idempotency_key=key,
        request_fingerprint=fingerprint(payload),
    )
    session.save()
    return session


def _create_injections(
    session: TreatmentSession, payload: SessionIn, zones: Mapping[int, BodyZone]
) -> list[Injection]:
    rows = [
        _point_row(session, index + 1, point, zones[index])
        for index, point in enumerate(payload.injections)
    ]
    return Injection.objects.bulk_create(rows)


def _point_row(
    session: TreatmentSession, number: int, point: InjectionIn | ImportedPoint, zone: BodyZone
) -> Injection:
    """One injection point's row, charted here or imported: its volume is its mix's."""
    return Injection(
        clinic=session.clinic,
        session=session,
        number=number,
        view=point.view,
        x=point.x,
        y=point.y,
        zone=zone,
        volume_ml=sum((c.volume_ml for c in point.components), Decimal("0")),
        depth_mm=point.depth_mm,
        needle_gauge=point.needle_gauge,
        needle_length_mm=point.needle_length_mm,
        technique=point.technique,
    )


def _draw_stock(
    actor: Actor,
    session: TreatmentSession,
    payload: SessionIn,
    found: Catalogue,
    on: datetime.datetime,
    overridden: frozenset[int],
) -> dict[int, StockMovement]:
    """One "used" movement per lot for the session's total; lots locked in id order. An
    overridden lot's investigation is lifted for this session only."""
    movements = {}
    for lot_id, (volume, field) in sorted(lot_totals(payload).items()):
        try:
            movements[lot_id] = draw(
                actor,
                found.lots[lot_id],
                volume,
                on,
                reference=f"session {session.pk}",
                clinic=session.clinic,
                patient_id=session.patient_id,
                investigation_overridden=lot_id in overridden,
            )
        except StockRefused as refused:
            raise ValidationError({field: [refused.message]}) from None
    return movements


def _create_components(
    session: TreatmentSession,
    payload: SessionIn,
    injections: Sequence[Injection],
    movements: Mapping[int, StockMovement],
) -> None:
    InjectionComponent.objects.bulk_create(
        [
            InjectionComponent(
                clinic=session.clinic,
                injection=injection,
                product_id=component.product_id,
                lot_id=component.lot_id,
                volume_ml=component.volume_ml,
                movement=movements[component.lot_id],
            )
            for injection, point in zip(injections, payload.injections, strict=True)
            for component in point.components
        ]
    )


def _record_overrides(
    actor: Actor, session: TreatmentSession, payload: SessionIn, found: Catalogue
) -> None:
    """One row and one audit entry per lot under investigation an owner charted anyway."""
    for item in payload.lot_overrides:
        lot = found.lots[item.lot_id]
        assert actor.user is not None  # overridden_lots admitted an owner's membership
        row = LotUseOverride.objects.create(
            clinic=session.clinic,
            lot=lot,
            session=session,
            reason=item.reason.strip(),
            by=actor.user,
            at=timezone.now(),
        )
        details = {
            "lot": lot.pk,
            "lot_number": lot.lot_number,
            "session": session.pk,
            "reason": row.reason,
            "lot_status_reason": lot.status_reason,
        }
        audit.record(actor, AuditAction.CREATE, row, patient_id=session.patient_id, details=details)


# --- Sign-off and amendments ------------------------------------------------------------


@transaction.atomic
def sign_session(actor: Actor, session: TreatmentSession) -> TreatmentSession:
    """The charting practitioner signs the session; from then on it changes only by amendment."""
    session = (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("practitioner")
        .get(pk=session.pk)
    )
    if session.is_signed:
        raise ValidationError({"status": _("This session is already signed.")})
    practitioner = session.practitioner
    if practitioner.user_id is None:
        raise ValidationError(
            {
                "status": _(
                    "%(name)s has no user account, so cannot sign: link one on the "
                    "practitioner's page."
                )
                % {"name": practitioner.full_name}
            }
        )
    if actor.user is None or actor.user.pk != practitioner.user_id:
        raise ValidationError(
            {
                "status": _("Only %(name)s, who performed this session, can sign it.")
                % {"name": practitioner.full_name}
            }
        )
    session.status = SessionStatus.SIGNED
    session.signed_at = timezone.now()
    session.signed_by = actor.user
    session.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
    signed = {"status": {"before": SessionStatus.DRAFT, "after": SessionStatus.SIGNED}}
    audit.record(actor, AuditAction.UPDATE, session, changes=signed)
    return session


@dataclass(frozen=True)
class Correction:
    """One corrected value: a session field ("pain_score"), or a point's field named
    "injections.<point>.<field>" (e.g. "injections.3.depth_mm")."""

    field: str
    value: Any


def _field_value(instance: Any, name: str, value: Any) -> Any:
    """The value converted and validated the way the model field would store it."""
    field = instance._meta.get_field(name)
    try:
        cleaned = field.clean(field.to_python(value), instance)
    except ValidationError as error:
        raise ValidationError({name: error.messages}) from None
    if isinstance(cleaned, Decimal) and isinstance(field, models.DecimalField):
        cleaned = cleaned.quantize(Decimal(1).scaleb(-field.decimal_places))
    return cleaned


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _amend_injection(
    session: TreatmentSession, key: str, value: Any, changes: dict[str, Any]
) -> Injection:
    _prefix, number, name = key.split(".", 2)
    injection = (
        Injection.objects.for_clinic(session.clinic)
        .filter(session=session, number=int(number) if number.isdigit() else -1)
        .first()
    )
    if injection is None:
        raise ValidationError({key: _("This session has no point %(n)s.") % {"n": number}})
    try:
        new = _field_value(injection, name, value)
    except ValidationError as error:
        raise ValidationError({key: error.messages}) from None
    if name == "depth_mm":
        low, high = depth_range(session.plan.protocol)
        if not low <= new <= high:
            raise ValidationError(
                {
                    key: _("Outside the protocol's depth range, %(low)s to %(high)s mm.")
                    % {"low": low, "high": high}
                }
            )
    old = getattr(injection, name)
    if new != old:
        changes[key] = {"before": _plain(old), "after": _plain(new)}
        setattr(injection, name, new)
    return injection


@transaction.atomic
def amend_session(
    actor: Actor, session: TreatmentSession, reason: str, corrections: Sequence[Correction]
) -> SessionAmendment:
    """Corrects a saved session for a stated reason; the amendment keeps what it replaced."""
    session = (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("plan__protocol")
        .get(pk=session.pk)
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": MAX_REASON}})
    if actor.user is None:
        raise ValidationError({"reason": _("Only a signed-in member can amend a session.")})
    values = {correction.field: correction.value for correction in corrections}
    refused = sorted(key for key in values if not amendable(key))
    if refused:
        raise ValidationError({key: [NOT_AMENDABLE] for key in refused})
    changes: dict[str, Any] = {}
    injections = [
        _amend_injection(session, key, value, changes)
        for key, value in values.items()
        if key.startswith("injections.")
    ]
    _amend_fields(session, values, changes)
    if not changes:
        raise ValidationError({"changes": _("Nothing would change.")})
    session.save()
    for injection in injections:
        injection.save()
    amendment = SessionAmendment.objects.create(
        clinic=session.clinic,
        session=session,
        reason=reason,
        by=actor.user,
        at=timezone.now(),
        changes=changes,
    )
    details = {"amendment": amendment.pk, "reason": reason}
    audit.record(actor, AuditAction.UPDATE, session, changes=changes, details=details)
    return amendment


def _amend_fields(
    session: TreatmentSession, values: Mapping[str, Any], changes: dict[str, Any]
) -> None:
    for name in AMENDABLE_SESSION:
        if name not in values:
            continue
        value = values[name]
        if value is None and name != "pain_score":
            value = ""
        new = (
            _field_value(session, name, value)
            if value not in (None, "")
            or name
            in {
                "anaesthetic_note",
                "immediate_reactions",
                "notes",
            }
            else None
        )
        if name == "anaesthetic" and new is None:
            raise ValidationError({name: _("Choose an anaesthetic, or none.")})
        if name == "charges" and new is None:
            raise ValidationError({name: _("Give the charges, 0 if none.")})
        old = getattr(session, name)
        if new != old:
            changes[name] = {"before": _plain(old), "after": _plain(new)}
            setattr(session, name, new)


# --- Photos -----------------------------------------------------------------------------


def _refuse(message: str, field: str = "file") -> ValidationError:
    return ValidationError({field: [message]})


def _clean_image(upload: UploadedFile) -> tuple[bytes, int, int]:
    """The photo as a JPEG with no metadata, with its width and height; refusals say why.

    Pillow decodes the upload and a fresh image is built from its pixels alone, so EXIF
    (GPS, camera, time), XMP, ICC and comments cannot survive. The orientation EXIF asked
    for is applied to the pixels first, so the photo still stands the right way up.
    """
    if upload.size is None or upload.size == 0:
        raise _refuse(_("The file is empty."))
    if upload.size > MAX_PHOTO_BYTES:
        raise _refuse(
            _("The file is %(size)s MB; at most %(max)s MB.")
            % {
                "size": round(upload.size / 1024 / 1024, 1),
                "max": MAX_PHOTO_BYTES // 1024 // 1024,
            }
        )
    try:
        with Image.open(upload) as probe:
            kind = probe.format
            width, height = probe.size
        if kind not in PHOTO_FORMATS:
            raise _refuse(_("Send a JPEG, PNG or WebP photo, not %(kind)s.") % {"kind": kind})
        if width * height > MAX_PHOTO_PIXELS:
            raise _refuse(
                _("The photo has %(mp)s megapixels; at most %(max)s.")
                % {"mp": round(width * height / 1e6, 1), "max": MAX_PHOTO_PIXELS // 1_000_000}
            )
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
    """Stores one photo of the session, re-encoded without its metadata; refused without the
    patient's photo consent."""
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
    data, width, height = _clean_image(upload)
    digest = hashlib.sha256(data).hexdigest()
    photo = SessionPhoto(clinic=session.clinic, session=session, patient=session.patient)
    photo.view, photo.zone, photo.taken_at = view, zone, taken_at or timezone.now()
    photo.width, photo.height, photo.sha256 = width, height, digest
    photo.uploaded_by, photo.consent = actor.user, consent
    photo.file.save(f"{digest}.jpg", ContentFile(data), save=False)
    photo.save()
    details = {
        "session": session.pk,
        "view": view,
        "zone": zone.slug if zone else "",
        "sha256": digest,
        "consent": consent.pk,
    }
    audit.record(actor, AuditAction.CREATE, photo, details=details)
    return photo


@transaction.atomic
def import_photo(
    actor: Actor,
    session: TreatmentSession,
    image: bytes,
    view: str,
    zone: BodyZone | None,
    taken_at: datetime.datetime,
    consent: PhotoConsent,
) -> SessionPhoto:
    """Keeps a photo another system took at a session, under the consent it was taken with.

    A JPEG that carries no metadata (as Mesotrace stores every photo) is kept byte for byte,
    so its hash is the sender's; any other image is cleaned as an upload is.
    """
    if view not in PhotoView.values:
        raise _refuse(_("Choose the view: front, back, left, right or close-up."), "view")
    if consent.patient_id != session.patient_id:
        raise _refuse(_("The photo consent is another patient's."), "consent")
    kept = _bare_jpeg(image)
    if kept is None:
        data, width, height = _clean_image(SimpleUploadedFile("photo", image))
    else:
        data, (width, height) = image, kept
    digest = hashlib.sha256(data).hexdigest()
    photo = SessionPhoto(clinic=session.clinic, session=session, patient=session.patient)
    photo.view, photo.zone, photo.taken_at = view, zone, taken_at
    photo.width, photo.height, photo.sha256 = width, height, digest
    photo.uploaded_by, photo.consent = actor.user, consent
    photo.file.save(f"{digest}.jpg", ContentFile(data), save=False)
    photo.save()
    details = {"session": session.pk, "sha256": digest, "consent": consent.pk, "imported": True}
    audit.record(actor, AuditAction.CREATE, photo, details=details)
    return photo


_METADATA = {"exif", "icc_profile", "comment", "xmp", "photoshop", "adobe"}


def _bare_jpeg(image: bytes) -> tuple[int, int] | None:
    """The size of a JPEG with no metadata to strip, else None (it needs cleaning)."""
    try:
        with Image.open(io.BytesIO(image)) as probe:
            if probe.format != "JPEG" or _METADATA & set(probe.info) or probe.getexif():
                return None
            if probe.width * probe.height > MAX_PHOTO_PIXELS or len(image) > MAX_PHOTO_BYTES:
                return None
            probe.load()
            return probe.size
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None


# --- Importing another system's sessions --------------------------------------------------


@dataclass(frozen=True)
class ImportedComponent:
    product_id: int
    lot: Lot
    volume_ml: Decimal


@dataclass(frozen=True)
class ImportedPoint:
    number: int
    view: str
    x: Decimal
    y: Decimal
    zone: BodyZone
    depth_mm: Decimal
    needle_gauge: int
    needle_length_mm: Decimal
    technique: str
    components: tuple[ImportedComponent, ...]


@dataclass(frozen=True)
class ImportedSession:
    """A session another system charted: what it says was done, point by point."""

    performed_on: datetime.date
    practitioner: Practitioner
    signed: bool
    points: tuple[ImportedPoint, ...]
    notes: str = ""
    immediate_reactions: str = ""
    anaesthetic: str = "none"
    anaesthetic_note: str = ""
    pain_score: int | None = None
    charges: Decimal = Decimal("0")
    key: str = ""


@transaction.atomic
def import_session(
    actor: Actor, appointment: Appointment, data: ImportedSession
) -> TreatmentSession:
    """Charts a session imported from another system, as it was charted there.

    `record_session` refuses what is history here: a date in the past, a lot now expired
    or recalled, stock this clinic never had, consent signed elsewhere. This path keeps the
    session's own rules (each row's field checks, point numbers once, stock never below
    zero: the lots come from `inventory.import_lot`), draws each lot with a "used"
    movement, counts the exposure for the safety signals, and audits it as imported.
    """
    session = TreatmentSession(
        clinic=appointment.clinic,
        appointment=appointment,
        plan=appointment.plan,
        patient=appointment.patient,
        practitioner=data.practitioner,
        performed_on=data.performed_on,
        immediate_reactions=data.immediate_reactions,
        notes=data.notes,
        anaesthetic=data.anaesthetic,
        anaesthetic_note=data.anaesthetic_note,
        pain_score=data.pain_score,
        charges=data.charges,
        currency=appointment.clinic.currency,
        charted_by=actor.user,
        status=SessionStatus.SIGNED if data.signed else SessionStatus.DRAFT,
        signed_at=timezone.now() if data.signed else None,
        idempotency_key=data.key[:100] or f"import-{appointment.pk}",
        request_fingerprint="imported",
    )
    session.full_clean(exclude=["clinic", "appointment", "plan", "patient", "practitioner"])
    session.save()
    points = [_imported_point(session, point) for point in data.points]
    injections = Injection.objects.bulk_create(points)
    totals: dict[int, Decimal] = {}
    lots = {c.lot.pk: c.lot for p in data.points for c in p.components}
    for component in (c for p in data.points for c in p.components):
        totals[component.lot.pk] = totals.get(component.lot.pk, Decimal("0")) + component.volume_ml
    on = datetime.datetime.combine(data.performed_on, datetime.time(12))
    movements = {
        pk: import_draw(actor, lots[pk], total, on, f"session {session.pk}", session.patient_id)
        for pk, total in sorted(totals.items())
    }
    InjectionComponent.objects.bulk_create(
        InjectionComponent(
            clinic=session.clinic,
            injection=injection,
            product_id=component.product_id,
            lot=component.lot,
            volume_ml=component.volume_ml,
            movement=movements[component.lot.pk],
        )
        for injection, point in zip(injections, data.points, strict=True)
        for component in point.components
    )
    used = ((c.product_id, c.lot.pk) for p in data.points for c in p.components)
    exposure.count_session(session, used)
    changes = audit.diff({}, audit.snapshot(session, SESSION_FIELDS))
    details = {"points": len(points), "imported": True}
    audit.record(actor, AuditAction.CREATE, session, changes=changes, details=details)
    return session


def _imported_point(session: TreatmentSession, point: ImportedPoint) -> Injection:
    row = _point_row(session, point.number, point, point.zone)
    try:
        row.full_clean(exclude=["clinic", "session", "zone"], validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(
            {f"point {point.number}.{name}": texts for name, texts in error.message_dict.items()}
        ) from None
    return row
