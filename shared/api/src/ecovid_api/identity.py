"""Identity of a patient as commands give it: registration (IdentityIn) and
correction (IdentityUpdate), validated by the gateway at the edge and by the dossier
before it records anything."""

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ecovid_api import formats, names
from ecovid_api.text import FILLED_LINE

__all__ = ["EARLIEST_BIRTH_DATE", "TODAY", "IdentityIn", "IdentityUpdate", "InsStatus", "Sex"]

EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# Key of the validation context that carries today's date; the caller's clock
# fills it: IdentityIn.model_validate(payload, context={TODAY: clock.today()}).
TODAY = "today"
# UTC+14 is where the calendar turns first: without a given today, a baby born
# just after midnight in Paris or Réunion is never refused by a server on UTC.
_EARLIEST_ZONE = timezone(timedelta(hours=14))


class Sex(StrEnum):
    """Sex of the patient; unknown stands for an undetermined sex (sexe indéterminé)."""

    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class InsStatus(StrEnum):
    """Whether the INS was confirmed by the INSi teleservice (identité qualifiée)."""

    QUALIFIED = "qualified"
    UNQUALIFIED = "unqualified"


def _today(context: Any) -> date:
    if isinstance(context, Mapping) and context.get(TODAY) is not None:
        today: date = context[TODAY]
        return today
    return datetime.now(_EARLIEST_ZONE).date()


def _check_birth_date(value: date, info: ValidationInfo) -> date:
    if value > _today(info.context):
        raise ValueError("birth date cannot be in the future")
    if value < EARLIEST_BIRTH_DATE:
        raise ValueError(f"birth date cannot be before {EARLIEST_BIRTH_DATE.isoformat()}")
    return value


def _check_ins_status(value: InsStatus | None, info: ValidationInfo) -> InsStatus | None:
    if "ins" not in info.data:
        return value  # the INS itself was invalid and is already reported
    if info.data["ins"] is None:
        if value is not None:
            raise ValueError("ins_status is only allowed together with ins")
        return None
    return value or InsStatus.UNQUALIFIED


PersonName = Annotated[str, AfterValidator(names.check_person_name)]
PlaceName = Annotated[str, AfterValidator(names.check_place_name)]
BirthDate = Annotated[date, AfterValidator(_check_birth_date)]
InseeCode = Annotated[str, AfterValidator(formats.check_insee_code)]
PostalCode = Annotated[str, AfterValidator(formats.check_postal_code)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=250, pattern=FILLED_LINE)]
Phone = Annotated[str, AfterValidator(formats.normalise_phone)]
Email = Annotated[str, AfterValidator(formats.check_email)]
Ins = Annotated[str, AfterValidator(formats.check_ins)]
# Declared after ins in both models: its check reads the validated ins.
StatusOfIns = Annotated[InsStatus | None, AfterValidator(_check_ins_status)]

# Unknown keys are refused so that a misspelt field is not silently dropped (extra="forbid").
_REGISTRATION: dict[str, Any] = {
    "last_name": "Lefèvre", "first_name": "Anaïs", "birth_date": "1961-05-04", "sex": "female",
    "commune": "Saint-Denis", "postal_code": "93200", "phone": "06 12 34 56 78",
    "email": "anais.lefevre@example.fr",
}


class IdentityIn(BaseModel):
    """Identity given to register a patient; first_name may hold several given names."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={"examples": [_REGISTRATION]})

    last_name: PersonName
    birth_name: PersonName | None = None
    first_name: PersonName
    birth_date: BirthDate
    sex: Sex
    birthplace_insee: InseeCode | None = None
    commune: PlaceName
    postal_code: PostalCode | None = None
    address: Address | None = None
    phone: Phone | None = None
    email: Email | None = None
    ins: Ins | None = None
    ins_status: StatusOfIns = Field(default=None, validate_default=True)


def _kept(schema: dict[str, Any]) -> None:
    """A trait every identity keeps: its schema is not nullable (null is refused), though the
    field itself may be left out. The Python type stays `X | None` so that a refusal names
    the field alone (a union of its own would name each branch)."""
    branches = [branch for branch in schema.pop("anyOf", []) if branch.get("type") != "null"]
    schema.update(branches[0] if len(branches) == 1 else {"anyOf": branches})
    schema.pop("default", None)


class IdentityUpdate(BaseModel):
    """Correction of identity traits; a field left out stays, null removes an optional one."""

    # The schema says what can be removed (null) and that something changes (minProperties):
    # the required traits were shown nullable, and `{}` valid, both refused.
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={
        "examples": [{"last_name": "Lefèvre-Martin", "phone": None}], "minProperties": 1,
    })

    last_name: PersonName | None = Field(default=None, json_schema_extra=_kept)
    birth_name: PersonName | None = None
    first_name: PersonName | None = Field(default=None, json_schema_extra=_kept)
    birth_date: BirthDate | None = Field(default=None, json_schema_extra=_kept)
    sex: Sex | None = Field(default=None, json_schema_extra=_kept)
    birthplace_insee: InseeCode | None = None
    commune: PlaceName | None = Field(default=None, json_schema_extra=_kept)
    postal_code: PostalCode | None = None
    address: Address | None = None
    phone: Phone | None = None
    email: Email | None = None
    ins: Ins | None = None
    ins_status: StatusOfIns = Field(default=None, validate_default=True)

    @field_validator("last_name", "first_name", "birth_date", "sex", "commune", mode="before")
    @classmethod
    def _keep_required_traits(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be removed from an identity")
        return value

    @model_validator(mode="after")
    def _change_something(self) -> "IdentityUpdate":
        if not self.changes():
            raise ValueError("an identity update must change at least one field")
        return self

    def changes(self) -> dict[str, Any]:
        """Fields to apply. A new or removed INS always brings its status, so a
        "qualified" status can never outlive the number it was given for."""
        changes = self.model_dump(exclude_unset=True, exclude={"ins_status"})
        if "ins" in changes:
            changes["ins_status"] = self.ins_status
        return changes


# One line holding at least three letters or digits: the dossier folds names (accents, case and
# punctuation aside) and searches from three of them; said here so that the schema tells.
SEARCH_PREFIX = r"^(?:[^\x00-\x1f\x7f]*?[^\W_]){3}[^\x00-\x1f\x7f]*$"
SearchPrefix = Annotated[str, StringConstraints(min_length=3, max_length=100, pattern=SEARCH_PREFIX)]


class PatientSearch(BaseModel):
    """The patient search's query: name prefixes (accents and case ignored), a birth date."""

    last_name: SearchPrefix
    first_name: SearchPrefix
    birth_date: date | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20
