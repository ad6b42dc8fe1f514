"""The paging parameters of every list, one definition for the gateway and the services.

Bounded so that no page asks the database for what it cannot do: PostgreSQL refuses an
OFFSET past 2^63 - 1 (a 500 behind a 502 before these bounds), and nobody pages a
million rows deep; a filter finds them sooner.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from ecovid_platform.page_bounds import MAX_LIMIT, MAX_OFFSET

__all__ = ["MAX_LIMIT", "MAX_OFFSET", "Limit", "Offset"]

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"rows in the page, 1 to {MAX_LIMIT}")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"rows skipped, 0 to {MAX_OFFSET}")]
