"""Encryption of a backup archive as a stream: AES-256-GCM in 1 MiB chunks.

Each chunk's nonce holds a random prefix, the chunk's number and a last-chunk flag, so a
chunk moved, dropped, altered or cut off is refused, and the end of the stream is proven.
The key is 32 bytes, given as URL-safe base64 (`manage.py backup --new-key` makes one).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"MTBACKUP\x01"
CHUNK = 1024 * 1024
TAG = 16
PREFIX = 7
KEY_ID = 8
HEADER = len(MAGIC) + KEY_ID + PREFIX


class BackupKeyError(ValueError):
    """A key that is malformed, or not the one an archive was encrypted with."""


class CorruptArchive(ValueError):
    """An archive that fails its checks: altered, cut off, or not a backup at all."""


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupKeyError(
            "BACKUP_KEY must be 32 bytes in URL-safe base64 (manage.py backup --new-key)."
        )
    return key


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"mesotrace backup key id" + key).digest()[:KEY_ID]


def is_encrypted(path: os.PathLike[str] | str) -> bool:
    with open(path, "rb") as stream:
        return stream.read(len(MAGIC)) == MAGIC


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


class EncryptingWriter:
    """A write-only stream that encrypts into `target`; close() writes the final chunk."""

    def __init__(self, target: BinaryIO, key: bytes) -> None:
        self._target = target
        self._aead = AESGCM(key)
        self._prefix = os.urandom(PREFIX)
        self._counter = 0
        self._buffer = bytearray()
        target.write(MAGIC + key_id(key) + self._prefix)

    def write(self, data: bytes) -> int:
        self._buffer.extend(data)
        # A full chunk is never the last one, so keep at least one byte back.
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        if len(self._buffer) == CHUNK:
            self._seal(bytes(self._buffer), last=False)
            self._buffer.clear()
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, chunk: bytes, last: bool) -> None:
        nonce = _nonce(self._prefix, self._counter, last)
        self._target.write(self._aead.encrypt(nonce, chunk, MAGIC))
        self._counter += 1


class DecryptingReader:
    """A read-only stream of the plain archive; raises CorruptArchive on any alteration."""

    def __init__(self, source: BinaryIO, key: bytes) -> None:
        header = source.read(HEADER)
        if len(header) < HEADER or not header.startswith(MAGIC):
            raise CorruptArchive("This file is not an encrypted Mesotrace backup.")
        if header[len(MAGIC) : len(MAGIC) + KEY_ID] != key_id(key):
            raise BackupKeyError("This archive was encrypted with another BACKUP_KEY.")
        self._source = source
        self._aead = AESGCM(key)
        self._prefix = header[len(MAGIC) + KEY_ID :]
        self._counter = 0
        self._plain = bytearray()
        self._done = False

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._plain) < size):
            self._open_next()
        if size < 0:
            size = len(self._plain)
        out = bytes(self._plain[:size])
        del self._plain[:size]
        return out

    def _open_next(self) -> None:
        sealed = self._source.read(CHUNK + TAG)
        last = len(sealed) < CHUNK + TAG
        if len(sealed) < TAG:
            raise CorruptArchive("The archive is cut off: its last part is missing.")
        try:
            chunk = self._aead.decrypt(_nonce(self._prefix, self._counter, last), sealed, MAGIC)
        except InvalidTag:
            raise CorruptArchive(
                f"The archive is altered or cut off (part {self._counter + 1} fails its check)."
            ) from None
        self._plain.extend(chunk)
        self._counter += 1
        self._done = last
