"""`manage.py rebuild_exposure_counts` and the migration recount sessions from the mix lines.

Sessions loaded in bulk (the network generator writes mix lines without charting) have no
kept counts until a rebuild; the migration builds them for sessions charted before it.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from mesotrace.accounts.models import Clinic
from mesotrace.inventory.models import Lot
from mesotrace.safety.models import ExposureCount, ExposureLevel, ExposureMix
from mesotrace.safety.queries import exposure
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import World
from tests.inventory.builders import receive
from tests.treatments.builders import ensure_starter_catalogue

BEFORE = [("safety", "0002_exposure_counts")]


def kept(clinic: Clinic) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    return (
        exposure.sessions_per(clinic, ExposureLevel.LOT),
        exposure.sessions_per(clinic, ExposureLevel.PRODUCT),
        exposure.sessions_per_compound(clinic),
    )


def _charted(world: World) -> None:
    one, two = minoxidil_lot(world.clinic), receive(world.clinic, "LD-1")
    record(chartable(world), payload(point(one), point(one)))
    record(chartable(world), payload(point(one), point(two)))


def _wipe() -> None:
    ExposureCount.objects.all().delete()
    ExposureMix.objects.all().delete()


@pytest.mark.django_db
def test_the_command_rebuilds_a_clinics_counts_from_its_mix_lines(world: World) -> None:
    _charted(world)
    charted = kept(world.clinic)
    _wipe()
    out = io.StringIO()

    call_command("rebuild_exposure_counts", "--clinic", world.clinic.slug, stdout=out)

    assert kept(world.clinic) == charted
    lots = Lot.objects.for_clinic(world.clinic).order_by("pk")
    assert charted[0] == {lot.pk: n for lot, n in zip(lots, (2, 1), strict=True)}
    assert "alpha: 2 lots, 2 products, 2 product mixes" in out.getvalue()


@pytest.mark.django_db
def test_the_command_corrects_counts_that_drifted(world: World) -> None:
    _charted(world)
    charted = kept(world.clinic)
    ExposureCount.objects.filter(level=ExposureLevel.LOT).update(sessions=99)

    call_command("rebuild_exposure_counts", stdout=io.StringIO())

    assert kept(world.clinic) == charted


@pytest.mark.django_db
def test_an_unknown_clinic_is_refused(world: World) -> None:
    with pytest.raises(CommandError, match="No clinic with slug “nowhere”"):
        call_command("rebuild_exposure_counts", "--clinic", "nowhere")


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_sessions_charted_before_it(world: World) -> None:
    ensure_starter_catalogue()  # an earlier transactional test's flush may have removed it
    _charted(world)
    charted = kept(world.clinic)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()  # back to here afterwards, whatever came later
    executor.migrate(BEFORE)
    assert not ExposureCount.objects.exists()

    executor.loader.build_graph()
    executor.migrate(latest)

    assert kept(world.clinic) == charted
    assert kept(world.other_clinic) == ({}, {}, {})
