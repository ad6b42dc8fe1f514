"""A rebuild decodes stored raised alerts the light way (ecovid_platform.light): the records the
alert list gets must carry what `translate` gives, field by field and type by type."""

from __future__ import annotations

import uuid

from alerting_events import breach

from ecovid_events import Actor
from ecovid_events.ecovid import Breach
from ecovid_platform.light import LightReader, differences

from alerting.application import AlertingApplication
from alerting.domain.alert import Alert
from alerting.integration import LIGHT, translate


def test_light_records_are_what_translate_gives(app: AlertingApplication) -> None:
    """Break: raised_at with its microseconds dropped -> fails; break: reading_id left a tagged
    dict -> fails; break: LightReader drops what has no decoder -> the acknowledgement is lost."""
    alerts = []
    for value in (88, 91):
        cause = breach("alert", [Breach(indicator="spo2", value=value, level="alert")], patient_id=uuid.uuid4())
        # The alert and its episode's bookkeeping (EpisodeAlerts: one open alert per episode).
        changed = app.alerts_for_breach(cause)
        app.save(*changed)
        alerts.append(next(one for one in changed if isinstance(one, Alert)))
    app.acknowledge(alerts[0].id, Actor(kind="professional", id="pro-7"), "corr-ack")
    notifications = list(app.recorder.select_notifications(1, 10))
    assert differences(app, translate, LIGHT, notifications) == []
    wanted = {"AlertRaised", "AlertAcknowledged"}
    reader = LightReader(app, translate, LIGHT, wanted)
    got = reader.read(notifications)
    expected = [(n.id, e) for n in notifications for e in translate(app.mapper.to_domain_event(n), wanted)]
    assert [(i, e.event_type, e.event_id) for i, e in got] == [(i, e.event_type, e.event_id) for i, e in expected]
    assert (reader.light, reader.long_way) == (0, 3)  # the episodes' bookkeeping is skipped, not counted
