"""The PostgreSQL event recorder of every service, minus the NOTIFY on each insert.

eventsourcing announces every insert with NOTIFY for listeners in other processes;
here the relay is woken in-process (`ServiceApplication.on_recorded`) and nobody
listens. PostgreSQL queues notifications under one lock at commit, which puts every
writing transaction of the server in single file.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresProcessRecorder


class UnannouncedProcessRecorder(PostgresProcessRecorder):
    def _notify_channel(self, curs: Any) -> None:
        return None
