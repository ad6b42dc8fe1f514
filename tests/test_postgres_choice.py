"""Which PostgreSQL `make test` uses: the one given, the one running, or a throwaway one."""

from __future__ import annotations

from tests.integration.support import choose_postgres


def nothing_listens(host: str, port: int) -> bool:
    return False


def postgres_listens(host: str, port: int) -> bool:
    return (host, port) == ("127.0.0.1", 5432)


def test_a_machine_without_postgres_gets_a_throwaway_server() -> None:
    """Break: return "running" when nothing listens -> fails."""
    assert choose_postgres({}, nothing_listens) == "embedded"


def test_a_running_server_is_used() -> None:
    """Break: always return "embedded" -> fails."""
    assert choose_postgres({}, postgres_listens) == "running"


def test_a_given_server_is_used_even_when_none_listens_on_5432() -> None:
    assert choose_postgres({"ECOVID_TEST_POSTGRES_HOST": "db.internal"}, nothing_listens) == "given"
    assert choose_postgres({"ECOVID_TEST_POSTGRES_PORT": "6543"}, postgres_listens) == "given"


def test_the_throwaway_server_can_be_forced() -> None:
    assert choose_postgres({"ECOVID_TEST_POSTGRES": "embedded"}, postgres_listens) == "embedded"
