"""`manage.py demo_data`: fills a database with the synthetic demo clinics, never in production."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesotrace.accounts.models import Clinic
from mesotrace.demo.generator import (
    CLINICS,
    DEFAULT_PATIENTS,
    DEFAULT_SEED,
    SERVICE_LIMIT,
    DemoError,
    Login,
    demo_logins,
    generate_demo,
    refuse_production,
    top_up_today,
)


class Command(BaseCommand):
    help = "Creates two synthetic demo clinics with staff logins, practitioners and patients."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same people")
        parser.add_argument(
            "--patients",
            type=int,
            default=DEFAULT_PATIENTS,
            help=f"patients per clinic; above {SERVICE_LIMIT} they are bulk-inserted "
            "with one audit row per clinic",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=f"do nothing when the clinic '{CLINICS[0].slug}' already exists",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            refuse_production()
        except DemoError as error:
            raise CommandError(str(error)) from None
        if options["patients"] < 0:
            raise CommandError("--patients cannot be negative.")
        if options["if_empty"] and Clinic.objects.filter(slug=CLINICS[0].slug).exists():
            moved = top_up_today()
            done = f"{moved} appointments brought forward to today" if moved else "nothing to do"
            self.stdout.write(
                f"Demo data already present (clinic '{CLINICS[0].slug}' exists); {done}."
            )
            self._print_logins(demo_logins())
            return
        try:
            summary = generate_demo(options["seed"], options["patients"], stdout=self.stdout)
        except DemoError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Demo data created (seed {summary.seed})."))
        self._print_logins(summary.logins)

    def _print_logins(self, logins: Sequence[Login]) -> None:
        width = max(len(login.email) for login in logins)
        self.stdout.write("\nDemo logins (synthetic people only):")
        self.stdout.write(f"  {'email':<{width}}  password  {'role':<12}  clinic")
        for login in logins:
            self.stdout.write(
                f"  {login.email:<{width}}  {login.password:<8}  {login.role:<12}  {login.clinic}"
            )
