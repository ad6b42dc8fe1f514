"""Commands on the coordination record beyond identity: clinical context (antécédents,
facteurs de risque, allergies, traitements), shared notes and objectives of care."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from ecovid_api.text import Line300 as Text
from ecovid_api.text import Text5000 as LongText

_COMMAND = ConfigDict(extra="forbid", frozen=True)


def _written_as_day(given: object) -> object:
    # Not Strict(): FastAPI validates the parsed JSON in Python mode, where strict refuses text.
    if isinstance(given, int | float):
        raise ValueError("must be a day such as 2019-03-01, not a number")  # noqa: TRY004 (pydantic's 422)
    return given


# A day as the schema says it, "YYYY-MM-DD": pydantic's lax mode also took a number of
# seconds since 1970 (`"since": 0` was 1970-01-01), which the schema calls invalid.
Day = Annotated[date, BeforeValidator(_written_as_day)]


def _command(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", frozen=True, json_schema_extra={"examples": list(examples)})


class RiskFactor(StrEnum):
    """COVID-19 risk factors of the telemonitoring form (facteurs de risque)."""

    AGE_OVER_65 = "age_over_65"
    OBESITY = "obesity"
    DIABETES = "diabetes"
    HYPERTENSION = "hypertension"
    CHRONIC_KIDNEY_DISEASE = "chronic_kidney_disease"
    CHRONIC_RESPIRATORY_DISEASE = "chronic_respiratory_disease"
    CARDIAC_DISEASE = "cardiac_disease"
    IMMUNOSUPPRESSION = "immunosuppression"
    CANCER = "cancer"
    PREGNANCY = "pregnancy"


class ObjectiveStatus(StrEnum):
    OPEN = "open"
    ACHIEVED = "achieved"
    ABANDONED = "abandoned"


class RiskFactorsIn(BaseModel):
    model_config = _command({"factors": ["diabetes", "obesity"], "other": "asthme sévère"})

    factors: list[RiskFactor] = Field(default_factory=list, max_length=len(RiskFactor))
    other: Text | None = None

    @field_validator("factors")
    @classmethod
    def _once_each(cls, value: list[RiskFactor]) -> list[RiskFactor]:
        # Stored sorted, so the same set always reads (and compares) the same.
        return sorted(set(value))


class HistoryEntry(BaseModel):
    """One antécédent: a condition or an operation, with when it began if known."""

    model_config = _COMMAND
    label: Text
    since: Day | None = None
    note: Text | None = None


class Allergy(BaseModel):
    model_config = _COMMAND
    substance: Text
    reaction: Text | None = None


class Treatment(BaseModel):
    model_config = _COMMAND
    name: Text
    dosage: Text | None = None
    since: Day | None = None


class MedicalHistoryIn(BaseModel):
    model_config = _command({"entries": [{"label": "infarctus", "since": "2019-03-01"}]})
    entries: list[HistoryEntry] = Field(max_length=200)


class AllergiesIn(BaseModel):
    model_config = _command({"entries": [{"substance": "pénicilline", "reaction": "urticaire"}]})
    entries: list[Allergy] = Field(max_length=200)


class TreatmentsIn(BaseModel):
    model_config = _command({"entries": [{"name": "paracétamol", "dosage": "1 g x 3/j"}]})
    entries: list[Treatment] = Field(max_length=200)


class NoteIn(BaseModel):
    """A note shared with the care circle; photos are attached through the documents service."""

    model_config = _command({"text": "Patiente plus essoufflée ce matin.\nSpO2 à 93 %."})
    text: LongText
    document_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class ObjectiveIn(BaseModel):
    model_config = _command({"title": "Marcher 10 min par jour"})
    title: Text
    status: ObjectiveStatus = ObjectiveStatus.OPEN


class ObjectiveChange(BaseModel):
    model_config = _command({"status": "achieved"})
    status: ObjectiveStatus
    title: Text | None = None


# The record sections that are replaced whole, by their route name.
SECTIONS: dict[str, type[BaseModel]] = {
    "risk-factors": RiskFactorsIn,
    "medical-history": MedicalHistoryIn,
    "allergies": AllergiesIn,
    "treatments": TreatmentsIn,
}
