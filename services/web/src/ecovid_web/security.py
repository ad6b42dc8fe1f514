"""The browser-facing protections: headers on every answer (a strict Content-Security-Policy: no
inline script, scripts from this origin only), the CSRF check of every form, and the return path
after sign-in kept on this site."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The invitation link carries its token in the address: never sent on to another site.
    "Referrer-Policy": "no-referrer",
}


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


def local_path(target: str | None, default: str = "/") -> str:
    """Only a path of this site: `//evil.example` or `https://…` would send the user away."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
