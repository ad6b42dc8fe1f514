"""Accounts (Argon2id hashes, sign-in, rehash), the audit trail written by group commit,
its translation to `RecordAccessed`, and the service clients' failures.

Break: `AuditTrail._write` storing only the first access of a batch -> the
concurrent-accesses test fails. Break: translate() reporting every access as granted
-> the translation test fails.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from conftest import World

from ecovid_events.gateway import RecordAccessed
from ecovid_platform.errors import Conflict
from ecovid_platform.health import NotReady
from ecovid_platform.storage import Storage

from gateway.application import GatewayApplication
from gateway.audit import Access, AuditTrail
from gateway.clients import ServiceClient, UpstreamError
from gateway.domain.account import Account
from gateway.integration import translate
from gateway.security import Principal, hash_password, verify_password
from gateway.settings import GatewaySettings

DOCTOR = Principal(uuid.uuid4(), "professional", uuid.uuid4())


@pytest.fixture
def app(tmp_path: Path) -> GatewayApplication:
    storage = Storage("gateway", GatewaySettings(data_dir=tmp_path))
    return GatewayApplication(env=storage.eventsourcing_env())


def test_passwords_are_argon2id_and_checked() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")
    assert not verify_password("not a hash", "correct horse battery")


def test_an_account_signs_in_with_its_password_only(app: GatewayApplication) -> None:
    account = app.open_account("Anne@Example.org", "correct horse battery", "professional", DOCTOR.subject_id,
                               DOCTOR.structure_id, "corr-1")
    assert account.id == Account.create_id(" anne@example.org ")
    assert app.authenticate("anne@example.org", "correct horse battery") == DOCTOR
    assert app.authenticate("anne@example.org", "wrong") is None
    assert app.authenticate("nobody@example.org", "correct horse battery") is None
    with pytest.raises(Conflict):
        app.open_account("anne@example.org", "another password", "professional", uuid.uuid4(), None, "corr-2")


def test_an_old_hash_is_replaced_at_sign_in(app: GatewayApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    monkeypatch.setattr("gateway.application.hash_password", weak.hash)
    app.open_account("old@example.org", "correct horse battery", "professional", DOCTOR.subject_id, None, "c")
    monkeypatch.undo()
    assert app.authenticate("old@example.org", "correct horse battery") is not None
    stored = app.repository.get(Account.create_id("old@example.org")).password_hash
    assert stored.startswith("$argon2id$") and "m=8192" not in stored
    assert verify_password(stored, "correct horse battery")


def test_the_bootstrap_admin_is_opened_once(app: GatewayApplication) -> None:
    app.ensure_admin("admin@example.org", "first admin password")
    app.ensure_admin("admin@example.org", "another password")  # a restart: nothing changes
    admin = app.authenticate("admin@example.org", "first admin password")
    assert admin is not None and admin.role == "admin" and admin.actor_kind == "admin"


async def test_concurrent_accesses_are_each_stored_once(app: GatewayApplication) -> None:
    trail = AuditTrail(app)
    patient = uuid.uuid4()
    accesses = [Access(patient, "GET", f"/api/v1/patients/{patient}", 200 if n % 2 else 403, DOCTOR, f"c-{n}")
                for n in range(25)]
    await asyncio.gather(*(trail.record(access) for access in accesses))
    stored = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=100)]
    assert sorted(e.trace["correlation_id"] for e in stored) == sorted(a.correlation_id for a in accesses)
    assert {(e.trace["correlation_id"], e.granted) for e in stored} == {
        (a.correlation_id, a.status_code == 200) for a in accesses}


def test_an_access_becomes_record_accessed_and_an_account_nothing(app: GatewayApplication) -> None:
    app.open_account("anne@example.org", "correct horse battery", "professional", DOCTOR.subject_id, None, "c")
    patient = uuid.uuid4()
    app.record_accesses([Access(patient, "POST", "/api/v1/care-episodes/x/readings", 403, DOCTOR, "corr-9")])
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=10)]
    published = [out for event in events for out in translate(event)]
    assert len(published) == 1
    accessed = published[0]
    assert isinstance(accessed, RecordAccessed)
    assert (accessed.patient_id, accessed.correlation_id, accessed.producer) == (patient, "corr-9", "gateway")
    assert accessed.actor.model_dump() == {"kind": "professional", "id": str(DOCTOR.subject_id)}
    assert (accessed.payload.method, accessed.payload.status_code, accessed.payload.granted) == ("POST", 403, False)
    assert "argon2" not in accessed.to_bytes().decode()


async def test_an_unreachable_service_is_a_503_naming_it() -> None:
    client = ServiceClient("dossier", "http://127.0.0.1:9/", "token")
    try:
        with pytest.raises(UpstreamError) as refused:
            await client.call("GET", "/patients", principal=None, correlation_id="c")
        assert (refused.value.status, refused.value.body) == (503, {"detail": "dossier is unavailable", "errors": []})
        with pytest.raises(NotReady, match="unreachable"):
            await client.ready()
    finally:
        await client.aclose()


def test_a_service_s_readiness_is_asked_of_it(world: World) -> None:
    client = world.gateway.services.dossier
    world.platform.replies[("dossier", "GET", "/health/ready")] = (200, {"status": "ready"})
    world.client.portal.call(client.ready)  # type: ignore[union-attr]
    world.platform.replies[("dossier", "GET", "/health/ready")] = (503, {"detail": "database: down"})
    with pytest.raises(NotReady, match="database: down"):
        world.client.portal.call(client.ready)  # type: ignore[union-attr]


def test_a_204_answer_is_none(world: World) -> None:
    client = world.gateway.services.care_circle

    async def remove() -> object:
        return await client.call("DELETE", f"/patients/{uuid.uuid4()}/members/{uuid.uuid4()}",
                                 principal=DOCTOR, correlation_id="c")

    assert world.client.portal.call(remove) is None  # type: ignore[union-attr]
