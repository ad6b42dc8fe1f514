"""Translation of the dossier's stored events into integration events (the outbox)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ecovid_events import IntegrationEvent
from ecovid_events.dossier import (
    PatientIdentity,
    PatientIdentityUpdated,
    PatientRegistered,
    PatientRegisteredPayload,
)
from ecovid_platform.integration import envelope

from dossier import SERVICE
from dossier.domain.patient import Patient

_IDENTITY_FIELDS = set(PatientIdentity.model_fields)


def _identity(identity: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in identity.items() if key in _IDENTITY_FIELDS}


def translate(event: Any) -> Iterable[IntegrationEvent]:
    head = envelope(event, SERVICE, event.originator_id)
    if isinstance(event, Patient.Registered):
        payload = PatientRegisteredPayload(
            **_identity(event.identity), registered_by=event.registered_by
        )
        yield PatientRegistered(**head, payload=payload)
    elif isinstance(event, Patient.IdentityUpdated):
        yield PatientIdentityUpdated(**head, payload=PatientIdentity(**_identity(event.identity)))
