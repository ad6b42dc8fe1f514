"""Levels of the indicators a patient answers by a choice, the same at every age."""

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from .levels import Level
from .reading_values import ANSWERED, Dyspnea

_CHOICES: dict[str, frozenset[object]] = {name: frozenset({True, False}) for name in ANSWERED}
_CHOICES["dyspnea"] = frozenset(Dyspnea)


class Answers(BaseModel):
    """Each answer maps every possible value to a level (e.g. `cough: {false: normal, true: watch}`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dyspnea: dict[Dyspnea, Level]
    chills: dict[bool, Level]
    malaise: dict[bool, Level]
    cough: dict[bool, Level]
    anosmia: dict[bool, Level]
    digestive_troubles: dict[bool, Level]
    wishes_to_stay_home: dict[bool, Level]

    @field_validator(*ANSWERED)
    @classmethod
    def _every_choice_coloured(cls, levels: dict[object, Level], info: ValidationInfo) -> dict[object, Level]:
        missing = _CHOICES[str(info.field_name)] - levels.keys()
        if missing:
            raise ValueError(f"no level for {sorted(map(str, missing))}")
        if Level.UNKNOWN in levels.values():
            raise ValueError("unknown is kept for absent values; use normal, watch or alert")
        return levels

    def level_of(self, indicator: str, value: object) -> Level:
        levels: dict[object, Level] = getattr(self, indicator)
        return levels[value]
