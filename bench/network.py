"""A large synthetic clinic network for the lot-trace benchmark: charted sessions, their
injections and mixes, the lots they drew from and every stock movement, in bulk.

Clinics, physicians and patients come from the demo generator. Everything charted is drawn
column by column with numpy from one seed and written by raw SQL (executemany on SQLite,
COPY on PostgreSQL), so ten million injections load in minutes; the same size and seed give
the same network. Refuses production. `bulk=True` also drops the loaded tables' secondary
indexes and rebuilds them afterwards, and skips per-row foreign-key checks (the rows are
valid by construction; the tests check them with the checks on): an empty benchmark
database only.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, models, transaction

from bench.bulk import (
    Take,
    analyze,
    create_indexes,
    drop_indexes,
    fast_writes,
    first_id,
    load,
    refuse_bulk_in_transaction,
    reset_sequences,
    secondary_indexes,
)
from mesotrace.accounts import services as accounts
from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.models import BodyZone, Product, Protocol, Technique
from mesotrace.catalogue.queries import protocol_allowed
from mesotrace.demo.generator import (
    DEFAULT_SEED,
    DemoError,
    Writer,
    bulk_patients,
    country_for,
    refuse_production,
    synthetic_patient,
)
from mesotrace.demo.inventory import SUPPLIER
from mesotrace.demo.treatments import PRICES, SESSION_MINUTES
from mesotrace.inventory.models import MAX_QUANTITY_ML, Lot, MovementKind, StockMovement
from mesotrace.patients.models import Patient, PregnancyStatus
from mesotrace.practitioners import services as practitioners
from mesotrace.practitioners.models import Practitioner, Qualification
from mesotrace.safety.services import exposure
from mesotrace.treatments.models import (
    MAX_SESSIONS,
    Anaesthetic,
    Appointment,
    AppointmentStatus,
    Injection,
    InjectionComponent,
    PlanStatus,
    SessionStatus,
    TreatmentPlan,
    TreatmentSession,
)
from mesotrace.treatments.rules.bodymap import VIEWS, region_at
from mesotrace.treatments.rules.screening import ADULT_AGE

Ints = npt.NDArray[np.int64]

DEFAULT_CLINICS = 10
DEFAULT_PATIENTS = 100_000
DEFAULT_INJECTIONS = 10_000_000
# Without an explicit lot count: one lot per this many injections, a few thousand at 10M.
INJECTIONS_PER_LOT = 2_500
POINTS_PER_SESSION = (10, 40)  # a scalp, face or thigh session is a few dozen points
TWO_PRODUCT_SHARE = 0.5  # of sessions whose protocol mixes several products
COMPONENT_UL = (20, 200)  # per product per point, in microlitres, in steps of 10
PHYSICIANS_PER_CLINIC = 3
FIRST_DAY = datetime.date(2023, 1, 1)  # fixed, so a seed gives the same network in any year
DAYS = 3 * 365
SLOTS_PER_DAY = 18  # half-hour slots from opening
POINTS_PER_ZONE = 16
MAX_LOT_UL = int(MAX_QUANTITY_ML) * 1000 // 2  # half the largest delivery the model accepts
# (jurisdiction, time zone, currency, licence jurisdiction, opening hour in UTC: 9:00 in
# Paris and 8:00 in New York in winter; the day's date is the same in UTC and locally).
NETWORK = (("FR", "Europe/Paris", "EUR", "FR", 8), ("US", "America/New_York", "USD", "US-NY", 13))
ANAESTHETICS = (Anaesthetic.NONE.value, Anaesthetic.TOPICAL.value, Anaesthetic.COLD.value)
# The tables written here, in the order they are written (each row's targets first).
TABLES: tuple[type[models.Model], ...] = (
    TreatmentPlan,
    Appointment,
    TreatmentSession,
    Lot,
    StockMovement,
    Injection,
    InjectionComponent,
)


@dataclass(frozen=True)
class NetworkSize:
    clinics: int = DEFAULT_CLINICS
    patients: int = DEFAULT_PATIENTS
    injections: int = DEFAULT_INJECTIONS
    lots: int = 0  # 0: one lot per INJECTIONS_PER_LOT injections
    seed: int = DEFAULT_SEED

    @property
    def lot_target(self) -> int:
        return self.lots or max(1, self.injections // INJECTIONS_PER_LOT)


@dataclass
class NetworkSummary:
    clinic_ids: list[int] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # rows written, by step
    seconds: dict[str, float] = field(default_factory=dict)  # by step, drawing included

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


# --- Timing --------------------------------------------------------------------------------


class _Clock:
    """Times each step into the summary and prints its rows per second."""

    def __init__(self, stdout: Writer | None) -> None:
        self.stdout = stdout
        self.summary = NetworkSummary()

    @contextmanager
    def step(self, label: str, rows: int = 0) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.record(label, rows, time.monotonic() - started)

    def record(self, label: str, rows: int, seconds: float) -> None:
        self.summary.seconds[label] = seconds
        if rows:
            self.summary.rows[label] = rows
        rate = f" ({rows / seconds:,.0f} rows/s)" if rows and seconds else ""
        self.say(f"{label}: {f'{rows:,} rows in ' if rows else ''}{seconds:.1f} s{rate}")

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text + "\n")


# --- Dates as the database stores them ------------------------------------------------------


def _stamps(minutes: Ints) -> npt.NDArray[np.str_]:
    """Moments (minutes after FIRST_DAY, UTC) as the database stores them."""
    start = np.datetime64(FIRST_DAY.isoformat(), "m")
    text = np.char.replace(np.datetime_as_string(start + minutes.astype("m8[m]"), "s"), "T", " ")
    return text if connection.vendor == "sqlite" else np.char.add(text, "+00:00")


def _dates(days: Ints) -> npt.NDArray[np.str_]:
    return np.datetime_as_string(np.datetime64(FIRST_DAY.isoformat(), "D") + days.astype("m8[D]"))


# --- Bulk mode -------------------------------------------------------------------------------


def _refuse_bulk() -> None:
    refuse_bulk_in_transaction()
    if Clinic.objects.exists():
        raise DemoError("The bulk load drops indexes: it runs only on an empty benchmark database.")


@contextmanager
def _bulk_mode(clock: _Clock) -> Iterator[None]:
    """Loads without the tables' secondary indexes; rebuilds them (even after a failure)."""
    indexes = secondary_indexes([model._meta.db_table for model in TABLES])
    drop_indexes(indexes)
    with fast_writes():
        try:
            yield
        finally:
            with clock.step(f"{len(indexes)} secondary indexes rebuilt"):
                create_indexes(indexes)
    with clock.step("planner statistics (ANALYZE)"):
        analyze()


