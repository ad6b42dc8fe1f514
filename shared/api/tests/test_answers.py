"""Declaring an answer's model changes none of its bytes: moments stay as the services wrote them.

Break: the PlainSerializer removed from ecovid_api.common.Timestamp -> both tests fail
(pydantic writes "Z" where the services, and test_first_path, say "+00:00").
"""

from __future__ import annotations

import uuid

import orjson

from ecovid_api.alerts import Alert
from ecovid_api.record_views import Section

RAISED = "2026-12-01T05:20:22.080451+00:00"


def test_an_alert_s_moment_is_written_as_stored() -> None:
    alert = {"id": str(uuid.uuid4()), "kind": "threshold", "level": "alert", "patient_id": str(uuid.uuid4()),
             "status": "raised", "summary": "SpO2 91 %", "reading_id": None, "raised_at": RAISED,
             "acknowledged_at": None, "acknowledged_by": None, "episode_id": str(uuid.uuid4()), "occurrences": 2,
             "updated_at": RAISED, "escalation_step": 1, "escalated_at": RAISED, "resolved_at": RAISED,
             "resolved_by": "hospital", "resolution_reason": "cancelled_by_hospital",
             "resolution_note": "admission cancelled", "failed_notifications": 0, "read": True}
    assert orjson.loads(Alert.model_validate(alert).model_dump_json()) == alert


def test_a_section_s_history_is_written_as_stored() -> None:
    change = {"at": "2026-12-01T05:20:22+00:00", "by": {"kind": "professional", "id": "p1"}, "version": 2,
              "content": {"entries": []}}
    section = {"current": {"entries": []}, "updated_at": change["at"], "updated_by": change["by"],
               "history": [change]}
    assert orjson.loads(Section.model_validate(section).model_dump_json()) == section
