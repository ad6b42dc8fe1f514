"""The combination rule: a NEWS2-style partial score that can turn a reading red on its own."""

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from .age import Age
from .scales import TABLE_STEP, ScoreScale, Value


class News2PartialScore(BaseModel):
    """Points per parameter (Royal College of Physicians, NEWS2 2017), without consciousness or oxygen."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    respiratory_rate: ScoreScale
    spo2: ScoreScale
    heart_rate: ScoreScale
    temperature: ScoreScale

    @field_validator("respiratory_rate", "spo2", "heart_rate", "temperature")
    @classmethod
    def _tiles_the_line(cls, scale: ScoreScale, info: ValidationInfo) -> ScoreScale:
        scale.check_partition(TABLE_STEP[str(info.field_name)])
        return scale

    def score(self, given: Mapping[str, Value]) -> int | None:
        """Sum over the scored parameters present; None when none is present."""
        points = [
            getattr(self, name).score_of(given[name])
            for name in type(self).model_fields
            if given.get(name) is not None
        ]
        return sum(points) if points else None


class CombinationRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    min_age_years: int = Field(ge=0)
    alert_at_score: int = Field(gt=0)
    news2_partial_score: News2PartialScore

    def score(self, given: Mapping[str, Value], age: Age) -> int | None:
        if age.years < self.min_age_years:
            return None
        return self.news2_partial_score.score(given)

    def raises_alert(self, score: int | None) -> bool:
        return score is not None and score >= self.alert_at_score
