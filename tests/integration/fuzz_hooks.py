"""Schemathesis hooks of the fuzz runs (loaded through SCHEMATHESIS_HOOKS): what a file of
each media type the documents form accepts looks like, so that a generated upload is a real
PDF, JPEG, PNG or UTF-8 text (its first bytes are checked) and documents get created."""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

_TAIL = st.binary(min_size=0, max_size=256)
SIGNED = {
    "application/pdf": b"%PDF-1.4\n",
    "image/jpeg": b"\xff\xd8\xff\xe0",
    "image/png": b"\x89PNG\r\n\x1a\n",
}

for _media_type, _start in SIGNED.items():
    schemathesis.openapi.media_type(_media_type, _TAIL.map(lambda tail, start=_start: start + tail))
schemathesis.openapi.media_type("text/plain", st.text(min_size=1, max_size=256).map(lambda t: t.encode("utf-8")))
