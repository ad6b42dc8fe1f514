"""Sign-in throttling, refresh and logout, deactivation: through the gateway as built
(SQLite, the fake platform), the throttle's clock moved by the test, never slept through."""

from __future__ import annotations

import uuid

from conftest import World

from gateway.sessions import LoginThrottle

PASSWORD = "a long enough password"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def account(world: World, role: str = "professional") -> tuple[str, uuid.UUID]:
    email, subject = f"{uuid.uuid4().hex[:8]}@example.org", uuid.uuid4()
    world.gateway.app.open_account(email, PASSWORD, role, subject, uuid.UUID(world.structure), "c")
    return email, subject


def sign_in(world: World, username: str, password: str = PASSWORD, address: str | None = None):  # type: ignore[no-untyped-def]
    return world.client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_failed_sign_ins_are_throttled_per_account_with_retry_after(world: World) -> None:
    """Five failures on one account: the sixth try, even with the right password, is 429 with
    Retry-After; an unknown account is answered as a wrong password, and throttled the same.

    Break: the route without its retry_after check -> 401 then 200 (as measured in the issue), fails.
    """
    clock = Clock()
    world.gateway.throttle = LoginThrottle(per_account=5, per_address=1000, window_seconds=900, clock=clock)
    email, _ = account(world)
    unknown = f"nobody-{uuid.uuid4().hex[:6]}@example.org"
    for name in (email, unknown):
        answers = [sign_in(world, name, "wrong password") for _ in range(5)]
        assert {(a.status_code, a.json()["detail"]) for a in answers} == {(401, "wrong username or password")}
        refused = sign_in(world, name, PASSWORD)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    clock.now += 901
    assert sign_in(world, email).status_code == 200


def test_throttling_per_address_spans_accounts() -> None:
    clock = Clock()
    throttle = LoginThrottle(per_account=100, per_address=3, window_seconds=60, clock=clock)
    for n in range(3):
        assert throttle.retry_after(f"user{n}", "10.0.0.1") == 0
        throttle.failed(f"user{n}", "10.0.0.1")
    assert throttle.retry_after("someone-else", "10.0.0.1") > 0
    assert throttle.retry_after("someone-else", "10.0.0.2") == 0
    clock.now += 61
    assert throttle.retry_after("someone-else", "10.0.0.1") == 0


def test_refresh_rotates_and_logout_revokes_at_once(world: World) -> None:
    """Break: Sessions.use not revoking what it uses -> the second refresh succeeds, fails;
    break: deps.principal without its is_revoked check -> the logged-out token still works, fails."""
    world.gateway.throttle = LoginThrottle()
    email, _ = account(world, "admin")
    pair = sign_in(world, email).json()
    assert pair["token_type"] == "bearer" and pair["expires_in"] == 15 * 60
    fresh = world.client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert fresh.status_code == 200
    again = world.client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 401
    headers = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    assert world.client.post("/api/v1/rule-sets/dry-run", headers=headers, json={"rule_set": "x"}).status_code != 401
    out = world.client.post("/api/v1/auth/logout", headers=headers,
                            json={"refresh_token": fresh.json()["refresh_token"]})
    assert out.status_code == 204
    assert world.client.post("/api/v1/rule-sets/dry-run", headers=headers, json={"rule_set": "x"}).status_code == 401
    used = world.client.post("/api/v1/auth/refresh", json={"refresh_token": fresh.json()["refresh_token"]})
    assert used.status_code == 401
    assert world.client.post("/api/v1/auth/refresh", json={"refresh_token": "x" * 43}).status_code == 401


def test_a_deactivated_professional_s_tokens_stop_at_once(world: World) -> None:
    """Break: the admin route without sessions.deactivate -> the token still reads the record, fails."""
    world.gateway.throttle = LoginThrottle()
    email, subject = account(world)
    world.platform.circles.setdefault(world.patient, set()).add(str(subject))
    pair = sign_in(world, email).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    assert world.client.get(f"/api/v1/patients/{world.patient}", headers=headers).status_code == 200
    admin = world.caller("admin")
    done = world.client.post(f"/api/v1/professionals/{subject}/deactivate", headers=admin.headers)
    assert done.status_code == 204 and str(subject) in world.platform.deactivated
    assert world.client.get(f"/api/v1/patients/{world.patient}", headers=headers).status_code == 401
    assert world.client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401
    refused = sign_in(world, email)
    assert (refused.status_code, refused.json()["detail"]) == (401, "wrong username or password")
    doctor = world.caller()
    assert world.client.post(f"/api/v1/professionals/{subject}/deactivate", headers=doctor.headers).status_code == 403
