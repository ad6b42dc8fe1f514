"""Wires admissions: event store, outbox, the hospitals' topics, the dossier's identities, internal API."""

from __future__ import annotations

from ecovid_events import topics
from ecovid_platform.consumer import Commands
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings, load
from ecovid_platform.wiring import run, wire

from admissions import SERVICE, hl7v2, read_models, stays
from admissions.application import AdmissionsApplication
from admissions.entrypoints import http
from admissions.entrypoints.mllp import KafkaPublish, MllpListener, MllpSettings
from admissions.integration import translate
from admissions.messages import decode_json_record


def build(settings: ServiceSettings | None = None) -> ServiceProcess:
    parts = wire(SERVICE, AdmissionsApplication, settings, read_models=[read_models.metadata])
    app = parts.app
    assert isinstance(app, AdmissionsApplication)
    app.storage = parts.storage
    parts.publish_through_outbox(translate, topics.ADMISSIONS)
    parts.project_locally(stays.local_events, [stays.projection()], urgent=False)
    # The dossier's identities in a group of their own: matching reads them, and a stay that
    # finds no one waits for reconciliation, or for its patient to be registered (matched then).
    parts.consume("admissions.identities", topics.DOSSIER, {
        "PatientRegistered": Commands(app.identity_known),
        "PatientIdentityUpdated": Commands(app.identity_known),
    })
    parts.consume("admissions.hospital-json", topics.HOSPITAL_ADMISSIONS, {
        "HospitalMovement": Commands(app.record_movement),
    }, decode=decode_json_record)
    parts.consume("admissions.hospital-hl7v2", topics.HOSPITAL_ADT_HL7V2, {
        "HospitalMovement": Commands(app.record_movement),
    }, decode=hl7v2.decode_record)
    # The MLLP listener lives in this process: what it accepts goes to the topic read just above.
    mllp = load(MllpSettings, SERVICE)
    publish = KafkaPublish(parts.settings.kafka_bootstrap)
    listener = MllpListener(mllp, publish)
    background = [listener.serve] if mllp.port else []
    return parts.process(parts.http([http.router(app, parts.storage)]), background=background, closing=[publish.close])


def main() -> None:
    run(build())
