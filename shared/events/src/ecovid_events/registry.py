"""Decode raw Kafka values into typed integration events, or say precisely why not."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field, TypeAdapter, ValidationError

from ecovid_events.admissions import (
    AdmissionCancelled,
    PatientDischarged,
    PatientHospitalised,
    PatientTransferred,
)
from ecovid_events.alerting import (
    AlertAcknowledged,
    AlertEscalated,
    AlertRaised,
    AlertResolved,
    AlertUpdated,
    NotificationFailed,
)
from ecovid_events.care_circle import (
    CareTeamMemberAdded,
    CareTeamMemberRemoved,
    EmergencyAccessDeclared,
    ProfessionalDeactivated,
    ProfessionalRegistered,
    StructureRegistered,
)
from ecovid_events.documents import DocumentAdded
from ecovid_events.dossier import (
    AllergiesUpdated,
    MedicalHistoryUpdated,
    NoteShared,
    ObjectiveSet,
    PatientIdentityUpdated,
    PatientRegistered,
    RiskFactorsUpdated,
    TreatmentsUpdated,
)
from ecovid_events.ecovid import (
    CareEpisodeClosed,
    CareEpisodeOpened,
    CareStatusChanged,
    ReadingOverdue,
    ReadingRecorded,
    ThresholdBreached,
)
from ecovid_events.envelope import IntegrationEvent
from ecovid_events.gateway import RecordAccessed
from ecovid_events.ops import ChainCheckpointed

EVENT_TYPES: tuple[type[IntegrationEvent], ...] = (
    PatientRegistered,
    PatientIdentityUpdated,
    RiskFactorsUpdated,
    MedicalHistoryUpdated,
    AllergiesUpdated,
    TreatmentsUpdated,
    NoteShared,
    ObjectiveSet,
    CareEpisodeOpened,
    ReadingRecorded,
    ThresholdBreached,
    CareStatusChanged,
    CareEpisodeClosed,
    ReadingOverdue,
    AlertRaised,
    AlertAcknowledged,
    AlertUpdated,
    AlertEscalated,
    AlertResolved,
    NotificationFailed,
    CareTeamMemberAdded,
    CareTeamMemberRemoved,
    EmergencyAccessDeclared,
    StructureRegistered,
    ProfessionalRegistered,
    ProfessionalDeactivated,
    RecordAccessed,
    DocumentAdded,
    PatientHospitalised,
    PatientTransferred,
    PatientDischarged,
    AdmissionCancelled,
    ChainCheckpointed,
)

# Union[tuple] builds the union from the tuple's types; the `X | Y` form cannot.
_AnyEvent = Annotated[Union[EVENT_TYPES], Field(discriminator="event_type")]  # type: ignore[valid-type]  # noqa: UP007
_adapter: TypeAdapter[IntegrationEvent] = TypeAdapter(_AnyEvent)


class InvalidEvent(ValueError):
    """A message that no consumer may apply: the reason goes to the dead-letter topic."""


def parse_event(raw: bytes) -> IntegrationEvent:
    try:
        return _adapter.validate_json(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "message"
        raise InvalidEvent(f"{where}: {first['msg']}") from None
