"""Operators' command: `python -m dossier.rebuild_timeline` rebuilds the timeline read model
(as `ecovid-ops rebuild dossier timeline` does), with the service's own settings (environment)."""

from __future__ import annotations

import asyncio
import json

from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage

from dossier import SERVICE
from dossier.rebuild import rebuild_timeline


def main() -> None:
    settings = ServiceSettings()
    storage = Storage(SERVICE, settings)
    print(json.dumps(asyncio.run(rebuild_timeline(storage, settings.kafka_bootstrap))))


if __name__ == "__main__":
    main()
