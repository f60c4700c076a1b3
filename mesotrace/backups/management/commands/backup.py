"""`manage.py backup`: one archive of the database and every uploaded file, checked."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesotrace.backups import services
from mesotrace.backups.crypto import BackupKeyError, CorruptArchive, new_key, parse_key
from mesotrace.backups.databases import RestoreRefused


def backup_key(required: bool) -> bytes | None:
    """The key from BACKUP_KEY, or None when encryption is off and no key is set."""
    if not settings.BACKUP_KEY:
        if required:
            raise CommandError(
                "Backups are encrypted here but BACKUP_KEY is not set: create a key with "
                "`manage.py backup --new-key`, keep a copy apart from the backups, and set "
                "BACKUP_KEY (or BACKUP_ENCRYPT=false to write a plain archive)."
            )
        return None
    try:
        return parse_key(settings.BACKUP_KEY)
    except BackupKeyError as error:
        raise CommandError(str(error)) from None


class Command(BaseCommand):
    help = (
        "Writes one archive with the database (SQLite's online backup, or pg_dump) and the "
        "media folder, with a manifest of checksums and row counts, then reads it back to "
        "check it. Encrypted with BACKUP_KEY when BACKUP_ENCRYPT is on (production default)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output-dir", type=Path, help="default: MESOTRACE_BACKUP_DIR")
        parser.add_argument(
            "--encrypt",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="default: BACKUP_ENCRYPT (on in production)",
        )
        parser.add_argument(
            "--keep", type=int, default=0, help="then delete all but the newest N archives"
        )
        parser.add_argument("--verify", type=Path, metavar="ARCHIVE", help="only check ARCHIVE")
        parser.add_argument("--new-key", action="store_true", help="print a fresh BACKUP_KEY")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(new_key())
            return
        if options["keep"] < 0:
            raise CommandError("--keep must be 0 (keep everything) or more.")
        try:
            if options["verify"]:
                self._verify(options["verify"])
            else:
                self._backup(options)
        except (CorruptArchive, RestoreRefused, BackupKeyError) as error:
            raise CommandError(str(error)) from None

    def _verify(self, path: Path) -> None:
        archive = services.verify_backup(path, backup_key(required=False))
        self.stdout.write(
            f"{path}: intact ({archive.manifest['engine']}, {archive.rows} rows, "
            f"{archive.files} files, made {archive.manifest['created_at']})"
        )

    def _backup(self, options: dict[str, Any]) -> None:
        encrypt = settings.BACKUP_ENCRYPT if options["encrypt"] is None else options["encrypt"]
        output_dir = options["output_dir"] or settings.BACKUP_DIR
        key = backup_key(required=encrypt) if encrypt else None
        archive = services.create_backup(output_dir, Path(settings.MEDIA_ROOT), key)
        size = archive.path.stat().st_size
        self.stdout.write(
            f"{archive.path}: {archive.manifest['engine']}, {archive.rows} rows, "
            f"{archive.files} files, {size / 1e6:.1f} MB, "
            f"{'encrypted' if key else 'NOT encrypted'}, checked"
        )
        for path in services.prune(output_dir, options["keep"]):
            self.stdout.write(f"deleted old archive {path.name}")
