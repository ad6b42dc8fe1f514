"""Translation of a stay's announcements into integration events (the outbox)."""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from ecovid_events import IntegrationEvent
from ecovid_events.admissions import (
    AdmissionCancelled,
    AdmissionCancelledPayload,
    PatientDischarged,
    PatientHospitalised,
    PatientTransferred,
    StayPayload,
)
from ecovid_platform.integration import EVERY, envelope

from admissions import SERVICE
from admissions.domain.admission import Admission

_EVENTS = {"hospitalised": PatientHospitalised, "transferred": PatientTransferred, "discharged": PatientDischarged}
_REASONS = {"admission": "admission cancelled by the hospital", "discharge": "discharge cancelled by the hospital"}


def translate(event: Any, wanted: Container[str] = EVERY) -> Iterable[IntegrationEvent]:
    if not isinstance(event, Admission.Announced):
        return
    stay = {
        "admission_id": event.originator_id, "finess": event.finess, "hospital_name": event.hospital_name,
        "visit_number": event.visit_number, "unit": event.unit, "admitted_at": event.admitted_at,
        "discharged_at": event.discharged_at, "movement_at": event.movement_at, "source": event.source,
        "source_message_id": event.source_message_id,
    }
    head = envelope(event, SERVICE, event.patient_id)
    if event.kind == "cancelled":
        yield AdmissionCancelled(**head, payload=AdmissionCancelledPayload(
            **stay, cancelled=event.cancelled, retracts_event_ids=event.retracts,
            reason=_REASONS[event.cancelled],
        ))
    else:
        yield _EVENTS[event.kind](**head, payload=StayPayload(**stay))
