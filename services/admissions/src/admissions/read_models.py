"""Read models of admissions: the dossier's identities and the INS linked to patients."""

from __future__ import annotations

import sqlalchemy as sa

from ecovid_platform.tables import UTCDateTime

metadata = sa.MetaData()

identities = sa.Table(
    "admission_identities",
    metadata,
    sa.Column("patient_id", sa.Uuid, primary_key=True),
    sa.Column("last_key", sa.String(100), nullable=False, index=True),
    sa.Column("first_key", sa.String(100), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
)

# An INS is linked to a patient when a stay that carried it is matched (by names or by hand):
# the dossier does not record the INS, so the next stay with it matches at once.
ins_links = sa.Table(
    "admission_ins_links",
    metadata,
    sa.Column("ins", sa.String(15), primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False),
)

# Every stay, with whom it is matched to or why not: the reconciliation list is its unmatched rows.
# Fed by the service's own stored events (a local projection, `stays`).
stays = sa.Table(
    "admission_stays",
    metadata,
    sa.Column("admission_id", sa.Uuid, primary_key=True),
    sa.Column("finess", sa.String(9), nullable=False),
    sa.Column("hospital_name", sa.String(200)),
    sa.Column("visit_number", sa.String(50), nullable=False),
    sa.Column("patient_id", sa.Uuid, index=True),
    sa.Column("unmatched_reason", sa.String(200)),
    sa.Column("identity", sa.JSON, nullable=False),
    # Of the identity: a newly registered patient is compared only with the stays born that day.
    sa.Column("birth_date", sa.Date, index=True),
    sa.Column("last_movement", sa.String(20)),
    sa.Column("last_movement_at", UTCDateTime),
    sa.Column("opened_at", UTCDateTime, nullable=False),
)
