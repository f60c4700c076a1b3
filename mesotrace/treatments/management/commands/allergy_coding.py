"""`manage.py allergy_coding`: lists, per clinic, the recorded allergies that name no catalogue
substance or class (the words and how many records hold them, never a patient), so someone
can rewrite them; screening warns about each until then."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.treatments.queries.plans import unmatched_allergies


class Command(BaseCommand):
    help = "Lists the allergies that match no catalogue substance or class, per clinic."

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("allergy_coding")
        for clinic in Clinic.objects.order_by("slug"):
            unmatched = unmatched_allergies(actor, clinic)
            self.stdout.write(f"{clinic.slug}: {sum(unmatched.values())} not matched")
            for substance, count in unmatched.items():
                self.stdout.write(f"  {count} x {substance}")
