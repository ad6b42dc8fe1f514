"""Answers every part of the API shares."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema


class Created(BaseModel):
    """What a create answers: the new resource's id."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "7c9e6679-7425-40de-944b-e07fc1f90ae7"}]})

    id: uuid.UUID


def _as_stored(moment: datetime) -> str:
    return moment.isoformat()


# A moment in an answer, written as the services always wrote it (`isoformat`: "+00:00",
# never pydantic's "Z"), so that declaring the answers changed none of their bytes.
Timestamp = Annotated[
    datetime,
    PlainSerializer(_as_stored, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
