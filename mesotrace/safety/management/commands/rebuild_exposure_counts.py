"""`manage.py rebuild_exposure_counts [--clinic slug]`: recounts the exposure counts the
signals read from every charted mix line (after a bulk load that skipped charting)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesotrace.accounts.models import Clinic
from mesotrace.safety.queries.exposure import clinics_charted
from mesotrace.safety.services.exposure import rebuild


class Command(BaseCommand):
    help = "Rebuilds the sessions counted per product, lot and product mix from the mix lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", help="the clinic's slug (default: every clinic)")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["clinic"]
        if slug:
            clinic = Clinic.objects.filter(slug=slug).first()
            if clinic is None:
                raise CommandError(f"No clinic with slug “{slug}”.")
            ids = [clinic.pk]
        else:
            ids = clinics_charted()
        names = dict(Clinic.objects.filter(pk__in=ids).values_list("pk", "slug"))
        for clinic_id in ids:
            started = time.monotonic()
            found = rebuild(clinic_id)
            self.stdout.write(
                f"{names[clinic_id]}: {len(found.lots)} lots, {len(found.products)} products, "
                f"{len(found.mixes)} product mixes in {time.monotonic() - started:.1f} s"
            )
        self.stdout.write(self.style.SUCCESS(f"Exposure counts rebuilt for {len(ids)} clinic(s)."))
