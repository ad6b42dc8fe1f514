"""The audit read model: every access record (granted or refused; reads, writes, lists,
emergency accesses), projected from the gateway's own RecordAccessed events (the ones its
outbox publishes to gateway.audit), for an auditor's search and export and for the
patient's own access log.

Exports: CSV, and FHIR R4 AuditEvent resources with the fields of IHE Basic Audit Log
Patterns (BALP): who (agent, with their role), what (the REST operation), which patient
(entity), outcome, when (recorded), where from (the network address).
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events.gateway import RecordAccessed
from ecovid_platform.bulk import insert_rows
from ecovid_platform.consumer import Projects
from ecovid_platform.projector import Projection
from ecovid_platform.tables import UTCDateTime

metadata = sa.MetaData()

accesses = sa.Table(
    "audit_accesses",
    metadata,
    sa.Column("access_id", sa.Uuid, primary_key=True),
    sa.Column("occurred_at", UTCDateTime, nullable=False, index=True),
    sa.Column("patient_id", sa.Uuid, nullable=False, index=True),
    sa.Column("actor_kind", sa.String(20), nullable=False),
    sa.Column("actor_id", sa.String(100), index=True),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("route", sa.String(500), nullable=False),
    sa.Column("status_code", sa.SmallInteger, nullable=False),
    sa.Column("granted", sa.Boolean, nullable=False),
    sa.Column("address", sa.String(64)),
    sa.Column("correlation_id", sa.String(100), nullable=False),
)


def _row(event: RecordAccessed) -> dict[str, Any]:
    return {
        "access_id": event.payload.access_id, "occurred_at": event.occurred_at, "patient_id": event.patient_id,
        "actor_kind": event.actor.kind, "actor_id": event.actor.id, "method": event.payload.method,
        "route": event.payload.route[:500], "status_code": event.payload.status_code,
        "granted": event.payload.granted, "address": event.payload.address,
        "correlation_id": event.correlation_id[:100],
    }


def _apply_many(session: Session, events: list[RecordAccessed]) -> None:
    # Each access is its own aggregate, recorded once: a plain insert, idempotent by position.
    insert_rows(session, accesses, [_row(e) for e in events])


def _apply(session: Session, event: RecordAccessed) -> None:
    _apply_many(session, [event])


projection = Projection("gateway.audit-log", {"RecordAccessed": Projects(_apply, _apply_many)}, owned=[accesses])


@dataclass(frozen=True)
class AuditQuery:
    patient_id: uuid.UUID | None = None
    actor_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0
    actor_kind: str | None = None


def search(session: Session, q: AuditQuery) -> dict[str, Any]:
    c = accesses.c
    where = []
    if q.patient_id is not None:
        where.append(c.patient_id == q.patient_id)
    if q.actor_id is not None:
        where.append(c.actor_id == q.actor_id)
    if q.actor_kind is not None:
        where.append(c.actor_kind == q.actor_kind)
    if q.since is not None:
        where.append(c.occurred_at >= q.since)
    if q.until is not None:
        where.append(c.occurred_at < q.until)
    total = session.scalar(sa.select(sa.func.count()).select_from(accesses).where(*where))
    rows = session.execute(sa.select(accesses).where(*where).order_by(c.occurred_at, c.access_id)
                           .limit(q.limit).offset(q.offset))
    return {"total": total, "limit": q.limit, "offset": q.offset, "records": [_plain(r._mapping) for r in rows]}


def _plain(r: Any) -> dict[str, Any]:
    return {
        "id": str(r["access_id"]), "recorded": r["occurred_at"].isoformat(), "patient_id": str(r["patient_id"]),
        "actor_kind": r["actor_kind"], "actor_id": r["actor_id"], "method": r["method"], "route": r["route"],
        "status_code": r["status_code"], "granted": r["granted"], "address": r["address"],
        "correlation_id": r["correlation_id"],
    }


CSV_COLUMNS = ("id", "recorded", "patient_id", "actor_kind", "actor_id", "method", "route", "status_code",
               "granted", "address", "correlation_id")


def as_csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        # A cell opening with =, +, - or @ is a formula to a spreadsheet: quoted as text.
        writer.writerow({k: _cell(v) for k, v in record.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


# REST operations as FHIR's audit-event-sub-type (restful-interaction) and action codes.
_INTERACTION = {"GET": ("read", "R"), "POST": ("create", "C"), "PUT": ("update", "U"),
                "PATCH": ("patch", "U"), "DELETE": ("delete", "D")}
_DCM = "http://dicom.nema.org/resources/ontology/DCM"


def _clean(value: Any) -> Any:
    """FHIR has no nulls: an absent element is left out."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def as_fhir_audit_event(record: dict[str, Any]) -> dict[str, Any]:
    """One access as a FHIR R4 AuditEvent following IHE BALP's RESTful activity pattern."""
    return _clean(_audit_event(record))  # type: ignore[no-any-return]


def _audit_event(record: dict[str, Any]) -> dict[str, Any]:
    interaction, action = _INTERACTION.get(record["method"], ("operation", "E"))
    if record["route"].endswith("/emergency-access"):
        interaction, action = "create", "C"
    return {
        "resourceType": "AuditEvent",
        "id": record["id"],
        "meta": {"profile": ["https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead"
                             if action == "R" else
                             "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientCreate"]},
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest",
                 "display": "Restful Operation"},
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": interaction}],
        "action": action,
        "recorded": record["recorded"],
        "outcome": "0" if record["granted"] else "4",  # success / minor failure (refused)
        "outcomeDesc": f"HTTP {record['status_code']}",
        "agent": [{
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                 "code": "IRCP", "display": "information recipient"}]},
            "role": [{"text": record["actor_kind"]}],
            "who": {"identifier": {"system": "urn:ecovid:actor", "value": record["actor_id"]}},
            "requestor": True,
            "network": {"address": record["address"], "type": "2"} if record["address"] else None,
        }],
        "source": {"observer": {"display": "e-COVID gateway"},
                   "type": [{"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "3",
                             "display": "Web Server"}]},
        "entity": [
            {"what": {"reference": f"Patient/{record['patient_id']}"},
             "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1"},
             "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1"}},
            {"what": {"display": f"{record['method']} {record['route']}"},
             "type": {"system": _DCM, "code": "110180", "display": "Query"} if action == "R" else None,
             "detail": [{"type": "correlation_id", "valueString": record["correlation_id"]}]},
        ],
    }


def as_fhir_bundle(records: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "total": total,
            "entry": [{"resource": as_fhir_audit_event(r)} for r in records]}
