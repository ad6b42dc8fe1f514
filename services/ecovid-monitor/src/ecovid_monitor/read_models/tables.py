"""Tables of the read models, in the service's own database (fed by Kafka, rebuilt by replay)."""

from __future__ import annotations

import sqlalchemy as sa

from ecovid_platform.tables import UTCDateTime

metadata = sa.MetaData()

# Identity copied from the dossier's events: what the lists show and filter on.
patients = sa.Table(
    "monitor_patients",
    metadata,
    sa.Column("patient_id", sa.Uuid, primary_key=True),
    sa.Column("last_name", sa.String(200), nullable=False),
    sa.Column("first_name", sa.String(200), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("commune", sa.String(200), nullable=False),
)

# One row per open care episode (a closed one leaves the lists), identity denormalised
# so that a list page is one indexed scan of one table.
rows = sa.Table(
    "monitoring_rows",
    metadata,
    sa.Column("episode_id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False, index=True),
    sa.Column("structure_id", sa.Uuid, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("hospitalised", sa.Boolean, nullable=False, default=False),
    sa.Column("first_symptoms_on", sa.Date),
    sa.Column("general_state", sa.String(10), nullable=False),
    sa.Column("severity", sa.SmallInteger, nullable=False),
    sa.Column("last_reading_at", UTCDateTime),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("levels", sa.JSON, nullable=False),
    sa.Column("last_name", sa.String(200)),
    sa.Column("first_name", sa.String(200)),
    sa.Column("last_name_key", sa.String(200)),
    sa.Column("first_name_key", sa.String(200)),
    sa.Column("birth_date", sa.Date),
    sa.Column("commune", sa.String(200)),
    sa.Column("commune_key", sa.String(200)),
)
# The list's own order, so a page is read off the index (SQLite sorts NULLs first already).
sa.Index(
    "ix_monitoring_rows_order", rows.c.structure_id, rows.c.severity.desc(),
    rows.c.last_reading_at.asc().nulls_first(), rows.c.opened_at, rows.c.episode_id,
).ddl_if(dialect="postgresql")
sa.Index(
    "ix_monitoring_rows_order_lite", rows.c.structure_id, rows.c.severity.desc(),
    rows.c.last_reading_at, rows.c.opened_at, rows.c.episode_id,
).ddl_if(dialect="sqlite")
sa.Index("ix_monitoring_rows_birth", rows.c.structure_id, rows.c.birth_date)
sa.Index("ix_monitoring_rows_commune", rows.c.structure_id, rows.c.commune_key)
sa.Index("ix_monitoring_rows_last_name", rows.c.last_name_key,
         postgresql_ops={"last_name_key": "text_pattern_ops"})
sa.Index("ix_monitoring_rows_first_name", rows.c.first_name_key,
         postgresql_ops={"first_name_key": "text_pattern_ops"})

# Indicators of the latest reading at watch or alert: the `symptom` filter.
symptoms = sa.Table(
    "monitoring_symptoms",
    metadata,
    sa.Column("episode_id", sa.Uuid, primary_key=True),
    sa.Column("indicator", sa.String(40), primary_key=True, index=True),
)

# Past readings as coloured then: what a rule-set dry run re-colours.
readings = sa.Table(
    "monitor_readings",
    metadata,
    sa.Column("reading_id", sa.Uuid, primary_key=True),
    sa.Column("episode_id", sa.Uuid, nullable=False, index=True),
    sa.Column("patient_id", sa.Uuid, nullable=False),
    sa.Column("taken_at", UTCDateTime, nullable=False),
    sa.Column("values", sa.JSON, nullable=False),
    sa.Column("levels", sa.JSON, nullable=False),
    sa.Column("overall_level", sa.String(10), nullable=False),
)

# When each open episode is next due a reading; closing deletes the row.
deadlines = sa.Table(
    "reporting_deadlines",
    metadata,
    sa.Column("episode_id", sa.Uuid, primary_key=True),
    sa.Column("readings_per_day", sa.SmallInteger, nullable=False),
    sa.Column("due_at", UTCDateTime, index=True),  # NULL: in hospital, or already reported overdue
    sa.Column("in_hospital", sa.Boolean, nullable=False, default=False),
)
