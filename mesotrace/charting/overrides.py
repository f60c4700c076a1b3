"""An owner's override, for one session, of the refusal of a lot under investigation.

Only a lot under investigation can be overridden (a recalled or expired lot never), only
by an owner, only with a reason; every other check of the lot (expiry, receipt, opened
vial, stock) still applies. The override is recorded with the session and audited.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.charting.models import LotUseOverride
from mesotrace.charting.schemas import LotOverrideIn, SessionIn
from mesotrace.inventory.models import Lot, LotStatus, StockMovement
from mesotrace.inventory.queries.stock import lot_problem
from mesotrace.inventory.services.stock import draw
from mesotrace.treatments.models import TreatmentSession

PERMISSION = "lot.override_investigation"
HOW_TO_OVERRIDE = _lazy(
    "Only an owner can override this, for one session, with a reason; otherwise choose another lot."
)


def _lot_error(item: LotOverrideIn, lot: Lot | None, used: Collection[int]) -> str | None:
    if lot is None or item.lot_id not in used:
        return _("This session uses no lot with id %(id)s.") % {"id": item.lot_id}
    if lot.status != LotStatus.UNDER_INVESTIGATION:
        return _("Lot %(lot)s is %(status)s: only a lot under investigation can be overridden.") % {
            "lot": lot.lot_number,
            "status": lot.get_status_display().lower(),
        }
    return None


def overridden_lots(actor: Actor, payload: SessionIn, lots: Mapping[int, Lot]) -> frozenset[int]:
    """The ids of the lots the payload's overrides allow; refuses a bad override outright."""
    if not payload.lot_overrides:
        return frozenset()
    membership = actor.membership
    if membership is None or not membership.may(PERMISSION):
        raise ValidationError(
            {
                "lot_overrides": _(
                    "Only an owner can chart with a lot under investigation; ask the owner, "
                    "or choose another lot."
                )
            }
        )
    used = {c.lot_id for i in payload.injections for c in i.components}
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(payload.lot_overrides):
        problem = _lot_error(item, lots.get(item.lot_id), used)
        if problem:
            errors[f"lot_overrides.{index}.lot_id"] = [problem]
        if not item.reason.strip():
            errors[f"lot_overrides.{index}.reason"] = [
                _("Give the reason for charting with this lot while it is under investigation.")
            ]
    if errors:
        raise ValidationError(errors)
    return frozenset(item.lot_id for item in payload.lot_overrides)


def lot_problem_overridden(
    lot: Lot, clinic: Clinic, on: datetime.datetime, volume: Decimal
) -> str | None:
    """`inventory.lot_problem` for an overridden lot: its investigation is not counted."""
    return lot_problem(lot, clinic, on, volume, investigation_overridden=True)


def draw_overridden(
    actor: Actor, lot: Lot, volume: Decimal, on: datetime.datetime, session: TreatmentSession
) -> StockMovement:
    """`inventory.draw` with the lot's investigation lifted, for this session only."""
    return draw(
        actor,
        lot,
        volume,
        on,
        reference=f"session {session.pk}",
        clinic=session.clinic,
        patient_id=session.patient_id,
        investigation_overridden=True,
    )


def record_overrides(
    actor: Actor, session: TreatmentSession, payload: SessionIn, lots: Mapping[int, Lot]
) -> list[LotUseOverride]:
    """One row and one audit entry per overridden lot of the session."""
    rows = []
    for item in payload.lot_overrides:
        lot = lots[item.lot_id]
        assert actor.user is not None  # overridden_lots admitted an owner's membership
        row = LotUseOverride.objects.create(
            clinic=session.clinic,
            lot=lot,
            session=session,
            reason=item.reason.strip(),
            by=actor.user,
            at=timezone.now(),
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            ObjectType.LOT_USE_OVERRIDE,
            object_id=row.pk,
            patient_id=session.patient_id,
            details={
                "lot": lot.pk,
                "lot_number": lot.lot_number,
                "session": session.pk,
                "reason": row.reason,
                "lot_status_reason": lot.status_reason,
            },
            clinic=session.clinic,
        )
        rows.append(row)
    return rows
