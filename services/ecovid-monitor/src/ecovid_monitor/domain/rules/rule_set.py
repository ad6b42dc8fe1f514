"""The clinical rule set (référentiel de seuils): a versioned document validated on load."""

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .age import Age
from .answers import Answers
from .combination import CombinationRule
from .levels import Level
from .reading_values import MEASURED
from .scales import TABLE_STEP, LevelScale, RuleError

ADULT_BAND = "adult"


class LevelDefinition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    colour: str
    meaning: str


class MeasuredTables(BaseModel):
    """Levels of the measured indicators for one population: adults, or one child age band."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    temperature: LevelScale
    heart_rate: LevelScale
    respiratory_rate: LevelScale
    spo2: LevelScale

    @field_validator(*MEASURED)
    @classmethod
    def _tiles_the_line(cls, scale: LevelScale, info: ValidationInfo) -> LevelScale:
        scale.check_partition(TABLE_STEP[str(info.field_name)])
        scale.check_one_normal()
        return scale

    def scale(self, indicator: str) -> LevelScale:
        scale: LevelScale = getattr(self, indicator)
        return scale


class ChildBand(MeasuredTables):
    """A paediatric age band, from `from_months` included to `below_months` excluded."""

    name: str = Field(min_length=1)
    from_months: int = Field(ge=0)
    below_months: int = Field(gt=0)


class Children(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    under_age_years: int = Field(gt=0)
    bands: tuple[ChildBand, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _bands_cover_childhood(self) -> "Children":
        end = 0
        for index, band in enumerate(self.bands):
            where = f"bands[{index}]"
            if band.from_months != end:
                raise RuleError(where, f"starts at month {band.from_months}, expected {end} (no gap, no overlap)")
            if band.below_months <= band.from_months:
                raise RuleError(where, "below_months must be after from_months")
            end = band.below_months
        if end != self.under_age_years * 12:
            last = f"bands[{len(self.bands) - 1}]"
            raise RuleError(last, f"ends at month {end}, expected {self.under_age_years * 12}")
        self._check_names()
        return self

    def _check_names(self) -> None:
        names = [band.name for band in self.bands]
        for index, name in enumerate(names):
            if name == ADULT_BAND or name in names[:index]:
                raise RuleError(f"bands[{index}].name", f"{name!r} is already used")

    def band_for(self, age: Age) -> ChildBand:
        return next(band for band in self.bands if band.from_months <= age.months < band.below_months)


class RuleSet(BaseModel):
    """Everything the colouring needs; `id` and `version` are recorded with every result."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    title: str = ""
    levels: dict[Level, LevelDefinition]
    adults: MeasuredTables
    children: Children
    answers: Answers
    combination_rule: CombinationRule

    @field_validator("levels")
    @classmethod
    def _every_level_defined(cls, levels: dict[Level, LevelDefinition]) -> dict[Level, LevelDefinition]:
        missing = set(Level) - levels.keys()
        if missing:
            raise ValueError(f"no definition for {sorted(map(str, missing))}")
        return levels

    def tables_for(self, age: Age) -> tuple[str, MeasuredTables]:
        """The age band's name and its tables; children are those under `children.under_age_years`."""
        if age.years >= self.children.under_age_years:
            return ADULT_BAND, self.adults
        band = self.children.band_for(age)
        return band.name, band
