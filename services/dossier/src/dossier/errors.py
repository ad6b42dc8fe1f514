"""Refusals of the dossier (the HTTP edge reports each by its kind)."""

from __future__ import annotations

import uuid
from typing import Any

from ecovid_platform.errors import Conflict, NotFound


class PatientNotFound(NotFound):
    pass


class DuplicatePatient(Conflict):
    """The identity matches a patient already registered (doublon): the caller gets its id."""

    def __init__(self, existing_id: uuid.UUID, match: str) -> None:
        field = "ins" if match == "ins" else "identity"
        hint = "" if match == "ins" else "; confirm a homonym with confirm_homonym=true"
        super().__init__(f"a patient with the same {'INS' if match == 'ins' else 'names and birth date'} "
                         f"already exists: {existing_id}{hint}", field=field)
        self.existing_id, self.match = existing_id, match

    def body(self) -> dict[str, Any]:
        return {**super().body(), "existing_id": str(self.existing_id), "match": self.match}
