"""What the service accepts: size, media type checked against the content, kind."""

from __future__ import annotations

import pytest

from ecovid_platform.errors import Unprocessable
from ecovid_platform.http import status_of

from documents.domain import limits
from documents.domain.limits import MAX_SIZE, TooLarge, UnsupportedMediaType

PDF = b"%PDF-1.4\n%fake but plausible\n"


def test_accepted_files() -> None:
    limits.check("report", "application/pdf", PDF)
    limits.check("photo", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 10)
    limits.check("photo", "image/jpeg", b"\xff\xd8\xff\xe0rest")
    limits.check("other", "text/plain", "compte rendu été".encode())
    limits.check("report", "application/pdf", PDF + b"\0" * (MAX_SIZE - len(PDF)))


def test_too_large_is_413_and_says_the_limit() -> None:
    with pytest.raises(TooLarge, match="10 MiB") as refused:
        limits.check("report", "application/pdf", PDF + b"\0" * (MAX_SIZE - len(PDF) + 1))
    assert status_of(refused.value) == 413


@pytest.mark.parametrize(("media_type", "content"), [
    ("application/zip", b"PK\x03\x04"),
    ("text/html", b"<html>"),
    ("application/pdf", b"<html>not a pdf"),
    ("image/png", PDF),
    ("text/plain", b"\xff\xfe\x00bad"),
])
def test_other_types_or_lying_content_is_415(media_type: str, content: bytes) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        limits.check("report", media_type, content)
    assert status_of(refused.value) == 415


def test_unknown_kind_and_empty_file_are_422() -> None:
    with pytest.raises(Unprocessable, match="kind"):
        limits.check("xray", "application/pdf", PDF)
    with pytest.raises(Unprocessable, match="empty"):
        limits.check("report", "application/pdf", b"")


def test_media_type_parameters_are_ignored() -> None:
    assert limits.normalise_media_type("Text/Plain; charset=UTF-8") == "text/plain"
    assert limits.normalise_media_type(None) == ""


def test_the_public_contract_names_the_media_types_kept() -> None:
    """The OpenAPI's form encoding (ecovid_api.documents.MEDIA_TYPES) is what is checked here.
    break: a media type added to SIGNATURES only -> fails."""
    from ecovid_api.documents import MEDIA_TYPES

    from documents.domain.limits import SIGNATURES

    assert tuple(SIGNATURES) == MEDIA_TYPES
