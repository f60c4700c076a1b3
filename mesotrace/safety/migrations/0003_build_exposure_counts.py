"""Counts the sessions already charted, so the kept exposure counts start out right.

A frozen copy of the recount as it stood when the counts were introduced: a migration
runs against the models of its own point in history, never against today's code.
"""

import hashlib
from collections import Counter
from typing import Any

from django.db import migrations


def _mix_text(product_ids: Any) -> str:
    return ",".join(str(pk) for pk in sorted(set(product_ids)))


def _rebuild(apps: Any, clinic_id: int) -> None:
    lines = apps.get_model("charting", "InjectionComponent").objects.filter(clinic_id=clinic_id)
    triples = (
        lines.values_list("injection__session_id", "lot_id", "product_id")
        .distinct()
        .order_by("injection__session_id")
    )
    sessions: dict[int, tuple[set[int], set[int]]] = {}
    for session_id, lot_id, product_id in triples.iterator(chunk_size=20_000):
        lots, products = sessions.setdefault(session_id, (set(), set()))
        lots.add(lot_id)
        products.add(product_id)
    lot_counts: Counter[int] = Counter()
    product_counts: Counter[int] = Counter()
    mixes: Counter[str] = Counter()
    for lots, products in sessions.values():
        lot_counts.update(lots)
        product_counts.update(products)
        mixes[_mix_text(products)] += 1
    counts = apps.get_model("safety", "ExposureCount")
    mix_rows = apps.get_model("safety", "ExposureMix")
    counts.objects.filter(clinic_id=clinic_id).delete()
    mix_rows.objects.filter(clinic_id=clinic_id).delete()
    counts.objects.bulk_create(
        [counts(clinic_id=clinic_id, level="lot", unit_id=u, sessions=n) for u, n in lot_counts.items()]
        + [
            counts(clinic_id=clinic_id, level="product", unit_id=u, sessions=n)
            for u, n in product_counts.items()
        ],
        batch_size=1000,
    )
    mix_rows.objects.bulk_create(
        [
            mix_rows(
                clinic_id=clinic_id,
                products=text,
                key=hashlib.sha256(text.encode()).hexdigest(),
                sessions=n,
            )
            for text, n in mixes.items()
        ],
        batch_size=1000,
    )


def build_counts(apps: Any, schema_editor: Any) -> None:
    lines = apps.get_model("charting", "InjectionComponent").objects
    for clinic_id in sorted(set(lines.values_list("clinic_id", flat=True).distinct().order_by())):
        _rebuild(apps, clinic_id)


def drop_counts(apps: Any, schema_editor: Any) -> None:
    apps.get_model("safety", "ExposureCount").objects.all().delete()
    apps.get_model("safety", "ExposureMix").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("safety", "0002_exposure_counts"),
    ]

    operations = [
        migrations.RunPython(build_counts, drop_counts),
    ]
