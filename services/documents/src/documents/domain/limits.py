"""What the service accepts: size, media types (checked against the content), kinds."""

from __future__ import annotations

from typing import get_args

from ecovid_api.documents import DocumentKind
from ecovid_platform.errors import TooLarge, Unprocessable, UnsupportedMediaType

MAX_SIZE = 10 * 1024 * 1024  # 10 MiB
KINDS: tuple[str, ...] = get_args(DocumentKind)  # the public contract's, the gateway's form too
# Media type -> how its content starts. A declared type is trusted only if the
# bytes agree: the content is later served back to browsers with that type.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "text/plain": (),
}


def normalise_media_type(declared: str | None) -> str:
    """`Text/Plain; charset=utf-8` -> `text/plain`: parameters say nothing we keep."""
    return (declared or "").split(";", 1)[0].strip().lower()


def check_size(size: int) -> None:
    if size > MAX_SIZE:
        raise TooLarge(f"the file is larger than the limit of {MAX_SIZE // (1024 * 1024)} MiB", field="file")
    if size == 0:
        raise Unprocessable("the file is empty", field="file")


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise Unprocessable(f"kind must be one of {', '.join(KINDS)}", field="kind")


def check_content(media_type: str, content: bytes) -> None:
    if media_type not in SIGNATURES:
        raise UnsupportedMediaType(
            f"media type {media_type or 'unknown'!r} is not accepted: use {', '.join(SIGNATURES)}",
            field="file",
        )
    signatures = SIGNATURES[media_type]
    if signatures and not content.startswith(signatures):
        raise UnsupportedMediaType(f"the content is not a {media_type} file", field="file")
    if media_type == "text/plain":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsupportedMediaType("a text/plain file must be UTF-8", field="file") from None


def check(kind: str, media_type: str, content: bytes) -> None:
    """Every rule, cheapest first; raises the error the HTTP layer reports."""
    check_size(len(content))
    check_kind(kind)
    check_content(media_type, content)
