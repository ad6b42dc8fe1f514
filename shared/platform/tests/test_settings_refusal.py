"""Every service refuses bad settings with one line naming the variables, never a value.

Break: `load` lets pydantic's ValidationError through -> its message repeats the inputs
(the database password included) and there is no SystemExit -> fails. Break: name fields
read under their own name with the ECOVID_ prefix -> `ECOVID_POSTGRES_PORT` -> fails.
"""

from __future__ import annotations

import pytest

from ecovid_platform.settings import ServiceSettings, load


def test_a_refused_setting_is_one_line_naming_the_variables_and_no_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOVID_ENVIRONMENT", "production")  # with the development internal token
    monkeypatch.setenv("ECOVID_HTTP_PORT", "eighty")
    monkeypatch.setenv("POSTGRES_PORT", "not-a-port")
    monkeypatch.setenv("POSTGRES_PASSWORD", "a database password nobody may read")
    with pytest.raises(SystemExit) as refused:
        load(ServiceSettings, "documents")
    line = str(refused.value.code)
    assert line.startswith("documents refuses to start: ")
    assert "ECOVID_HTTP_PORT: " in line and "POSTGRES_PORT: " in line and "ECOVID_POSTGRES_PORT" not in line
    assert "eighty" not in line and "not-a-port" not in line and "nobody may read" not in line
    assert "\n" not in line


def test_a_valid_environment_gives_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOVID_HTTP_PORT", "8123")
    assert load(ServiceSettings, "documents").http_port == 8123