# --- Clinics, physicians, patients: the demo generator's --------------------------------------


@dataclass(frozen=True)
class _ClinicRef:
    clinic: Clinic
    physicians: list[int]
    patients: list[int]  # the adults who may be treated (not pregnant or breastfeeding)
    protocols: list[int]  # indexes into the protocol list
    hour: int  # opening hour, UTC


def _add_physicians(actor: Actor, clinic: Clinic, rng: random.Random, licence: str) -> list[int]:
    country = country_for(clinic.jurisdiction)
    made = []
    for number in range(1, PHYSICIANS_PER_CLINIC + 1):
        person = synthetic_patient(rng, country).demographics
        physician = practitioners.PractitionerInput(
            full_name=f"Dr {person['given_name']} {person['family_name']}",
            qualification=Qualification.PHYSICIAN,
            licence_number=f"NET-{clinic.slug[-2:]}-{number:04d}",
            licence_jurisdiction=licence,
            licence_expiry=FIRST_DAY + datetime.timedelta(days=DAYS + 3650),
            training_certificate="Mesotherapy training (synthetic)",
            training_date=datetime.date(2015, 6, 30),
        )
        made.append(practitioners.add_practitioner(actor, clinic, physician).pk)
    return made


def _treatable(clinic: Clinic) -> list[int]:
    born_by = FIRST_DAY.replace(year=FIRST_DAY.year - ADULT_AGE)
    excluded = (PregnancyStatus.PREGNANT, PregnancyStatus.BREASTFEEDING)
    rows = Patient.objects.for_clinic(clinic).filter(date_of_birth__lte=born_by)
    rows = rows.exclude(pregnancy_status__in=excluded).order_by("id")
    return list(rows.values_list("id", flat=True))


def _clinic(actor: Actor, size: NetworkSize, index: int) -> Clinic:
    jurisdiction, zone, currency, licence, _hour = NETWORK[index % len(NETWORK)]
    clinic = accounts.create_clinic(
        actor,
        name=f"Network clinic {index + 1:02d}",
        slug=f"network-{index + 1:02d}",
        jurisdiction=jurisdiction,
        timezone_name=zone,
        currency=currency,
    )
    patients = size.patients // size.clinics + (index < size.patients % size.clinics)
    rng = random.Random(f"{size.seed}:{clinic.slug}")
    _add_physicians(actor, clinic, rng, licence)
    if patients:
        bulk_patients(clinic, patients, rng, actor)
    return clinic


