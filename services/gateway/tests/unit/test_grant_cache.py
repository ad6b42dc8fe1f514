"""The gateway keeps a granted access 2 s (ACCESS_GRANT_SECONDS), on an injected clock:
a removal made elsewhere (another replica, care-circle directly) lags at most that long;
a removal through this gateway, and a refusal, are never kept.

Break: `forget_grant` a no-op -> test_a_removal_through_this_gateway_is_immediate fails.
Break: `ACCESS_GRANT_SECONDS = 1e9` -> test_a_grant_is_asked_again_after_two_seconds fails
(200 after the removal instead of 403).
"""

from __future__ import annotations

import uuid

import pytest
from conftest import World

GRANT_SECONDS = 2.0  # as the README states; not read from the code, so a change shows here


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(world: World, monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(world.gateway, "clock", moved)
    return moved


def _asked(world: World) -> int:
    return len([c for c in world.platform.calls if c.path == "/access"])


def test_a_grant_is_asked_again_after_two_seconds(world: World, clock: Clock) -> None:
    member = world.caller(member=True)
    dossier = f"/api/v1/patients/{world.patient}"
    assert world.client.get(dossier, headers=member.headers).status_code == 200
    assert _asked(world) == 1
    world.platform.circles[world.patient].clear()  # removed, but not through this gateway
    clock.now += GRANT_SECONDS - 0.01
    assert world.client.get(dossier, headers=member.headers).status_code == 200
    assert _asked(world) == 1  # from the grant
    clock.now += 0.01
    assert world.client.get(dossier, headers=member.headers).status_code == 403
    assert _asked(world) == 2


def test_a_removal_through_this_gateway_is_immediate(world: World, clock: Clock) -> None:
    member, nurse = world.caller(member=True), world.caller(member=True)
    dossier = f"/api/v1/patients/{world.patient}"
    assert world.client.get(dossier, headers=nurse.headers).status_code == 200
    removal = f"{dossier}/care-circle/members/{nurse.principal.subject_id}"
    assert world.client.delete(removal, headers=member.headers).status_code == 204
    assert world.client.get(dossier, headers=nurse.headers).status_code == 403


def test_a_refusal_is_never_kept(world: World, clock: Clock) -> None:
    nurse = world.caller()
    dossier = f"/api/v1/patients/{world.patient}"
    assert world.client.get(dossier, headers=nurse.headers).status_code == 403
    world.platform.circles.setdefault(world.patient, set()).add(str(nurse.principal.subject_id))
    assert world.client.get(dossier, headers=nurse.headers).status_code == 200


def test_an_episode_is_asked_its_patient_once(world: World, clock: Clock) -> None:
    member = world.caller(member=True)
    episode = str(uuid.uuid4())
    world.platform.episodes[episode] = world.patient
    for _ in range(3):
        assert world.client.get(f"/api/v1/care-episodes/{episode}/readings", headers=member.headers).status_code == 200
    finding = [c for c in world.platform.calls if c.path == f"/episodes/{episode}"]
    assert len(finding) == 1


def test_an_unknown_episode_is_404_and_names_no_patient(world: World) -> None:
    member = world.caller(member=True)
    response = world.client.get(f"/api/v1/care-episodes/{uuid.uuid4()}", headers=member.headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "no such episode", "errors": []}
    assert world.accesses() == []
