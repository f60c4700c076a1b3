"""`manage.py restore ARCHIVE`: the database and media files back, into empty ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesotrace.backups import services
from mesotrace.backups.crypto import BackupKeyError, CorruptArchive
from mesotrace.backups.databases import RestoreRefused
from mesotrace.backups.management.commands.backup import backup_key


class Command(BaseCommand):
    help = (
        "Restores an archive made by `manage.py backup` into the configured database, which "
        "must be empty, and the media folder, which must be empty or absent. Every checksum "
        "is checked before anything is written, and every table's row count after."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--media-dir", type=Path, help="default: the configured MEDIA_ROOT")

    def handle(self, *args: Any, **options: Any) -> None:
        media_root = options["media_dir"] or Path(settings.MEDIA_ROOT)
        try:
            archive = services.restore_backup(
                options["archive"], backup_key(required=False), media_root
            )
        except (CorruptArchive, RestoreRefused, BackupKeyError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"restored {archive.path.name}: {archive.manifest['engine']}, {archive.rows} rows, "
            f"{archive.files} files into {media_root} (made {archive.manifest['created_at']})"
        )
