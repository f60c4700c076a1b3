"""`manage.py catalogue_load`: (re)writes the shipped starter catalogue; safe to run repeatedly."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mesotrace.catalogue.services import load_starter_catalogue


class Command(BaseCommand):
    help = "Loads or refreshes the shipped starter catalogue (idempotent, audited)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_starter_catalogue()
        summary = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Starter catalogue loaded: {summary}."))
