"""Write one JSON Schema per integration event (`make schemas`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ecovid_events.admissions import HospitalAdmissionMessage
from ecovid_events.registry import EVENT_TYPES


def export(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type in EVENT_TYPES:
        schema = event_type.model_json_schema()
        version = event_type.model_fields["schema_version"].default
        path = directory / f"{event_type.__name__}.v{version}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    # What hospitals write to `hospital.admissions` (not an integration event: no envelope).
    path = directory / "hospital.admissions.json"
    path.write_text(json.dumps(HospitalAdmissionMessage.model_json_schema(), indent=2, sort_keys=True) + "\n")
    written.append(path)
    return written


if __name__ == "__main__":
    for path in export(Path(sys.argv[1] if len(sys.argv) > 1 else "schemas")):
        print(path)
