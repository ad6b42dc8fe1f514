"""The indicators of one reading (relevé) and their physical limits; nothing outside them is coloured."""

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Dyspnea(StrEnum):
    """Gêne respiratoire."""

    NONE = "none"
    EXERTION = "exertion"
    REST = "rest"


class ReadingValues(BaseModel):
    """Every indicator is optional, but a reading must carry at least one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    temperature: Annotated[Decimal, Field(ge=Decimal("30.0"), le=Decimal("45.0"))] | None = None
    heart_rate: Annotated[int, Field(ge=20, le=250)] | None = None
    respiratory_rate: Annotated[int, Field(ge=4, le=80)] | None = None
    spo2: Annotated[int, Field(ge=50, le=100)] | None = None
    dyspnea: Dyspnea | None = None
    chills: bool | None = None
    malaise: bool | None = None
    cough: bool | None = None
    anosmia: bool | None = None
    digestive_troubles: bool | None = None
    wishes_to_stay_home: bool | None = None

    @model_validator(mode="after")
    def _needs_one_indicator(self) -> "ReadingValues":
        if not self.given():
            raise ValueError("a reading needs at least one indicator")
        return self

    def given(self) -> dict[str, Any]:
        """The indicators that carry a value, in the order of INDICATORS."""
        return {name: value for name, value in self if value is not None}


INDICATORS: tuple[str, ...] = tuple(ReadingValues.model_fields)
MEASURED = ("temperature", "heart_rate", "respiratory_rate", "spo2")
ANSWERED = tuple(name for name in INDICATORS if name not in MEASURED)