def _references(clinics: Sequence[Clinic], protocols: Sequence[_ProtocolRef]) -> list[_ClinicRef]:
    refs = []
    for index, clinic in enumerate(clinics):
        physicians = Practitioner.objects.for_clinic(clinic).order_by("id")
        refs.append(
            _ClinicRef(
                clinic=clinic,
                physicians=list(physicians.values_list("id", flat=True)),
                patients=_treatable(clinic),
                protocols=[
                    i for i, p in enumerate(protocols) if protocol_allowed(p.protocol, clinic)
                ],
                hour=NETWORK[index % len(NETWORK)][4],
            )
        )
    usable = [ref for ref in refs if ref.patients and ref.protocols and ref.physicians]
    if not usable:
        raise DemoError("No clinic of the network has a treatable patient and an allowed protocol.")
    return usable


# --- The catalogue: shipped protocols, their products and zones -------------------------------


@dataclass(frozen=True)
class _ProtocolRef:
    protocol: Protocol
    products: tuple[int, ...]
    zones: tuple[int, ...]  # indexes into _Zones
    depths: tuple[float, ...]  # in mm, in half-millimetre steps
    gauge: int
    needle_mm: float
    technique: str


@dataclass(frozen=True)
class _Zones:
    ids: Ints
    views: npt.NDArray[np.str_]
    points: npt.NDArray[np.float64]  # (zone, POINTS_PER_ZONE, x/y) inside the zone's region


def _points_in(zone: BodyZone, rng: random.Random) -> list[tuple[float, float]]:
    """Points that the body map itself places in the zone (as fractions of the view)."""
    view = VIEWS.get(zone.view)
    corners = [p for r in view.regions if r.zone == zone.slug for p in r.points] if view else []
    if view is None or not corners:
        return []
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    found: list[tuple[float, float]] = []
    for _ in range(POINTS_PER_ZONE * 100):
        x = round(rng.uniform(min(xs), max(xs)) / view.width, 4)
        y = round(rng.uniform(min(ys), max(ys)) / view.height, 4)
        region = region_at(zone.view, x, y)
        if region is not None and region.zone == zone.slug:
            found.append((x, y))
        if len(found) == POINTS_PER_ZONE:
            break
    return [found[i % len(found)] for i in range(POINTS_PER_ZONE)] if found else []


def _zones(rng: random.Random) -> _Zones:
    usable = [(zone, _points_in(zone, rng)) for zone in BodyZone.objects.order_by("slug")]
    usable = [(zone, points) for zone, points in usable if points]
    if not usable:
        raise DemoError("No body zone of the catalogue lies on the body map.")
    return _Zones(
        ids=np.array([zone.pk for zone, _ in usable], dtype=np.int64),
        views=np.array([zone.view for zone, _ in usable]),
        points=np.array([points for _, points in usable], dtype=np.float64),
    )


def _depths(protocol: Protocol, needle_mm: float) -> tuple[float, ...]:
    low = float(protocol.depth_mm_min or 1)
    high = max(low, min(float(protocol.depth_mm_max or 4), needle_mm))
    return tuple(float(d) for d in np.arange(low, high + 0.01, 0.5))


def _protocols(zones: _Zones) -> list[_ProtocolRef]:
    """Shipped protocols with a mix, each with its products, zones and technique."""
    index = {int(pk): i for i, pk in enumerate(zones.ids)}
    shipped = Protocol.objects.shipped().prefetch_related("items", "zones").order_by("slug")
    refs = []
    for protocol in shipped:
        products = tuple(sorted(item.product_id for item in protocol.items.all()))
        own = tuple(index[z.pk] for z in protocol.zones.all() if z.pk in index)
        needle_mm = float(protocol.needle_length_mm or 4)
        if products:
            refs.append(
                _ProtocolRef(
                    protocol=protocol,
                    products=products,
                    zones=own or tuple(range(len(zones.ids))),
                    depths=_depths(protocol, needle_mm),
                    gauge=protocol.needle_gauge or 30,
                    needle_mm=needle_mm,
                    technique=protocol.technique or Technique.POINT_BY_POINT,
                )
            )
    if not refs:
        raise DemoError("The catalogue has no shipped protocol with products: migrate first.")
    return refs


def _padded(rows: Sequence[Sequence[Any]], dtype: Any = np.int64) -> tuple[npt.NDArray[Any], Ints]:
    """A ragged list as a table padded with its rows' first value, and each row's length."""
    width = max(len(row) for row in rows)
    table = np.array([[*row, *[row[0]] * (width - len(row))] for row in rows], dtype=dtype)
    return table, np.array([len(row) for row in rows], dtype=np.int64)


