"""The record's sections as they read before anything was recorded; the commands on the
record are the public contract's (ecovid_api.record)."""

from __future__ import annotations

from typing import Any

EMPTY_SECTIONS: dict[str, Any] = {
    "risk-factors": {"factors": [], "other": None},
    "medical-history": {"entries": []},
    "allergies": {"entries": []},
    "treatments": {"entries": []},
}
