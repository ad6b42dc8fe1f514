"""Search keys of names and communes: accents, case and punctuation ignored."""

from __future__ import annotations

import re
import unicodedata

_NOT_LETTERS = re.compile(r"[^a-z0-9]+")


def search_key(text: str) -> str:
    """`Héloïse-Marie` and `heloise marie` give the same key: `heloise marie`."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _NOT_LETTERS.sub(" ", plain).strip()


def like_prefix(key: str) -> str:
    """A LIKE pattern matching keys that start with `key` (escape character: backslash)."""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"
