"""`python -m ecovid_web`: the web front end on ECOVID_WEB_PORT (8080), using ECOVID_GATEWAY_URL."""

from __future__ import annotations

import uvicorn

from ecovid_web.app import create_app
from ecovid_web.settings import Settings

settings = Settings.from_environment()
# Open alert feeds (/live) never end by themselves: a stop waits 3 s for them, not forever.
uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning",
            timeout_graceful_shutdown=3)
