"""Operators' command: `python -m dossier.rebuild_timeline` rebuilds the timeline read model
from the topics, with the service's own settings (environment)."""

from __future__ import annotations

import asyncio
import json

from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage

from dossier import SERVICE, read_models
from dossier.rebuild import rebuild_timeline


def main() -> None:
    settings = ServiceSettings()
    storage = Storage(SERVICE, settings)
    storage.create_tables(read_models.metadata)
    print(json.dumps(asyncio.run(rebuild_timeline(storage, settings.kafka_bootstrap))))


if __name__ == "__main__":
    main()
