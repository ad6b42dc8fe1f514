"""Wires alerting: event store, outbox, consumers of breaches and circles, internal API."""

from __future__ import annotations

import uuid
from datetime import timedelta

from ecovid_events import topics
from ecovid_platform.consumer import Commands
from ecovid_platform.rebuild import ServiceReadModels
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings, load
from ecovid_platform.storage import Storage
from ecovid_platform.wiring import run, wire

from alerting import SERVICE, escalation, read_models
from alerting.application import AlertingApplication, Members
from alerting.entrypoints import http
from alerting.integration import LIGHT, translate
from alerting.notifications import outbox
from alerting.notifications.channels import Channel, Email, sms_channel
from alerting.notifications.sender import Directory, Sender
from alerting.settings import AlertingSettings


def build(settings: ServiceSettings | None = None, alerting: AlertingSettings | None = None) -> ServiceProcess:
    alerting = alerting or load(AlertingSettings, SERVICE)
    parts = wire(SERVICE, AlertingApplication, settings, read_models=[read_models.metadata])
    app = parts.app
    assert isinstance(app, AlertingApplication)
    parts.publish_through_outbox(translate, topics.ALERTING)
    app.members = members_from(parts.storage)
    alert_list, circles = read_models.read_models()
    assert alert_list.local is not None and circles.consumed is not None
    # The alert list from alerting's own notification log, not read back through Kafka.
    # The notification outbox is planned from the same log, but is no read model: a rebuild
    # never plans (nor sends) anything.
    plan = outbox.planner(timedelta(seconds=alerting.notify_max_age_seconds))
    delay = timedelta(seconds=alerting.alert_escalation_delay)
    parts.project_locally(translate, [alert_list.local, plan, escalation.projection(delay)])
    # One consumer group: it raises alerts from breaches and missed reports (event-sourced,
    # with tracking), alerts the circle of hospital stays, and keeps the care circles (a read model).
    topics_read = (topics.ECOVID_MONITOR, topics.ADMISSIONS, *circles.consumed.topics)
    parts.consume(circles.consumed.consumer, topics_read, {
        "ThresholdBreached": Commands(app.alerts_for_breach),
        "ReadingOverdue": Commands(app.alerts_for_missed_report),
        "PatientHospitalised": Commands(app.alerts_for_stay),
        "PatientDischarged": Commands(app.alerts_for_stay),
        "AdmissionCancelled": Commands(app.alerts_retracted),
        "EmergencyAccessDeclared": Commands(app.alerts_for_emergency_access),
        # A reading ends the episode's missed-report alert, if one is open.
        "ReadingRecorded": Commands(app.reading_arrived),
        **circles.consumed.handlers,
    })
    sender = notifications_sender(parts.storage, parts.settings.internal_token.get_secret_value(), alerting, app)
    watcher = escalation.Watcher(app, parts.storage, poll_seconds=min(1.0, alerting.alert_escalation_delay / 4))
    return parts.process(parts.http([http.router(app, parts.storage)]), background=[sender.run, watcher.run])


def notifications_sender(
    storage: Storage, internal_token: str, alerting: AlertingSettings, app: AlertingApplication
) -> Sender:
    channels: dict[str, Channel] = {"email": Email(alerting)}
    sms = sms_channel(alerting)
    if sms is not None:
        channels["sms"] = sms
    directory = Directory(alerting.care_circle_url, internal_token, storage)
    return Sender(storage, channels, directory, alerting, app.notification_failed)


def members_from(storage: Storage) -> Members:
    """Recipients are chosen from the circle as alerting's consumer has applied it so far."""

    def members(patient_id: uuid.UUID) -> list[tuple[uuid.UUID, str | None]]:
        with storage.transaction() as session:
            return read_models.members_of(session, patient_id)

    return members


def rebuildable() -> ServiceReadModels:
    """What `ecovid-ops rebuild alerting` replays, and through what."""
    return ServiceReadModels(SERVICE, AlertingApplication, translate, read_models.read_models(), light=LIGHT)


def main() -> None:
    run(build())
