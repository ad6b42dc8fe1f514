"""Jinja2 with autoescape on for every template (nothing from the API is ever marked safe), the
catalogue's `t`, and the filters the pages share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from ecovid_web import charts, levels
from ecovid_web.catalogue import CATALOGUES, FR, translator

# The users are in France: times are shown in Paris time, whatever the server's zone.
LOCAL_ZONE = ZoneInfo("Europe/Paris")


def moment(value: str | None) -> str:
    if not value:
        return ""
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return when.astimezone(LOCAL_ZONE).strftime("%d/%m/%Y %H:%M")


def said(language: str) -> Callable[[str, object], str]:
    """`said(prefix, value)`: the catalogue's text for a value the API gives (a role, a profession),
    or the value itself when the catalogue has none (an older circle's role in free text)."""
    texts = CATALOGUES.get(language, FR)

    def text(prefix: str, value: object) -> str:
        return texts.get(f"{prefix}{value}", str(value or ""))

    return text


def environment(language: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,  # every template, whatever its name
    )
    env.globals.update(t=translator(language), said=said(language), shown=levels.shown,
                       chart_size=(charts.WIDTH, charts.HEIGHT))
    env.filters["moment"] = moment
    return env


def render(env: jinja2.Environment, name: str, **context: Any) -> str:
    return env.get_template(name).render(**context)
