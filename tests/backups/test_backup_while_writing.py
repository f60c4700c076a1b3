"""A backup taken while the clinic works restores to exactly the practice it saw.

The demo practice is backed up by `manage.py backup` in its own process while patients
are being registered; `manage.py restore` brings the archive back into a new, empty
database and media folder; then every table is compared row by row and every file by
checksum. Writes acknowledged before the backup began are all there, and a write is
either entirely in the backup (its patient, audit row and index rows) or not at all.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from mesotrace.audit.models import AuditEvent
from mesotrace.demo.generator import generate_demo
from mesotrace.patients.models import Patient
from tests.backups.databases import (
    Rows,
    empty_database,
    opened,
    read_rows,
    url_of_test_database,
)
from tests.conftest import make_clinic, make_patient

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 2


def manage(*args: str, database_url: str, media: Path, **env: str) -> str:
    result = subprocess.run(  # noqa: S603  (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "MESOTRACE_ENV": "test",
            "DATABASE_URL": database_url,
            "MESOTRACE_MEDIA_DIR": str(media),
            "BACKUP_ENCRYPT": "true",
            "BACKUP_KEY": "pjx2ZQ5vJ8i7p2CNn9ZQb2m1o7Q9s3tXwq8yJm4xR0E=",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def checksums(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    }


def uploaded_files(media: Path) -> None:
    """Photos and drawn signatures as the clinic leaves them: binary, nested, one empty."""
    for number in range(12):
        photo = media / "photos" / f"clinic-{number % 2}" / f"session-{number}" / "front.jpg"
        photo.parent.mkdir(parents=True, exist_ok=True)
        photo.write_bytes(os.urandom(2000 + number * 700))
    (media / "signatures").mkdir(parents=True, exist_ok=True)
    (media / "signatures" / "drawn.png").write_bytes(os.urandom(5000))
    (media / "signatures" / "empty.png").write_bytes(b"")


class Writers:
    """Threads registering patients, each write one transaction, until told to stop."""

    def __init__(self) -> None:
        self.clinic = make_clinic("backup-storm")
        make_patient(self.clinic, family_name="First")  # creates the clinic's number sequence
        self.stop = threading.Event()
        self.acknowledged: list[tuple[float, int]] = []
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._write, args=(n,)) for n in range(WRITERS)]

    def _write(self, writer: int) -> None:
        try:
            number = 0
            while not self.stop.is_set():
                number += 1
                patient = make_patient(self.clinic, family_name=f"Writer{writer}x{number}")
                self.acknowledged.append((time.monotonic(), patient.pk))
        except BaseException as error:  # the test reports it
            self.errors.append(error)
        finally:
            connections.close_all()

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def assert_restored_as_seen(before: Rows, after: Rows, restored: Rows) -> None:
    """Rows the writers did not touch are all restored as they were; their inserts are
    restored whole or not at all; nothing else appears."""
    assert sorted(restored) == sorted(after), "the restored database has other tables"
    for table, rows in after.items():
        old = before.get(table, {})
        for key, row in old.items():
            if rows.get(key) == row:
                assert restored[table].get(key) == row, f"{table} row {key} differs"
        for key, row in restored[table].items():
            assert key in rows, f"{table} row {key} was never in the practice"
            if key not in old:
                assert row == rows[key], f"{table} row {key} differs from what was written"


@pytest.mark.django_db(transaction=True)
def test_backup_taken_while_writing_restores_every_row_and_file(tmp_path: Path) -> None:
    generate_demo(seed=7, patients_per_clinic=15)
    media = Path(settings.MEDIA_ROOT)
    uploaded_files(media)
    source_url = url_of_test_database()
    writers = Writers()
    with opened(source_url) as raw:
        before = read_rows(raw)

    with writers:
        while len(writers.acknowledged) < 5 and not writers.errors:
            time.sleep(0.01)
        backup_started = time.monotonic()
        out = manage(
            "backup",
            "--output-dir",
            str(tmp_path / "archives"),
            database_url=source_url,
            media=media,
        )
        backup_finished = time.monotonic()
        time.sleep(0.3)  # more writes after the backup, which it must not hold
    assert not writers.errors, writers.errors
    assert "encrypted, checked" in out
    (archive,) = (tmp_path / "archives").glob("mesotrace-*.tar.enc")

    with opened(source_url) as raw:
        after = read_rows(raw)
    restored_media = tmp_path / "restored-media"
    with empty_database(tmp_path) as target_url:
        out = manage("restore", str(archive), database_url=target_url, media=restored_media)
        assert "restored" in out
        with opened(target_url) as raw:
            restored = read_rows(raw)
            audited = Counter(
                str(row[0])
                for row in raw.execute(
                    f"SELECT object_id FROM {AuditEvent._meta.db_table} "  # noqa: S608
                    "WHERE object_type = 'patient' AND action = 'create'"
                )
            )

    assert_restored_as_seen(before, after, restored)
    assert checksums(restored_media) == checksums(media)
    assert len(checksums(media)) >= 14  # ours, and any other test's photos in this process

    patients = restored[Patient._meta.db_table]
    writes = [pk for _, pk in writers.acknowledged]
    held = [pk for pk in writes if pk in patients]
    acknowledged_first = [pk for at, pk in writers.acknowledged if at < backup_started]
    assert set(acknowledged_first) <= set(held), "a write acknowledged before the backup is lost"
    assert any(at > backup_finished for at, _ in writers.acknowledged)
    assert len(held) < len(writes), "the writers never outran the backup"

    # Each held write is whole: its audit row is there; no write is half in the backup.
    assert all(audited[str(pk)] == 1 for pk in held)
    added = {t: len(after[t]) - len(before.get(t, {})) for t in after}
    restored_added = {t: len(restored[t]) - len(before.get(t, {})) for t in after}
    for table, count in added.items():
        per_write = count / len(writes)
        assert restored_added[table] == per_write * len(held), f"{table} holds part of a write"
    connection.close()
