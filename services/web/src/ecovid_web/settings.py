"""The web's settings, from the environment (the stack sets ECOVID_GATEWAY_URL and ECOVID_WEB_PORT)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    gateway_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8080
    # Secure cookies need HTTPS: on behind a TLS front (production), off on http://127.0.0.1.
    secure_cookie: bool = False
    session_hours: float = 8.0
    language: str = "fr"

    @classmethod
    def from_environment(cls) -> Settings:
        env = os.environ
        return cls(
            gateway_url=env.get("ECOVID_GATEWAY_URL", cls.gateway_url),
            host=env.get("ECOVID_WEB_HOST", cls.host),
            port=int(env.get("ECOVID_WEB_PORT", str(cls.port))),
            secure_cookie=env.get("ECOVID_WEB_SECURE_COOKIE", "").lower() in {"1", "true", "yes"}
            or env.get("ECOVID_ENVIRONMENT") == "production",
            session_hours=float(env.get("ECOVID_WEB_SESSION_HOURS", str(cls.session_hours))),
            language=env.get("ECOVID_WEB_LANGUAGE", cls.language),
        )
