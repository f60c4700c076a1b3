"""An archive that is altered, cut off, opened with another key or restored over live data
is refused with a reason, and nothing is written anywhere."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mesotrace.backups.crypto import (
    CHUNK,
    CorruptArchive,
    DecryptingReader,
    EncryptingWriter,
    new_key,
    parse_key,
)

ROOT = Path(__file__).resolve().parents[2]
KEY = new_key()


def manage(*args: str, database: Path, media: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs manage.py on a database file; an env value of "unset" removes the variable."""
    merged = {
        **os.environ,
        "MESOTRACE_ENV": "test",
        "DATABASE_URL": f"sqlite:///{database}",
        "MESOTRACE_MEDIA_DIR": str(media),
        "MESOTRACE_VAR_DIR": str(database.parent),
        "BACKUP_KEY": KEY,
        "BACKUP_ENCRYPT": "true",
        **env,
    }
    return subprocess.run(  # noqa: S603  (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={name: value for name, value in merged.items() if value != "unset"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("practice")
    database = folder / "practice.sqlite3"
    with sqlite3.connect(database) as raw:
        raw.execute("CREATE TABLE visit (id INTEGER PRIMARY KEY, note TEXT)")
        raw.executemany(
            "INSERT INTO visit (note) VALUES (?)", [(f"visit {n}",) for n in range(500)]
        )
    raw.close()
    (folder / "media" / "photos").mkdir(parents=True)
    (folder / "media" / "photos" / "front.jpg").write_bytes(os.urandom(3 * CHUNK))
    made = manage(
        "backup", "--output-dir", str(folder / "out"), database=database, media=folder / "media"
    )
    assert made.returncode == 0, made.stderr
    (path,) = (folder / "out").glob("*.tar.enc")
    return path


def restore(archive: Path, target: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return manage(
        "restore", str(archive), database=target / "restored.sqlite3", media=target / "media", **env
    )


def nothing_restored(target: Path) -> bool:
    media = target / "media"
    database = target / "restored.sqlite3"
    tables = []
    if database.exists():
        with sqlite3.connect(database) as raw:
            tables = raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        raw.close()
    return not tables and (not media.exists() or not any(media.iterdir()))


def test_an_intact_archive_restores(archive: Path, tmp_path: Path) -> None:
    result = restore(archive, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "500 rows, 1 files" in result.stdout
    assert (tmp_path / "media" / "photos" / "front.jpg").stat().st_size == 3 * CHUNK


def test_one_altered_byte_is_refused_and_nothing_is_restored(archive: Path, tmp_path: Path) -> None:
    altered = tmp_path / archive.name
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    altered.write_bytes(bytes(data))
    result = restore(altered, tmp_path)
    assert result.returncode != 0
    assert "The archive is altered or cut off" in result.stderr
    assert nothing_restored(tmp_path)
    checked = manage(
        "backup", "--verify", str(altered), database=tmp_path / "x.sqlite3", media=tmp_path / "m"
    )
    assert checked.returncode != 0
    assert "altered or cut off" in checked.stderr


def test_a_cut_off_archive_is_refused(archive: Path, tmp_path: Path) -> None:
    cut = tmp_path / archive.name
    cut.write_bytes(archive.read_bytes()[: CHUNK + 100])
    result = restore(cut, tmp_path)
    assert result.returncode != 0
    assert "altered or cut off" in result.stderr
    assert nothing_restored(tmp_path)


def test_another_key_is_refused_by_name(archive: Path, tmp_path: Path) -> None:
    result = restore(archive, tmp_path, BACKUP_KEY=new_key())
    assert result.returncode != 0
    assert "encrypted with another BACKUP_KEY" in result.stderr
    assert nothing_restored(tmp_path)


def test_restore_never_overwrites_a_database_in_use(archive: Path, tmp_path: Path) -> None:
    live = tmp_path / "restored.sqlite3"
    with sqlite3.connect(live) as raw:
        raw.execute("CREATE TABLE patient (id INTEGER PRIMARY KEY)")
        raw.execute("INSERT INTO patient DEFAULT VALUES")
    raw.close()
    result = restore(archive, tmp_path)
    assert result.returncode != 0
    assert "The target database is not empty" in result.stderr
    with sqlite3.connect(live) as raw:
        assert raw.execute("SELECT COUNT(*) FROM patient").fetchone() == (1,)
    raw.close()


def test_restore_never_mixes_into_existing_media(archive: Path, tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "kept.jpg").write_bytes(b"photo")
    result = restore(archive, tmp_path)
    assert result.returncode != 0
    assert "is not empty: restore only into an empty folder" in result.stderr
    assert sorted(p.name for p in (tmp_path / "media").iterdir()) == ["kept.jpg"]


def test_production_will_not_write_an_unencrypted_archive_by_accident(tmp_path: Path) -> None:
    result = manage(
        "backup",
        database=tmp_path / "p.sqlite3",
        media=tmp_path / "media",
        MESOTRACE_ENV="production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="clinic.example.org",
        BACKUP_KEY="unset",
        BACKUP_ENCRYPT="unset",
    )
    assert result.returncode != 0
    assert "BACKUP_KEY is not set" in result.stderr
    assert not list(tmp_path.glob("**/mesotrace-*"))


def test_a_malformed_key_is_explained(tmp_path: Path) -> None:
    result = manage(
        "backup", database=tmp_path / "p.sqlite3", media=tmp_path / "m", BACKUP_KEY="secret"
    )
    assert result.returncode != 0
    assert "BACKUP_KEY must be 32 bytes in URL-safe base64" in result.stderr


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK])
def test_encryption_round_trips_at_every_chunk_boundary(size: int) -> None:
    key = parse_key(new_key())
    plain = os.urandom(size)
    sealed = io.BytesIO()
    writer = EncryptingWriter(sealed, key)
    writer.write(plain)
    writer.close()
    assert DecryptingReader(io.BytesIO(sealed.getvalue()), key).read() == plain
    if size >= CHUNK:  # dropping the final chunk is noticed, not taken for the end
        whole_chunks = sealed.getvalue()[: len(sealed.getvalue()) - 16 - (size % CHUNK)]
        with pytest.raises(CorruptArchive):
            DecryptingReader(io.BytesIO(whole_chunks), key).read()
