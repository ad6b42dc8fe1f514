"""Commands on the coordination record beyond identity: clinical context (antécédents,
facteurs de risque, allergies, traitements), shared notes and objectives of care."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
_COMMAND = ConfigDict(extra="forbid", frozen=True)


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
    model_config = _COMMAND

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
    since: date | None = None
    note: Text | None = None


class Allergy(BaseModel):
    model_config = _COMMAND
    substance: Text
    reaction: Text | None = None


class Treatment(BaseModel):
    model_config = _COMMAND
    name: Text
    dosage: Text | None = None
    since: date | None = None


class MedicalHistoryIn(BaseModel):
    model_config = _COMMAND
    entries: list[HistoryEntry] = Field(max_length=200)


class AllergiesIn(BaseModel):
    model_config = _COMMAND
    entries: list[Allergy] = Field(max_length=200)


class TreatmentsIn(BaseModel):
    model_config = _COMMAND
    entries: list[Treatment] = Field(max_length=200)


class NoteIn(BaseModel):
    """A note shared with the care circle; photos are attached through the documents service."""

    model_config = _COMMAND
    text: LongText
    document_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class ObjectiveIn(BaseModel):
    model_config = _COMMAND
    title: Text
    status: ObjectiveStatus = ObjectiveStatus.OPEN


class ObjectiveChange(BaseModel):
    model_config = _COMMAND
    status: ObjectiveStatus
    title: Text | None = None


# The record sections that are replaced whole, by their route name.
SECTIONS: dict[str, type[BaseModel]] = {
    "risk-factors": RiskFactorsIn,
    "medical-history": MedicalHistoryIn,
    "allergies": AllergiesIn,
    "treatments": TreatmentsIn,
}
EMPTY_SECTIONS: dict[str, Any] = {
    "risk-factors": {"factors": [], "other": None},
    "medical-history": {"entries": []},
    "allergies": {"entries": []},
    "treatments": {"entries": []},
}
