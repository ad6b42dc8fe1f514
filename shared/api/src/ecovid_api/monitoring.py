"""COVID care episodes, readings, the monitoring lists and the rule-set dry run: bodies,
query filters and answers."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictBool, WithJsonSchema, model_validator

from ecovid_api.common import Timestamp
from ecovid_api.text import Line200
from ecovid_platform.moments import Moment
from ecovid_platform.page_bounds import MAX_LIMIT, MAX_OFFSET

FollowUpStatus = Literal["suspected", "tested_positive", "tested_negative"]
ListLevel = Literal["normal", "watch", "alert", "overdue", "none"]
EPISODE_ID = "3f2b6c1e-8d4a-4b8e-9a51-6c2d1e0f7a93"
PATIENT_ID = "9a7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
STRUCTURE_ID = "0b7e8f0e-5a3c-4a52-9d55-3f0a3e5b1c11"


class EpisodeIn(BaseModel):
    """Enrolment of a patient in a COVID care episode (the patient is the route's)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "started_on": "2026-11-28", "status": "tested_positive", "structure_id": STRUCTURE_ID,
        "first_symptoms_on": "2026-11-26", "readings_per_day": 2, "needs_assistance": False,
    }]})

    started_on: date
    status: FollowUpStatus
    structure_id: uuid.UUID
    component: Line200 | None = None
    first_symptoms_on: date | None = None
    readings_per_day: Annotated[int, Field(ge=1, le=12)] = 2
    needs_assistance: StrictBool = False


class EpisodeCommand(EpisodeIn):
    """What the gateway sends ecovid-monitor: the public body, the patient and their birth
    date (from the dossier), against which the episode's dates are checked."""

    model_config = ConfigDict(extra="forbid")

    patient_id: uuid.UUID
    birth_date: date


class EpisodeChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "tested_negative"}]})

    status: FollowUpStatus


class Dyspnea(StrEnum):
    """Gêne respiratoire."""

    NONE = "none"
    EXERTION = "exertion"
    REST = "rest"


# A yes/no answer is JSON true or false: pydantic's lax mode took 0, 1, "yes", "off" too,
# which the schema (boolean) calls invalid, so a front end could never know.
Answer = Annotated[bool, Strict()]
# A number in the schema: pydantic's Decimal also shows (and takes) a string, and "" was
# then schema-valid but refused.
Temperature = Annotated[
    Decimal, Field(ge=Decimal("30.0"), le=Decimal("45.0"), allow_inf_nan=False),
    WithJsonSchema({"type": "number", "minimum": 30.0, "maximum": 45.0}),
]


class ReadingValues(BaseModel):
    """The indicators of one reading (relevé) and their physical limits; every indicator is
    optional, but a reading must carry at least one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    temperature: Temperature | None = None
    heart_rate: Annotated[int, Field(ge=20, le=250)] | None = None
    respiratory_rate: Annotated[int, Field(ge=4, le=80)] | None = None
    spo2: Annotated[int, Field(ge=50, le=100)] | None = None
    dyspnea: Dyspnea | None = None
    chills: Answer | None = None
    malaise: Answer | None = None
    cough: Answer | None = None
    anosmia: Answer | None = None
    digestive_troubles: Answer | None = None
    wishes_to_stay_home: Answer | None = None

    @model_validator(mode="after")
    def _needs_one_indicator(self) -> ReadingValues:
        if not self.given():
            raise ValueError("a reading needs at least one indicator")
        return self

    def given(self) -> dict[str, Any]:
        """The indicators that carry a value, in the order of INDICATORS."""
        return {name: value for name, value in self if value is not None}


INDICATORS: tuple[str, ...] = tuple(ReadingValues.model_fields)
Indicator = Literal[INDICATORS]  # type: ignore[valid-type]


class ReadingIn(ReadingValues):
    """A reading as entered: when it was taken (with its offset) and the indicators."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra={"examples": [{
        "taken_at": "2026-11-30T08:15:00+01:00", "temperature": 38.4, "heart_rate": 96, "spo2": 94,
        "dyspnea": "exertion", "cough": True,
    }]})

    taken_at: Moment

    def given(self) -> dict[str, Any]:
        # taken_at is when, not what: it does not make a reading non-empty.
        return {k: v for k, v in super().given().items() if k != "taken_at"}


