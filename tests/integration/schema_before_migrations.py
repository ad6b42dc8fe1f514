"""The tables as `create_all` made them before migrations (commit 06cb4ca), frozen here so that
the migration test keeps building a database of that time whatever the models become."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ecovid_platform.tables import UTCDateTime

UTC = UTCDateTime()
ID = sa.Uuid


def platform(inbox_key: tuple[str, str]) -> sa.MetaData:
    """`inbox_key`: ("event_id", "consumer") at 06cb4ca, ("consumer", "event_id") before 9acc6dd."""
    md = sa.MetaData()
    sa.Table("outbox_position", md, sa.Column("relay", sa.String(100), primary_key=True),
             sa.Column("notification_id", sa.BigInteger, nullable=False))
    sa.Table("consumer_inbox", md, sa.Column("consumer", sa.String(100), nullable=False),
             sa.Column("event_id", sa.String(36), nullable=False), sa.Column("applied_at", UTC, nullable=False),
             sa.PrimaryKeyConstraint(*inbox_key))
    sa.Table("consumer_offsets", md, sa.Column("consumer", sa.String(100), primary_key=True),
             sa.Column("topic", sa.String(200), primary_key=True), sa.Column("partition", sa.Integer, primary_key=True),
             sa.Column("offset", sa.BigInteger, nullable=False))
    return md


def read_models(service: str) -> sa.MetaData:
    md = sa.MetaData()
    {"dossier": _dossier, "alerting": _alerting, "documents": _documents, "ecovid-monitor": _monitor,
     "care-circle": lambda _: None, "gateway": lambda _: None}[service](md)
    return md


def _dossier(md: sa.MetaData) -> None:
    key = sa.String(100).with_variant(postgresql.VARCHAR(100, collation="C"), "postgresql")
    sa.Table(
        "patient_index",
        md,
        sa.Column("patient_id", ID, primary_key=True),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name_key", key, nullable=False),
        sa.Column("first_name_key", key, nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("commune", sa.String(100), nullable=False),
        sa.Index("ix_patient_index_search", "last_name_key", "first_name_key", "birth_date"),
    )
    sa.Table(
        "care_episodes",
        md,
        sa.Column("episode_id", ID, primary_key=True),
        sa.Column("patient_id", ID, nullable=False, index=True),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("structure_id", ID, nullable=False),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("hospitalised", sa.Boolean, nullable=False),
        sa.Column("closed_on", sa.Date),
        sa.Column("readings", sa.Integer, nullable=False),
        sa.Column("last_reading_at", UTC),
        sa.Column("last_level", sa.String(10)),
        sa.Column("last_levels", sa.JSON),
    )
    sa.Table(
        "patient_documents",
        md,
        sa.Column("document_id", ID, primary_key=True),
        sa.Column("patient_id", ID, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("added_at", UTC, nullable=False),
        sa.Index("ix_patient_documents_latest", "patient_id", "added_at"),
    )
    sa.Table(
        "timeline_entries",
        md,
        sa.Column("event_id", ID, primary_key=True),
        sa.Column("patient_id", ID, nullable=False),
        sa.Column("occurred_at", UTC, nullable=False),
        sa.Column("event_type", sa.String(60), nullable=False),
        sa.Column("producer", sa.String(60), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(100)),
        sa.Column("summary", sa.String(300), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Index("ix_timeline_patient_order", "patient_id", "occurred_at", "event_id"),
    )


def _alerting(md: sa.MetaData) -> None:
    sa.Table("alerts", md, sa.Column("alert_id", ID, primary_key=True),
             sa.Column("patient_id", ID, nullable=False, index=True), sa.Column("kind", sa.String(30), nullable=False),
             sa.Column("level", sa.String(10), nullable=False),
             sa.Column("status", sa.String(20), nullable=False, index=True),
             sa.Column("summary", sa.String(500), nullable=False), sa.Column("reading_id", ID),
             sa.Column("raised_at", UTC, nullable=False), sa.Column("acknowledged_at", UTC),
             sa.Column("acknowledged_by", sa.String(100)))
    sa.Table("circle_members", md, sa.Column("patient_id", ID, primary_key=True),
             sa.Column("professional_id", ID, primary_key=True, index=True))


def _documents(md: sa.MetaData) -> None:
    sa.Table(
        "documents",
        md,
        sa.Column("document_id", ID, primary_key=True),
        sa.Column("patient_id", ID, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("added_at", UTC, nullable=False),
        sa.Index("ix_documents_patient_added", "patient_id", "added_at"),
    )


def _monitor(md: sa.MetaData) -> None:
    sa.Table(
        "monitor_patients",
        md,
        sa.Column("patient_id", ID, primary_key=True),
        sa.Column("last_name", sa.String(200), nullable=False),
        sa.Column("first_name", sa.String(200), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("commune", sa.String(200), nullable=False),
    )
    rows = sa.Table(
        "monitoring_rows", md, sa.Column("episode_id", ID, primary_key=True),
        sa.Column("patient_id", ID, nullable=False, index=True), sa.Column("structure_id", ID, nullable=False),
        sa.Column("status", sa.String(20), nullable=False), sa.Column("hospitalised", sa.Boolean, nullable=False),
        sa.Column("first_symptoms_on", sa.Date), sa.Column("general_state", sa.String(10), nullable=False),
        sa.Column("severity", sa.SmallInteger, nullable=False), sa.Column("last_reading_at", UTC),
        sa.Column("opened_at", UTC, nullable=False), sa.Column("levels", sa.JSON, nullable=False),
        *(sa.Column(name, sa.String(200)) for name in ("last_name", "first_name", "last_name_key", "first_name_key")),
        sa.Column("birth_date", sa.Date),
        sa.Column("commune", sa.String(200)),
        sa.Column("commune_key", sa.String(200)),
    )
    sa.Index("ix_monitoring_rows_order", rows.c.structure_id, rows.c.severity.desc(),
             rows.c.last_reading_at.asc().nulls_first(), rows.c.opened_at, rows.c.episode_id,
             ).ddl_if(dialect="postgresql")
    sa.Index("ix_monitoring_rows_order_lite", rows.c.structure_id, rows.c.severity.desc(),
             rows.c.last_reading_at, rows.c.opened_at, rows.c.episode_id).ddl_if(dialect="sqlite")
    sa.Index("ix_monitoring_rows_birth", rows.c.structure_id, rows.c.birth_date)
    sa.Index("ix_monitoring_rows_commune", rows.c.structure_id, rows.c.commune_key)
    sa.Index("ix_monitoring_rows_last_name", rows.c.last_name_key, postgresql_ops={"last_name_key": "text_pattern_ops"})
    sa.Index("ix_monitoring_rows_first_name", rows.c.first_name_key,
             postgresql_ops={"first_name_key": "text_pattern_ops"})
    sa.Table("monitoring_symptoms", md, sa.Column("episode_id", ID, primary_key=True),
             sa.Column("indicator", sa.String(40), primary_key=True, index=True))
    sa.Table("monitor_readings", md, sa.Column("reading_id", ID, primary_key=True),
             sa.Column("episode_id", ID, nullable=False, index=True), sa.Column("patient_id", ID, nullable=False),
             sa.Column("taken_at", UTC, nullable=False), sa.Column("values", sa.JSON, nullable=False),
             sa.Column("levels", sa.JSON, nullable=False), sa.Column("overall_level", sa.String(10), nullable=False))
    sa.Table("reporting_deadlines", md, sa.Column("episode_id", ID, primary_key=True),
             sa.Column("readings_per_day", sa.SmallInteger, nullable=False), sa.Column("due_at", UTC, index=True),
             sa.Column("in_hospital", sa.Boolean, nullable=False))
