"""Filesystem blob store, content-addressed by sha256.

A blob is written to a temporary file in the same directory and renamed into
place (atomic on POSIX): a reader never sees half a file, and a crash leaves at
most a stray temporary file. The same bytes stored twice are one file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_KEY = re.compile(r"^[0-9a-f]{64}$")


class BlobMissing(Exception):
    """No blob under that key (deleted by hand, or another data directory)."""


class BlobCorrupted(Exception):
    """The bytes on disk no longer hash to their key: never serve them."""


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, content: bytes) -> str:
        """Store the bytes; the key is their sha256 (hex)."""
        key = hashlib.sha256(content).hexdigest()
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())  # the rename must not outlive the data after a crash
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        """The bytes stored under `key`, checked against it."""
        try:
            content = self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(key) from None
        if hashlib.sha256(content).hexdigest() != key:
            raise BlobCorrupted(key)
        return content

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a sha256 key: {key!r}")
        # Two-character fan-out keeps directories small.
        return self.root / key[:2] / key
