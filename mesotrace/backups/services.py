"""Backing up and restoring the whole practice: the database and every uploaded file.

An archive is a tar stream, optionally encrypted (see crypto): the database dump, the
media folder under media/, and last a manifest with the SHA-256 and size of every member
and the row count of every table. Reading an archive checks all of it before anything
is restored; a restore goes only into an empty database and an empty media folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO

from django.db import connections

from mesotrace.backups import databases
from mesotrace.backups.crypto import (
    CorruptArchive,
    DecryptingReader,
    EncryptingWriter,
    is_encrypted,
)
from mesotrace.backups.databases import RestoreRefused

MANIFEST = "manifest.json"
FORMAT = "mesotrace-backup"
VERSION = 1
PREFIX = "mesotrace-"
READ_SIZE = 1024 * 1024


@dataclass(frozen=True)
class Archive:
    path: Path
    manifest: dict[str, Any]

    @property
    def files(self) -> int:
        return sum(1 for name in self.manifest["files"] if name.startswith("media/"))

    @property
    def rows(self) -> int:
        return sum(self.manifest["rows"].values())


@dataclass
class _Reading:
    """What was read from an archive, member by member, before the manifest is trusted."""

    seen: dict[str, dict[str, Any]] = field(default_factory=dict)
    manifest: dict[str, Any] | None = None


class _HashingReader:
    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.digest.update(data)
        return data


def create_backup(
    output_dir: Path, media_root: Path, key: bytes | None, alias: str = "default"
) -> Archive:
    """Writes one archive of the database and media_root into output_dir, then checks it."""
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = output_dir / f"{PREFIX}{stamp}.tar{'.enc' if key else ''}"
    partial = final.with_name(final.name + ".partial")
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".staging-") as staging:
        dump = databases.dump(Path(staging), alias)
        try:
            with partial.open("wb") as raw:
                _write_archive(raw, key, Path(staging) / dump.filename, dump, media_root)
                raw.flush()
                os.fsync(raw.fileno())
            partial.chmod(0o600)
            partial.rename(final)
        finally:
            partial.unlink(missing_ok=True)
    _sync_folder(output_dir)
    return verify_backup(final, key)


def verify_backup(path: Path, key: bytes | None) -> Archive:
    """Reads the whole archive and checks every member against the manifest."""
    with _open_tar(path, key) as tar:
        reading = _read(tar, None)
    return Archive(path, _checked_manifest(reading))


def restore_backup(
    path: Path, key: bytes | None, media_root: Path, alias: str = "default"
) -> Archive:
    """Restores an archive into an empty database and an empty (or absent) media folder."""
    _refuse_unless_empty(media_root, alias)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".restoring-") as staging:
        with _open_tar(path, key) as tar:
            reading = _read(tar, Path(staging))
        manifest = _checked_manifest(reading)
        databases.restore(Path(staging) / manifest["database"], manifest["engine"], alias)
        _check_rows(manifest, alias)
        _move_media(Path(staging) / "media", media_root)
    return Archive(path, manifest)


def prune(output_dir: Path, keep: int) -> list[Path]:
    """Deletes all but the newest `keep` archives in output_dir; returns what it deleted."""
    archives = sorted(
        p for p in output_dir.glob(f"{PREFIX}*.tar*") if not p.name.endswith(".partial")
    )
    doomed = archives[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
    return doomed


def _write_archive(
    raw: BinaryIO, key: bytes | None, dump_file: Path, dump: databases.Dump, media_root: Path
) -> None:
    stream: Any = EncryptingWriter(raw, key) if key else raw
    files: dict[str, dict[str, Any]] = {}
    with tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        files[dump.filename] = _add_file(tar, dump_file, dump.filename)
        for path, name in _media_files(media_root):
            entry = _add_file(tar, path, name)
            if entry:
                files[name] = entry
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "engine": dump.engine,
            "database": dump.filename,
            "rows": dump.row_counts,
            "files": files,
        }
        body = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        info.mode = 0o600
        tar.addfile(info, io.BytesIO(body))
    if key:
        stream.close()


def _media_files(media_root: Path) -> Iterator[tuple[Path, str]]:
    if not media_root.is_dir():
        return
    for path in sorted(media_root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, "media/" + path.relative_to(media_root).as_posix()


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    try:
        source = path.open("rb")
    except FileNotFoundError:
        return {}  # deleted since the folder was listed: it is no longer part of the practice
    with source:
        stat = os.fstat(source.fileno())
        info = tarfile.TarInfo(name)
        info.size = stat.st_size
        info.mtime = int(stat.st_mtime)
        info.mode = 0o600
        reader = _HashingReader(source)
        tar.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": info.size}


@contextmanager
def _open_tar(path: Path, key: bytes | None) -> Iterator[tarfile.TarFile]:
    if not path.is_file():
        raise CorruptArchive(f"No backup archive at {path}.")
    encrypted = is_encrypted(path)
    if encrypted and key is None:
        raise CorruptArchive(
            "This archive is encrypted: set BACKUP_KEY to the key it was made with."
        )
    with path.open("rb") as raw:
        source: Any = DecryptingReader(raw, key) if encrypted and key else raw
        try:
            with tarfile.open(fileobj=source, mode="r|") as tar:
                yield tar
        except (tarfile.TarError, EOFError, OSError) as error:
            raise CorruptArchive(f"This is not a readable backup archive ({error}).") from None


def _read(tar: tarfile.TarFile, staging: Path | None) -> _Reading:
    reading = _Reading()
    for member in tar:
        name = _safe_name(member)
        source = tar.extractfile(member)
        if source is None:
            raise CorruptArchive(f"Unexpected member {name!r} in the archive.")
        if name == MANIFEST:
            reading.manifest = _parse_manifest(source.read())
            continue
        reading.seen[name] = _copy_member(source, staging / name if staging else None)
    return reading


def _safe_name(member: tarfile.TarInfo) -> str:
    name = PurePosixPath(member.name)
    if not member.isfile() or name.is_absolute() or ".." in name.parts:
        raise CorruptArchive(f"Refusing the archive member {member.name!r}.")
    return name.as_posix()


def _copy_member(source: IO[bytes], target: Path | None) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    out = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = target.open("wb")
    try:
        while chunk := source.read(READ_SIZE):
            digest.update(chunk)
            size += len(chunk)
            if out:
                out.write(chunk)
    finally:
        if out:
            out.close()
    return {"sha256": digest.hexdigest(), "size": size}


def _parse_manifest(body: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(body)
    except ValueError:
        raise CorruptArchive("The archive's manifest is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CorruptArchive("This archive is not a Mesotrace backup.")
    if manifest.get("version") != VERSION:
        raise CorruptArchive(f"Backup format version {manifest.get('version')} is not supported.")
    return manifest


def _checked_manifest(reading: _Reading) -> dict[str, Any]:
    manifest = reading.manifest
    if manifest is None:
        raise CorruptArchive("The archive has no manifest: it is cut off or not a backup.")
    listed = manifest["files"]
    for name, entry in listed.items():
        if reading.seen.get(name) != entry:
            problem = "is missing" if name not in reading.seen else "fails its checksum"
            raise CorruptArchive(f"The archive member {name} {problem}.")
    extra = sorted(set(reading.seen) - set(listed))
    if extra:
        raise CorruptArchive(f"The archive holds {extra[0]}, which its manifest does not list.")
    return manifest


def _refuse_unless_empty(media_root: Path, alias: str) -> None:
    if media_root.exists() and any(media_root.iterdir()):
        raise RestoreRefused(
            f"The media folder {media_root} is not empty: restore only into an empty folder."
        )
    tables = databases.table_names(alias)
    if tables:
        raise RestoreRefused(
            f"The target database is not empty ({len(tables)} tables, e.g. {tables[0]}): "
            "restore only into an empty database."
        )


def _check_rows(manifest: dict[str, Any], alias: str) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    counts = databases.row_counts(connection.connection, sorted(manifest["rows"]))
    for table, expected in manifest["rows"].items():
        if counts[table] != expected:
            raise RestoreRefused(
                f"The restored table {table} has {counts[table]} rows; the backup had {expected}."
            )


def _move_media(staged: Path, media_root: Path) -> None:
    if not staged.exists():
        staged.mkdir()
    if media_root.exists():
        media_root.rmdir()  # checked empty before the restore began
    shutil.move(str(staged), str(media_root))
    _sync_folder(media_root.parent)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