def _pick(
    rng: np.random.Generator, table: npt.NDArray[Any], lengths: Ints, rows: Ints
) -> npt.NDArray[Any]:
    """One value of each chosen row of a padded table, uniformly among the row's values."""
    return table[rows, (rng.random(len(rows)) * lengths[rows]).astype(np.int64)]


# --- Drawing the network --------------------------------------------------------------------


@dataclass
class _Sessions:
    """One row per session, in chronological order (the order of their ids)."""

    clinic: Ints  # index into the clinic references
    patient: Ints  # patient id
    start: Ints  # minutes after FIRST_DAY, UTC
    points: Ints
    plan: Ints = field(default_factory=lambda: np.zeros(0, np.int64))  # index of the plan
    sequence: Ints = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def count(self) -> int:
        return len(self.start)


def _points_per_session(rng: np.random.Generator, injections: int) -> Ints:
    low, high = POINTS_PER_SESSION
    drawn = rng.integers(low, high + 1, injections // low + 1)
    total = np.cumsum(drawn)
    sessions = int(np.searchsorted(total, injections)) + 1
    points = drawn[:sessions].copy()
    points[-1] -= int(total[sessions - 1]) - injections
    return points


def _draw_sessions(
    rng: np.random.Generator, size: NetworkSize, refs: Sequence[_ClinicRef]
) -> _Sessions:
    points = _points_per_session(rng, size.injections)
    pool = np.array([pid for ref in refs for pid in ref.patients], dtype=np.int64)
    pool_clinic = np.repeat(np.arange(len(refs)), [len(ref.patients) for ref in refs])
    chosen = rng.integers(0, len(pool), len(points))
    day = rng.integers(0, DAYS, len(points))
    slot = rng.integers(0, SLOTS_PER_DAY, len(points))
    order = np.lexsort((chosen, slot, day))
    clinic = pool_clinic[chosen[order]]
    hours = np.array([ref.hour for ref in refs], dtype=np.int64)
    start = day[order] * 1440 + hours[clinic] * 60 + slot[order] * 30
    return _Sessions(clinic=clinic, patient=pool[chosen[order]], start=start, points=points)


def _runs(sorted_keys: npt.NDArray[Any]) -> tuple[Ints, Ints]:
    """Start and length of each run of equal keys in a sorted array."""
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return starts, np.diff(np.r_[starts, len(sorted_keys)])


@dataclass
class _Plans:
    patient: Ints
    clinic: Ints
    protocol: Ints  # index into the protocol list
    physician: Ints
    sessions: Ints
    first: Ints  # first and last session of the plan (indexes)
    last: Ints
    price: npt.NDArray[np.str_]  # per session, as the clinic charges it


def _prices(clinic: Clinic) -> list[str]:
    return [str(price) for price in PRICES.get(clinic.currency, PRICES["EUR"])]


def _draw_plans(
    rng: np.random.Generator, sessions: _Sessions, refs: Sequence[_ClinicRef]
) -> _Plans:
    """One plan per patient and course of at most MAX_SESSIONS sessions, in date order."""
    by_patient = np.argsort(sessions.patient, kind="stable")  # stable: still by date
    starts, lengths = _runs(sessions.patient[by_patient])
    rank = np.empty(sessions.count, dtype=np.int64)
    rank[by_patient] = np.arange(sessions.count) - np.repeat(starts, lengths)
    keys, sessions.plan = np.unique(
        sessions.patient * MAX_SESSIONS**2 + rank // MAX_SESSIONS, return_inverse=True
    )
    sessions.sequence = rank % MAX_SESSIONS + 1
    count = len(keys)
    first = np.full(count, sessions.count, dtype=np.int64)
    np.minimum.at(first, sessions.plan, np.arange(sessions.count))
    last = np.zeros(count, dtype=np.int64)
    np.maximum.at(last, sessions.plan, np.arange(sessions.count))
    clinic = sessions.clinic[first]
    protocols, protocol_counts = _padded([ref.protocols for ref in refs])
    physicians, physician_counts = _padded([ref.physicians for ref in refs])
    prices, price_counts = _padded([_prices(ref.clinic) for ref in refs], np.str_)
    return _Plans(
        patient=keys // MAX_SESSIONS**2,
        clinic=clinic,
        protocol=_pick(rng, protocols, protocol_counts, clinic),
        physician=_pick(rng, physicians, physician_counts, clinic),
        sessions=np.bincount(sessions.plan, minlength=count),
        first=first,
        last=last,
        price=_pick(rng, prices, price_counts, clinic),
    )


@dataclass
class _Mixes:
    """Per session: the syringe's products; per (session, product) "event": its volume and lot."""

    products: Ints  # per session, how many products (1 or 2)
    event_session: Ints
    event_product: Ints
    event_first: Ints  # per session, its first event
    event_ul: Ints = field(default_factory=lambda: np.zeros(0, np.int64))
    event_lot: Ints = field(default_factory=lambda: np.zeros(0, np.int64))


def _draw_mixes(
    rng: np.random.Generator, sessions: _Sessions, plans: _Plans, protocols: Sequence[_ProtocolRef]
) -> _Mixes:
    table, lengths = _padded([p.products for p in protocols])
    protocol = plans.protocol[sessions.plan]
    available = lengths[protocol]
    two = (available >= 2) & (rng.random(sessions.count) < TWO_PRODUCT_SHARE)
    first = (rng.random(sessions.count) * available).astype(np.int64)
    step = 1 + (rng.random(sessions.count) * np.maximum(available - 1, 1)).astype(np.int64)
    products = 1 + two.astype(np.int64)
    event_session = np.repeat(np.arange(sessions.count), products)
    event_first = np.cumsum(products) - products
    second = np.arange(len(event_session)) - event_first[event_session] == 1
    column = np.where(
        second, (first + step)[event_session] % available[event_session], first[event_session]
    )
    return _Mixes(
        products=products,
        event_session=event_session,
        event_product=table[protocol[event_session], column],
        event_first=event_first,
    )


@dataclass
class _Points:
    """Per injection and per mix line (component)."""

    session: Ints  # per injection
    number: Ints
    component_injection: Ints  # per component
    component_event: Ints
    component_ul: Ints
    injection_ul: Ints


def _draw_points(rng: np.random.Generator, sessions: _Sessions, mixes: _Mixes) -> _Points:
    injections = int(sessions.points.sum())
    session = np.repeat(np.arange(sessions.count), sessions.points)
    first_point = np.cumsum(sessions.points) - sessions.points
    per_injection = mixes.products[session]
    component_injection = np.repeat(np.arange(injections), per_injection)
    first_component = np.cumsum(per_injection) - per_injection
    slot = np.arange(len(component_injection)) - first_component[component_injection]
    low, high = COMPONENT_UL
    component_ul = rng.integers(low // 10, high // 10 + 1, len(component_injection)) * 10
    return _Points(
        session=session,
        number=np.arange(injections) - first_point[session] + 1,
        component_injection=component_injection,
        component_event=mixes.event_first[session[component_injection]] + slot,
        component_ul=component_ul,
        injection_ul=np.bincount(
            component_injection, weights=component_ul, minlength=injections
        ).astype(np.int64),
    )


@dataclass
class _Lots:
    clinic: Ints
    product: Ints
    first: Ints  # first and last session that drew from the lot
    last: Ints
    used_ul: Ints


def _draw_lots(
    rng: np.random.Generator, size: NetworkSize, sessions: _Sessions, mixes: _Mixes
) -> _Lots:
    """Each clinic opens its lots of a product one after the other, as stock runs out.

    A lot's deliveries differ by product and clinic: the group's share of the lot target is
    scaled by a random factor, so some lots serve many more injections than others.
    """
    clinic = sessions.clinic[mixes.event_session]
    group_key = clinic * (int(mixes.event_product.max()) + 1) + mixes.event_product
    order = np.lexsort((np.arange(len(group_key)), group_key))  # by group, then by date
    ul = mixes.event_ul[order]
    starts, lengths = _runs(group_key[order])
    totals = np.add.reduceat(ul, starts)
    share = totals / totals.sum() * size.lot_target * rng.uniform(0.4, 1.6, len(starts))
    lots = np.maximum(np.maximum(1, np.rint(share)), np.ceil(totals / MAX_LOT_UL))
    capacity = np.repeat(np.ceil(totals / lots).astype(np.int64), lengths)
    cumulative = np.cumsum(ul)
    before = cumulative - ul - np.repeat(cumulative[starts] - ul[starts], lengths)
    group = np.repeat(np.arange(len(starts)), lengths)
    keys, lot_sorted = np.unique(
        group * (int(lots.max()) + 1) + before // capacity, return_inverse=True
    )
    mixes.event_lot = np.empty(len(order), dtype=np.int64)
    mixes.event_lot[order] = lot_sorted
    lot_starts, lot_lengths = _runs(lot_sorted)
    return _Lots(
        clinic=clinic[order[lot_starts]],
        product=mixes.event_product[order[lot_starts]],
        first=mixes.event_session[order[lot_starts]],
        last=mixes.event_session[order[lot_starts + lot_lengths - 1]],
        used_ul=np.bincount(mixes.event_lot, weights=mixes.event_ul, minlength=len(keys)).astype(
            np.int64
        ),
    )


@dataclass
class _Technique:
    """Per session: where and how the points went in (all points of a session alike)."""

    zone: Ints  # index into _Zones
    depth: npt.NDArray[np.float64]
    gauge: Ints
    needle_mm: npt.NDArray[np.float64]
    technique: npt.NDArray[np.str_]


def _draw_technique(
    rng: np.random.Generator,
    sessions: _Sessions,
    plans: _Plans,
    protocols: Sequence[_ProtocolRef],
) -> _Technique:
    protocol = plans.protocol[sessions.plan]
    zones, zone_counts = _padded([p.zones for p in protocols])
    depths, depth_counts = _padded([p.depths for p in protocols], np.float64)
    return _Technique(
        zone=_pick(rng, zones, zone_counts, protocol),
        depth=_pick(rng, depths, depth_counts, protocol),
        gauge=np.array([p.gauge for p in protocols], dtype=np.int64)[protocol],
        needle_mm=np.array([p.needle_mm for p in protocols])[protocol],
        technique=np.array([str(p.technique) for p in protocols])[protocol],
    )


@dataclass(frozen=True)
class _Ids:
    """The first id of each table's new rows: ids are written, so rows can point at rows."""

    plan: int
    appointment: int
    session: int
    lot: int
    movement: int
    injection: int
    component: int


@dataclass
class _Network:
    rng: np.random.Generator
    refs: Sequence[_ClinicRef]
    protocols: Sequence[_ProtocolRef]
    zones: _Zones
    ids: _Ids
    sessions: _Sessions
    plans: _Plans
    mixes: _Mixes
    points: _Points
    lots: _Lots
    technique: _Technique

    @property
    def clinic_ids(self) -> Ints:
        return np.array([ref.clinic.pk for ref in self.refs], dtype=np.int64)

    @property
    def session_ids(self) -> Ints:
        return self.ids.session + np.arange(self.sessions.count)


def _draw(
    size: NetworkSize,
    refs: Sequence[_ClinicRef],
    protocols: Sequence[_ProtocolRef],
    zones: _Zones,
) -> _Network:
    rng = np.random.default_rng(size.seed)
    sessions = _draw_sessions(rng, size, refs)
    plans = _draw_plans(rng, sessions, refs)
    mixes = _draw_mixes(rng, sessions, plans, protocols)
    points = _draw_points(rng, sessions, mixes)
    mixes.event_ul = np.bincount(
        points.component_event, weights=points.component_ul, minlength=len(mixes.event_session)
    ).astype(np.int64)
    lots = _draw_lots(rng, size, sessions, mixes)
    technique = _draw_technique(rng, sessions, plans, protocols)
    ids = _Ids(
        plan=first_id(TreatmentPlan),
        appointment=first_id(Appointment),
        session=first_id(TreatmentSession),
        lot=first_id(Lot),
        movement=first_id(StockMovement),
        injection=first_id(Injection),
        component=first_id(InjectionComponent),
    )
    return _Network(
        rng, refs, protocols, zones, ids, sessions, plans, mixes, points, lots, technique
    )


# --- Writing the network ----------------------------------------------------------------------


def _write_plans(net: _Network) -> int:
    plans, sessions, count = net.plans, net.sessions, len(net.plans.patient)
    started = _stamps(sessions.start[plans.first] - 7 * 1440)
    ended = _stamps(sessions.start[plans.last] + SESSION_MINUTES)
    protocols = net.protocols
    load(
        TreatmentPlan,
        count,
        {
            "id": net.ids.plan + np.arange(count),
            "clinic_id": net.clinic_ids[plans.clinic],
            "patient_id": plans.patient,
            "indication_id": Take(
                np.array([p.protocol.indication_id for p in protocols]), plans.protocol
            ),
            "protocol_id": Take(np.array([p.protocol.pk for p in protocols]), plans.protocol),
            "practitioner_id": plans.physician,
            "planned_sessions": plans.sessions,
            "interval_days": Take(
                np.array([p.protocol.interval_days or 14 for p in protocols]), plans.protocol
            ),
            "currency": Take(np.array([r.clinic.currency for r in net.refs]), plans.clinic),
            "price_per_session": plans.price,
            "status": PlanStatus.COMPLETED.value,
            "activated_at": started,
            "ended_at": ended,
            "created_at": started,
            "updated_at": ended,
        },
    )
    return count


def _write_appointments(net: _Network) -> int:
    sessions, count = net.sessions, net.sessions.count
    load(
        Appointment,
        count,
        {
            "id": net.ids.appointment + np.arange(count),
            "clinic_id": net.clinic_ids[sessions.clinic],
            "plan_id": net.ids.plan + sessions.plan,
            "patient_id": sessions.patient,
            "practitioner_id": net.plans.physician[sessions.plan],
            "sequence": sessions.sequence,
            "starts_at": _stamps(sessions.start),
            "ends_at": _stamps(sessions.start + SESSION_MINUTES),
            "status": AppointmentStatus.COMPLETED.value,
            "created_at": _stamps(sessions.start[net.plans.first[sessions.plan]] - 7 * 1440),
            "updated_at": _stamps(sessions.start + SESSION_MINUTES),
        },
    )
    return count


def _pain_scores(rng: np.random.Generator, count: int) -> npt.NDArray[Any]:
    scores = rng.integers(0, 8, count).astype(object)
    scores[rng.random(count) < 0.2] = None  # not asked
    return scores


def _write_sessions(net: _Network) -> int:
    sessions, count, rng = net.sessions, net.sessions.count, net.rng
    keys = [f"network-{pk}" for pk in net.session_ids.tolist()]
    signed = _stamps(sessions.start + SESSION_MINUTES + 10)
    load(
        TreatmentSession,
        count,
        {
            "id": net.session_ids,
            "clinic_id": net.clinic_ids[sessions.clinic],
            "appointment_id": net.ids.appointment + np.arange(count),
            "plan_id": net.ids.plan + sessions.plan,
            "patient_id": sessions.patient,
            "practitioner_id": net.plans.physician[sessions.plan],
            "performed_on": _dates(sessions.start // 1440),
            "anaesthetic": np.array(ANAESTHETICS)[rng.integers(0, len(ANAESTHETICS), count)],
            "pain_score": _pain_scores(rng, count),
            "charges": Take(net.plans.price, sessions.plan),
            "currency": Take(np.array([r.clinic.currency for r in net.refs]), sessions.clinic),
            "status": SessionStatus.SIGNED.value,
            "signed_at": signed,
            "idempotency_key": keys,
            "request_fingerprint": [hashlib.sha256(key.encode()).hexdigest() for key in keys],
            "created_at": _stamps(sessions.start),
            "updated_at": signed,
        },
    )
    return count


def _lot_numbers(net: _Network, received: Ints) -> list[str]:
    slugs = dict(
        Product.objects.filter(pk__in=set(net.lots.product.tolist())).values_list("pk", "slug")
    )
    prefix = {
        pk: "".join(part[0] for part in slug.split("-")[:3]).upper() for pk, slug in slugs.items()
    }
    years = (np.datetime64(FIRST_DAY.isoformat(), "D") + received.astype("m8[D]")).astype("M8[Y]")
    return [
        f"{prefix[product]}{year % 100:02d}-{index + 1:05d}"
        for index, (product, year) in enumerate(
            zip(net.lots.product.tolist(), (years.astype(np.int64) + 1970).tolist(), strict=True)
        )
    ]


def _write_lots(net: _Network) -> int:
    """Lots and their "received" movements: delivered a few days before first use."""
    lots, rng, count = net.lots, net.rng, len(net.lots.product)
    received = net.sessions.start[lots.first] // 1440 - rng.integers(3, 31, count)
    expiry = np.maximum(
        received + rng.integers(365, 731, count), net.sessions.start[lots.last] // 1440 + 30
    )
    quantity = (-(-lots.used_ul // 1000) * 1000 + rng.integers(0, 21, count) * 500) / 1000
    at = _stamps(received * 1440 + 8 * 60)
    clinic_ids = net.clinic_ids[lots.clinic]
    load(
        Lot,
        count,
        {
            "id": net.ids.lot + np.arange(count),
            "clinic_id": clinic_ids,
            "product_id": lots.product,
            "lot_number": _lot_numbers(net, received),
            "expiry_date": _dates(expiry),
            "supplier": str(SUPPLIER),
            "received_on": _dates(received),
            "quantity_received_ml": quantity,
            "created_at": at,
            "updated_at": at,
        },
    )
    load(
        StockMovement,
        count,
        {
            "id": net.ids.movement + np.arange(count),
            "clinic_id": clinic_ids,
            "lot_id": net.ids.lot + np.arange(count),
            "kind": MovementKind.RECEIVED.value,
            "quantity_ml": quantity,
            "at": at,
            "created_at": at,
            "updated_at": at,
        },
    )
    return 2 * count


def _write_draws(net: _Network) -> int:
    """One "used" movement per session and lot, for the session's total, as charting does."""
    mixes, count = net.mixes, len(net.mixes.event_session)
    stamps = _stamps(net.sessions.start)
    references = np.array([f"session {pk}" for pk in net.session_ids.tolist()])
    load(
        StockMovement,
        count,
        {
            "id": net.ids.movement + len(net.lots.product) + np.arange(count),
            "clinic_id": net.clinic_ids[net.sessions.clinic[mixes.event_session]],
            "lot_id": net.ids.lot + mixes.event_lot,
            "kind": MovementKind.USED.value,
            "quantity_ml": -mixes.event_ul / 1000,
            "at": Take(stamps, mixes.event_session),
            "reference": Take(references, mixes.event_session),
            "created_at": Take(stamps, mixes.event_session),
            "updated_at": Take(stamps, mixes.event_session),
        },
    )
    return count


def _write_injections(net: _Network) -> int:
    points, technique, zones = net.points, net.technique, net.zones
    count, session = len(points.session), points.session
    zone = technique.zone[session]
    spot = net.rng.integers(0, POINTS_PER_ZONE, count)
    stamps = _stamps(net.sessions.start)
    load(
        Injection,
        count,
        {
            "id": net.ids.injection + np.arange(count),
            "clinic_id": Take(net.clinic_ids[net.sessions.clinic], session),
            "session_id": Take(net.session_ids, session),
            "number": points.number,
            "view": Take(zones.views[technique.zone], session),
            "x": zones.points[zone, spot, 0],
            "y": zones.points[zone, spot, 1],
            "zone_id": Take(zones.ids[technique.zone], session),
            "volume_ml": points.injection_ul / 1000,
            "depth_mm": Take(technique.depth, session),
            "needle_gauge": Take(technique.gauge, session),
            "needle_length_mm": Take(technique.needle_mm, session),
            "technique": Take(technique.technique, session),
            "created_at": Take(stamps, session),
            "updated_at": Take(stamps, session),
        },
    )
    return count


def _write_components(net: _Network) -> int:
    points, mixes = net.points, net.mixes
    count, event = len(points.component_injection), points.component_event
    stamps = _stamps(net.sessions.start)[mixes.event_session]
    load(
        InjectionComponent,
        count,
        {
            "id": net.ids.component + np.arange(count),
            "clinic_id": Take(net.clinic_ids[net.sessions.clinic[mixes.event_session]], event),
            "injection_id": net.ids.injection + points.component_injection,
            "product_id": Take(mixes.event_product, event),
            "lot_id": Take(net.ids.lot + mixes.event_lot, event),
            "volume_ml": points.component_ul / 1000,
            "movement_id": Take(
                net.ids.movement + len(net.lots.product) + np.arange(len(stamps)), event
            ),
            "created_at": Take(stamps, event),
            "updated_at": Take(stamps, event),
        },
    )
    return count


_WRITERS: tuple[tuple[str, Callable[[_Network], int]], ...] = (
    ("treatment plans", _write_plans),
    ("appointments", _write_appointments),
    ("sessions", _write_sessions),
    ("lots and their receipts", _write_lots),
    ("stock drawn per session and lot", _write_draws),
    ("injections", _write_injections),
    ("mix lines (components)", _write_components),
)


def _write_network(net: _Network, clock: _Clock) -> None:
    for label, writer in _WRITERS:
        started = time.monotonic()
        rows = writer(net)
        clock.record(label, rows, time.monotonic() - started)


def generate_network(
    size: NetworkSize | None = None, *, bulk: bool = False, stdout: Writer | None = None
) -> NetworkSummary:
    """Generates the network: all or nothing, or with `bulk`, batch by batch and fast."""
    size = size or NetworkSize()
    refuse_production()
    if min(size.clinics, size.patients, size.injections) < 1 or size.lots < 0:
        raise DemoError("A network needs at least one clinic, patient and injection.")
    if bulk:
        _refuse_bulk()
    clock = _Clock(stdout)
    with nullcontext() if bulk else transaction.atomic():
        actor = Actor.system("demo")
        with clock.step("clinics, physicians and patients", size.patients):
            clinics = [_clinic(actor, size, index) for index in range(size.clinics)]
        with clock.step("network drawn (numpy)"):
            zones = _zones(random.Random(f"{size.seed}:zones"))
            protocols = _protocols(zones)
            net = _draw(size, _references(clinics, protocols), protocols, zones)
        with _bulk_mode(clock) if bulk else nullcontext():
            _write_network(net, clock)
        reset_sequences(TABLES)
        with clock.step("exposure counts for the safety signals"):
            for clinic in clinics:
                exposure.rebuild(clinic.pk)
        for clinic in clinics:
            audit.record(
                actor,
                AuditAction.GENERATE,
                ObjectType.NETWORK,
                details={"seed": size.seed, "injections": size.injections},
                clinic=clinic,
            )
    clock.summary.clinic_ids = [clinic.pk for clinic in clinics]
    return clock.summary
