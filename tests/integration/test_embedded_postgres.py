"""The throwaway PostgreSQL server (ecovid_stack.postgres) starts under root, keeps its data
across a restart on the same port, and is gone after a stop."""

from __future__ import annotations

import psycopg
import pytest

from ecovid_stack.postgres import EmbeddedPostgres


def connect(server: EmbeddedPostgres, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
    s = server.settings
    return psycopg.connect(host=s["POSTGRES_HOST"], port=int(s["POSTGRES_PORT"]), user=s["POSTGRES_USER"],
                           dbname=dbname, autocommit=True, connect_timeout=5)


def test_restart_keeps_the_data_and_the_port() -> None:
    """Break: restart() deletes the data directory before starting -> fails (table gone)."""
    server = EmbeddedPostgres()
    try:
        server.start()
        database = server.create_database("kept")["POSTGRES_DBNAME"]
        with connect(server, database) as connection:
            connection.execute("CREATE TABLE kept (value int)")
            connection.execute("INSERT INTO kept VALUES (42)")
            before = connection.execute("SELECT pg_postmaster_start_time()").fetchone()
        port = server.port
        server.restart()
        assert server.port == port
        with connect(server, database) as connection:
            assert connection.execute("SELECT value FROM kept").fetchall() == [(42,)]
            assert connection.execute("SELECT pg_postmaster_start_time()").fetchone() != before
        server.stop()
        with pytest.raises(psycopg.OperationalError):
            connect(server)
    finally:
        server.close()
    assert not server.directory.exists()


def test_a_crash_like_stop_is_recovered_on_the_next_start() -> None:
    """What the fault suite's PostgreSQL restart may use: committed rows survive an immediate stop.
    Break: start() re-runs initdb on an existing directory -> fails (initdb refuses, or the row is gone)."""
    with EmbeddedPostgres() as server:
        with connect(server) as connection:
            connection.execute("CREATE TABLE kept (value int)")
            connection.execute("INSERT INTO kept VALUES (7)")
        server.restart(mode="immediate")
        with connect(server) as connection:
            assert connection.execute("SELECT value FROM kept").fetchall() == [(7,)]
