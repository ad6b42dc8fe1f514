"""The blob store: content-addressed round trip, atomic writes, checksum on read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from documents.adapters.blobs import BlobCorrupted, BlobMissing, BlobStore


def test_round_trip_is_keyed_by_sha256(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    content = b"%PDF-1.7\nhello\n"
    key = store.put(content)
    assert key == hashlib.sha256(content).hexdigest()
    assert store.get(key) == content
    assert store.put(content) == key  # the same bytes are one blob
    assert [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == [key]


def test_damaged_bytes_are_never_served(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    key = store.put(b"original")
    (tmp_path / key[:2] / key).write_bytes(b"tampered")
    with pytest.raises(BlobCorrupted):
        store.get(key)


def test_missing_and_malformed_keys(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(BlobMissing):
        store.get("0" * 64)
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")