class MonitoringFilters(BaseModel):
    """The monitoring list's filters and paging, as a front end gives them (declared once:
    the gateway takes them, ecovid-monitor applies them)."""

    population: Literal["adults", "children"]
    level: ListLevel | None = None
    symptom: Indicator | None = None
    updated_before: Moment | None = None
    updated_after: Moment | None = None
    age_min: Annotated[int, Field(ge=0, le=150)] | None = None
    age_max: Annotated[int, Field(ge=0, le=150)] | None = None
    commune: Line200 | None = None
    first_symptoms_from: date | None = None
    first_symptoms_to: date | None = None
    name: Line200 | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"rows in the page, 1 to {MAX_LIMIT}")] = 50
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET, description=f"rows skipped, 0 to {MAX_OFFSET}")] = 0


class MonitoringQuery(MonitoringFilters):
    """What ecovid-monitor is asked: the filters, within the caller's structure."""

    structure_id: uuid.UUID


class VisiblePatients(BaseModel):
    """The patients a professional may see, given by the gateway (from their care circles)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"patient_ids": [PATIENT_ID]}]})

    patient_ids: list[uuid.UUID] = Field(max_length=100_000)


class CandidateRuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"rule_set": "id: adults-2026\nversion: '2'\n..."}]
    })

    rule_set: str | dict[str, Any] = Field(description="the YAML (or JSON) text, or the document itself")


# Answers.


class Episode(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": EPISODE_ID, "patient_id": PATIENT_ID, "started_on": "2026-11-28", "status": "tested_positive",
        "structure_id": STRUCTURE_ID, "component": None, "first_symptoms_on": "2026-11-26",
        "readings_per_day": 2, "needs_assistance": False, "open": True, "closed_on": None,
        "general_state": "watch", "hospitalised": False,
    }]})

    id: uuid.UUID
    patient_id: uuid.UUID
    started_on: date
    status: FollowUpStatus
    structure_id: uuid.UUID
    component: str | None = None
    first_symptoms_on: date | None = None
    readings_per_day: int = 2
    needs_assistance: bool = False
    open: bool
    closed_on: date | None = None
    general_state: str | None = None
    hospitalised: bool = False


class RuleSetRef(BaseModel):
    id: str
    version: str


class ReadingRecorded(BaseModel):
    """A recorded reading's colouring: its overall level and each indicator's."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b", "overall_level": "watch",
        "levels": {"temperature": "watch", "heart_rate": "normal", "spo2": "watch"},
        "rule_set": {"id": "adults", "version": "1"}, "age_band": "adult",
    }]})

    id: uuid.UUID
    overall_level: str
    levels: dict[str, str]
    rule_set: RuleSetRef
    age_band: str


class Reading(BaseModel):
    id: uuid.UUID
    taken_at: Timestamp
    recorded_at: Timestamp | None = None
    source: str
    values: dict[str, Any]
    overall_level: str
    levels: dict[str, str]


class SeriesPoint(BaseModel):
    taken_at: Timestamp
    value: Any
    level: str


class MonitoredPatient(BaseModel):
    """A row of the list; the identity is None until the dossier's registration is read."""

    patient_id: uuid.UUID
    last_name: str | None = None
    first_name: str | None = None
    age: int | None = None
    commune: str | None = None
    general_state: str | None = None
    last_reading_at: Timestamp | None = None
    levels: dict[str, Any] = Field(default_factory=dict)
    episode_id: uuid.UUID
    status: str
    hospitalised: bool
    first_symptoms_on: date | None = None


class MonitoringPage(BaseModel):
    total: int
    limit: int
    offset: int
    rows: list[MonitoredPatient]


class OverallChange(BaseModel):
    reading_id: str
    before: str
    after: str


class DryRunReport(BaseModel):
    """How many readings and patients a candidate rule set would colour otherwise."""

    rule_set_id: str
    rule_set_version: str
    readings_evaluated: int
    patients_evaluated: int
    readings_overall_changed: int
    patients_overall_changed: int
    readings_indicator_changed: int
    overall_changes: list[OverallChange]
    complete: bool
