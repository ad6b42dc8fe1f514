"""Access control over every route of the public API that names a patient's record.

The cases are generated from the gateway's OpenAPI: every operation with a patient,
care episode, document or alert id in its path or query (or `patient_id` in its body
schema) is tried by each kind of caller that exists (access_world.py builds them). A route
added tomorrow is tried the day it is added; if it needs a body or a path value
access_world.py does not know, its cells fail and say what to add.
`test_the_cases_are_those_of_the_running_gateway` checks the generated list against the
running gateway's /openapi.json.

Expected, on every such route (the README's "Roles × data"; issue 12):

- anonymous, forged token (another secret), expired token (the stack's own secret), a
  deactivated professional (a member before): 401;
- the administrator, an auditor, a professional of the same structure outside the circle,
  one of another structure, a member removed through the API, an emergency access that
  expired, the patient (a portal account: their data is under /me), another patient: 403
  (the match of a hospital stay: the admin gets past the check, 404 for the stay the
  matrix names);
- a member of each role (creator, attending_physician, nurse, coordinator, hospital_team,
  pharmacist, home_help, other) and a live emergency-access holder: 2xx, or 409 when the
  sample meets the record in another state (a reading on an episode another cell closed:
  cells run in any order), except:
  - adding or removing a member: 403 but for the managing roles (creator,
    attending_physician, coordinator); a removal that another managing cell made first: 404;
  - enrolment by the holder (of another structure): 403 naming `structure_id`;
  - the documents (add, list, metadata, content) and the shared notes (read, write): 403
    naming the role for home_help and other;
  - the summary and the timeline: 200 for every allowed caller, with the set-up's note and
    document for all but home_help and other, whose answers have neither (`withheld`);
  - the portal invitation: 409 for every allowed caller (the patient's account is active:
    the "patient" caller), an answer given past the circle check.

40 routes × 21 callers = 840 cells: 160 answer 401 (4 callers); 319 answer 403 and 1 answers
404 (8 outsiders; the admin's match); of the 360 of the 9 allowed callers, 9 answer 404 (the
match), 25 answer 403 (12 additions and removals by a role that does not manage, 12 document
and note routes for home_help and other, the holder's enrolment), 9 answer 409 (the
invitation), 18 are the summary and the timeline, checked for their notes and documents, and
299 answer 2xx, or 409 by the state the record is in. The module, once the session's stack
runs: about 45 s on one worker (the world's set-up about 14 s: some 25 accounts, two portal
accounts, an emergency access left to expire; the audit test's smaller world 5 s; the 840
cells and the lists about 20 s).

Beside the matrix: no monitoring or alert list shows a patient outside the caller's circles
(every caller), /me shows the patient their own data and never another patient's, the audit
trail holds one record per access.

Deliberate breaks, each seen to fail here:
- Break: care-circle's NO_DOCUMENTS_OR_NOTES without "home_help" -> 8 cells fail: home_help's
  6 document and note routes (2xx instead of 403), its summary and its timeline (the note
  and the document shown).
- Break: the summary answered as the dossier gives it and the timeline without its `exclude`
  params, whatever the role -> the 4 summary and timeline cells of home_help and other fail.
- Break: an auditor let through `check_patient_access` -> 37 auditor cells fail (200 instead
  of 403); the 3 others are refused again behind the gateway (care-circle's managing rule
  on adding and removing members, the structure on enrolment).
- Break: a patient let through `check_patient_access` on their own record -> 36 "patient"
  cells fail; the 4 others are refused behind the gateway or by their own check (members,
  enrolment, the match).
- Break: care-circle's `has_emergency_access` ignoring the expiry -> the world fixture fails
  (the expired holder still 200 after 20 s), every test of the module with it.
- Break: the monitoring list asked for the caller's structure instead of their circles ->
  test_no_list_... fails for 10 callers (the same structure's outsider, the removed member,
  the 7 role members, the holder: patients outside their circles shown, or the listed
  patient missing).
- Break (the code as it was): /me/access-log with every actor's accesses -> test_me_... fails
  (the patient's log names the other patient, who tried the first one's routes in the matrix).
Seen failing on the matrix of 36 routes × 11 callers, before the roles and the patients:
- Break: two routes added to patients.py, `GET /patients/{id}/portal-invitations` with no
  circle check and `POST /patients/{id}/emergency-access` (a body) -> 12 cells fail: the
  GET's admin/outsider/removed cells (200 instead of 403), every cell of the POST ("no
  sample body known").
- Break: the circle check dropped on one route (`check_patient_access` removed from
  `GET /care-episodes/{id}/readings/series`) -> the 4 outsider/admin/removed cells of
  that route fail (200 instead of 403).
- Break: an expired token accepted (`TokenIssuer._decode` without its expiry check)
  -> every `expired` cell fails (member's expired token answered 2xx).
- Break: the audit write skipped (`AuditTrail.record` returns at once) ->
  test_one_audit_record_per_access fails (no record for the markers within 30 s).
- Break: each access written twice (`record_accesses(accesses + accesses)`) ->
  test_one_audit_record_per_access fails (two records per marker).
- Break: grants cached forever and never forgotten -> the world fixture and
  test_a_member_removed_through_the_api_loses_access fail (still 200 after 10 s).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import orjson
import pytest

from ecovid_events import topics

from ecovid_stack.stack import Stack

from tests.integration.access_world import (
    ALL_ROUTES,
    ALLOWED,
    CALLERS,
    MANAGING,
    MATCH,
    MEMBERS,
    NO_DOCUMENTS_OR_NOTES,
    OUTSIDERS,
    ROUTES,
    UNAUTHENTICATED,
    Route,
    World,
    build_world,
    login_new,
    record_routes,
    wait_refused,
)
from tests.integration.kafka_tools import read_all
from tests.integration.support import Api, eventually

ENROL = "POST /api/v1/patients/{patient_id}/care-episodes"
MANAGING_ONLY = ("POST /api/v1/patients/{patient_id}/care-circle/members",
                 "DELETE /api/v1/patients/{patient_id}/care-circle/members/{professional_id}")
DOCUMENTS_AND_NOTES = ("POST /api/v1/patients/{patient_id}/documents", "GET /api/v1/patients/{patient_id}/documents",
                       "GET /api/v1/documents/{document_id}", "GET /api/v1/documents/{document_id}/content",
                       "GET /api/v1/patients/{patient_id}/notes", "POST /api/v1/patients/{patient_id}/notes")
SUMMARY = "GET /api/v1/patients/{patient_id}/summary"
TIMELINE = "GET /api/v1/patients/{patient_id}/timeline"
INVITE = "POST /api/v1/patients/{patient_id}/portal-invitations"
# Patients and auditors have no monitoring list (a professional's); nor the administrator.
NOT_PROFESSIONALS = ("admin", "auditor", "patient", "other_patient")


@pytest.fixture(scope="module")
def world(pg_stack: Stack, pg_admin: Api, care_team: tuple[Api, str]) -> Iterator[World]:
    built = build_world(pg_stack, pg_admin, care_team[1])
    yield built
    built.http.close()


@pytest.fixture(scope="module")
def audit_world(pg_stack: Stack, pg_admin: Api, care_team: tuple[Api, str]) -> Iterator[World]:
    """Its own patient: the audit test's creator removes `leaving` too, and would make the
    creator cell of that route meet a 404 when it runs first."""
    built = build_world(pg_stack, pg_admin, care_team[1], everyone=False)
    yield built
    built.http.close()


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", ROUTES, ids=[r.key for r in ROUTES])
def test_every_record_route_for_every_caller(world: World, route: Route, caller: str) -> None:
    response = world.request(route, caller)
    status = response.status_code
    answer = f"{route.key} as {caller}: {status} {response.text[:500]}"
    detail = response.json().get("detail") if status >= 400 else None
    if caller in UNAUTHENTICATED:
        assert status == 401 and detail, answer  # a clear message, JSON
    elif route.key == MATCH and caller in ("admin", *ALLOWED):
        # Past the gateway's check, admissions is asked and knows no such stay.
        assert status == 404, answer
    elif caller in OUTSIDERS:
        assert status == 403 and detail, answer
    elif caller == "emergency" and route.key == ENROL:
        # The holder is of another structure: one enrols only in a structure of one's own.
        assert status == 403 and response.json()["errors"][0]["field"] == "structure_id", answer
    elif route.key in MANAGING_ONLY and caller not in MANAGING:
        assert status == 403, answer
    elif route.key in DOCUMENTS_AND_NOTES and caller in NO_DOCUMENTS_OR_NOTES:
        assert status == 403 and f"({caller})" in detail, answer
    elif route.key == INVITE:
        assert status == 409 and "already active" in detail, answer
    elif route.key in (SUMMARY, TIMELINE):
        assert status == 200, answer
        _notes_and_documents_as_the_role_allows(route, caller, response.json())
    else:
        # 409: the record in another state (the episode closed by another cell, an open one
        # already there); never 404 or 422, which would say the sample or the path is wrong.
        # 404 for a removal: the member to remove was removed by another managing cell.
        gone = status == 404 and route.key == MANAGING_ONLY[1]
        assert status < 400 or status == 409 or gone, answer


def _notes_and_documents_as_the_role_allows(route: Route, caller: str, body: dict[str, Any]) -> None:
    """The set-up's note and document are there (the summary's latest, the timeline's first
    page), but not for home_help and other, who are told what was left out."""
    closed = caller in NO_DOCUMENTS_OR_NOTES
    if route.key == SUMMARY:
        shown = (bool(body["latest_notes"]), bool(body["latest_documents"]["items"]))
    else:
        kinds = {entry["event_type"] for entry in body["items"]}
        assert "PatientRegistered" in kinds, body  # the rest of the timeline is there
        shown = ("NoteShared" in kinds, "DocumentAdded" in kinds)
    assert shown == ((False, False) if closed else (True, True)), f"{route.key} as {caller}: {body}"
    assert body["withheld"] == (["notes", "documents"] if closed else []), body


@pytest.mark.parametrize("caller", CALLERS)
def test_no_list_shows_a_patient_outside_the_caller_s_circles(world: World, caller: str) -> None:
    """The monitoring list and the alert list (no `patient_id`) of each caller hold only
    patients of their circles or of a live emergency access: for the world's callers, the
    world's patients (the creator registered the other patient too), none for the rest. The
    listed patient (no cell touches it) shows in each allowed caller's monitoring list, and
    its emergency-access alert in each member's alert list: the lists are not empty by
    mistake. The patient search answers any professional a minimal identity (by design, to
    find a patient before an emergency access: README), and refuses the others.
    """
    mine = {world.patient, world.listed} if caller in ALLOWED else set()
    if caller == "creator":
        mine.add(world.other_patient)
    search = world.get(caller, "/patients", last_name="Listée", first_name="Héloïse")
    if caller in UNAUTHENTICATED:
        for path, params in (("/monitoring/patients", {"population": "adults"}), ("/alerts", {})):
            assert world.get(caller, path, **params).status_code == 401
        assert search.status_code == 401
        return
    if caller in NOT_PROFESSIONALS:
        assert world.get(caller, "/monitoring/patients", population="adults").status_code == 403
        assert search.status_code == 403
    else:
        rows = world.get(caller, "/monitoring/patients", population="adults", limit=200).json()["rows"]
        listed = {row["patient_id"] for row in rows}
        assert listed <= mine, f"{caller} sees {listed - mine}"
        assert (world.listed in listed) == (caller in ALLOWED), f"{caller}: {listed}"
        assert search.status_code == 200
        assert {tuple(sorted(match)) for match in search.json()} <= {
            ("birth_date", "commune", "first_name", "id", "last_name", "sex")}

    def alerted() -> set[str] | None:
        answer = world.get(caller, "/alerts", limit=500)
        assert answer.status_code == 200, answer.text
        found = {alert["patient_id"] for alert in answer.json()}
        # A member is told of the listed patient's emergency access: wait until it is there.
        return found if caller not in MEMBERS or world.listed in found else None

    shown = eventually(alerted, timeout=30, interval=0.5) if caller in MEMBERS else alerted()
    assert shown is not None and shown <= mine, f"{caller} is shown alerts of {shown - mine if shown else shown}"


def test_me_shows_the_patient_their_own_data_and_never_another_s(world: World) -> None:
    """Each patient's /me answers are theirs: their identity, their readings, their circle,
    who opened their record; none holds the other patient's id, episode or readings; and
    the other patient reaches the first one's readings by no route (the matrix tries
    every record route; here the readings' routes, by episode). Found (and fixed): the access
    log named the other patient, whose refused tries it listed (module docstring).
    """
    readings = {}
    for episode in (world.episode, world.other_episode):
        found = world.get("creator", f"/care-episodes/{episode}/readings")
        assert found.status_code == 200, found.text
        readings[episode] = {r["id"] for r in found.json()}
    pairs = (("patient", world.patient, world.episode, world.other_patient, world.other_episode),
             ("other_patient", world.other_patient, world.other_episode, world.patient, world.episode))
    for caller, own, own_episode, foreign, foreign_episode in pairs:
        me = world.get(caller, "/me")
        assert me.status_code == 200 and me.json()["id"] == own, me.text
        mine = world.get(caller, "/me/readings")
        if caller == "other_patient":  # an episode no cell touches: exactly its readings
            assert mine.status_code == 200 and readings[own_episode], mine.text
            assert {r["id"] for r in mine.json()} == readings[own_episode], mine.text
        else:  # the world's episode: a cell may have closed it (409), another opened a new one
            assert mine.status_code in (200, 409), mine.text
        members = world.get("creator", f"/patients/{own}/care-circle/members").json()
        circle = world.get(caller, "/me/care-circle")
        assert {m["professional_id"] for m in circle.json()} == {m["professional_id"] for m in members}
        log = _access_log(world, caller)
        for answer in (me, mine, circle, log):
            for secret in (foreign, foreign_episode, *readings[foreign_episode]):
                assert secret not in answer.text, f"{caller}'s {answer.request.url.path} names {secret}"
        for path in (f"/care-episodes/{foreign_episode}/readings", f"/care-episodes/{foreign_episode}/readings/series",
                     f"/care-episodes/{foreign_episode}", f"/patients/{foreign}"):
            assert world.get(caller, path).status_code == 403, f"{caller} on {path}"


def _access_log(world: World, caller: str) -> httpx.Response:
    """The patient's access log, once it holds a record (the creator's accesses at set-up)."""

    def some() -> httpx.Response | None:
        answer = world.get(caller, "/me/access-log", limit=500)
        assert answer.status_code == 200, answer.text
        return answer if answer.json()["records"] else None

    return eventually(some, timeout=30, interval=0.5)


# Routes that exist to get a token: what they check is the body (a password, a refresh
# token, a challenge and its code, an invitation token) or the identity provider's answer.
SIGN_IN = ("/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/auth/mfa", "/api/v1/auth/mfa/totp",
           "/api/v1/portal/activate", "/api/v1/auth/oidc/login", "/api/v1/auth/oidc/callback")


def test_the_cases_are_those_of_the_running_gateway(pg_stack: Stack) -> None:
    """The parametrised routes are every record route of the live /openapi.json, and the
    count is what the README states (40 record routes × 21 callers)."""
    live = record_routes(httpx.get(pg_stack.url("gateway") + "/openapi.json").json())
    assert sorted(r.key for r in live) == sorted(r.key for r in ALL_ROUTES)
    assert len(ROUTES) >= 40 and len(CALLERS) == 21


def test_a_member_removed_through_the_api_loses_access(
    pg_stack: Stack, pg_admin: Api, care_team: tuple[Api, str]
) -> None:
    """Access is lost after removal, within the grant cache's 2 s at most.

    Break: grants cached forever and never forgotten (`ACCESS_GRANT_SECONDS = 1e9`,
    `forget_grant` a no-op) -> fails (200 until the deadline).
    """
    member, structure = care_team
    patient = member.patient("Retrait")
    professional_id, nurse = login_new(pg_stack.url("gateway"), pg_admin, structure)
    nurse.ok("GET", f"/patients/{patient}", 403)
    member.ok("POST", f"/patients/{patient}/care-circle/members", 201,
              json={"professional_id": professional_id, "role": "nurse"})
    nurse.ok("GET", f"/patients/{patient}")
    member.ok("DELETE", f"/patients/{patient}/care-circle/members/{professional_id}", 204)
    wait_refused(nurse, patient)
    members = [m["professional_id"] for m in member.ok("GET", f"/patients/{patient}/care-circle/members")]
    assert professional_id not in members


def test_every_route_but_sign_in_wants_a_valid_token(pg_stack: Stack, world: World) -> None:
    """Every operation of the live OpenAPI (records or not: directory, search, lists, rule
    sets), without a token and with an expired one: 401 before anything else is looked at.

    Break: a request without a token taken as the admin (deps.principal) -> fails.
    """
    gateway = pg_stack.url("gateway")
    openapi = httpx.get(gateway + "/openapi.json").json()
    tried = []
    for path, operations in openapi["paths"].items():
        for method in operations:
            if path in SIGN_IN or not path.startswith("/api/"):
                continue  # signing in (a password, a refresh token, a code), activation, /health
            concrete = "/".join(str(uuid.uuid4()) if p.startswith("{") else p for p in path.split("/"))
            for caller in ("anonymous", "expired"):
                response = httpx.request(method.upper(), gateway + concrete, headers=world.headers[caller], json={})
                assert response.status_code == 401, f"{method.upper()} {path} as {caller}: {response.text}"
            tried.append(path)
    assert len(tried) >= 64  # 64 operations under /api/v1 today, sign-in apart


def test_wrong_password_is_refused(pg_stack: Stack) -> None:
    response = httpx.post(pg_stack.url("gateway") + "/api/v1/auth/token",
                          json={"username": "admin@it.local", "password": "wrong"})
    assert response.status_code == 401


def test_admin_routes_refuse_professionals_and_professional_routes_refuse_the_admin(
    pg_admin: Api, care_team: tuple[Api, str],
) -> None:
    member, _ = care_team
    member.ok("POST", "/structures", 403, json={"name": "x", "kind": "practice"})
    member.ok("POST", "/rule-sets/dry-run", 403, json={"rule_set": "{}"})
    pg_admin.ok("POST", "/patients", 403, json={})
    pg_admin.ok("GET", "/patients", 403, params={"last_name": "Dupont"})


def test_one_audit_record_per_access(pg_stack: Stack, audit_world: World) -> None:
    """Each access to a record, granted or refused, is one RecordAccessed on gateway.audit,
    with the caller as actor, the patient, the method, the path and the outcome: every
    record route (from the OpenAPI) by the creator, an outsider, the admin and the removed
    member, each request marked with its own X-Correlation-ID. Accesses refused before the
    caller is known (401) name nobody and leave no audit record (the request log has them):
    every route is also tried anonymously, and none appears.

    Break: `AuditTrail.record` returning without writing -> fails (no record arrives).
    Break: writing each access twice (`record_accesses(accesses + accesses)`) -> fails.
    """
    kinds = {"creator": "professional", "outsider_other_structure": "professional",
             "admin": "admin", "removed_member": "professional"}
    run = uuid.uuid4().hex[:8]
    expected = {}
    # The match of a hospital stay is the administrator's too (no circle asked of them).
    for n, route in enumerate(r for r in ROUTES if r.key != MATCH):
        for caller, kind in kinds.items():
            marker = f"audit-{run}-{n}-{caller}"
            response = audit_world.request(route, caller, correlation_id=marker)
            granted = caller == "creator"
            assert (response.status_code not in (401, 403)) == granted, f"{route.key} as {caller}: {response.text}"
            expected[marker] = {"actor": {"kind": kind, "id": _subject(audit_world.headers[caller])},
                                "granted": granted, "method": route.method,
                                "route": httpx.URL(str(response.request.url)).path}
        assert audit_world.request(route, "anonymous", f"audit-{run}-{n}-anonymous").status_code == 401

    def ours() -> list[dict[str, Any]] | None:
        events = [orjson.loads(r.value) for r in read_all(pg_stack.kafka_bootstrap, topics.GATEWAY_AUDIT, idle_ms=500)]
        mine = [e for e in events if e["correlation_id"].startswith(f"audit-{run}-")]
        return mine if {e["correlation_id"] for e in mine} >= set(expected) else None

    records = eventually(ours, timeout=60, interval=0.5)
    counts = Counter(e["correlation_id"] for e in records)
    assert counts == Counter(dict.fromkeys(expected, 1)), counts  # exactly one each, none anonymous
    for event in records:
        want = expected[event["correlation_id"]]
        assert event["event_type"] == "RecordAccessed"
        assert event["patient_id"] == audit_world.patient
        assert event["actor"] == want["actor"]
        assert event["payload"]["granted"] is want["granted"]
        assert event["payload"]["status_code"] == (200 if want["granted"] else 403)
        assert (event["payload"]["method"], event["payload"]["route"]) == (want["method"], want["route"])


def _subject(headers: dict[str, str]) -> str:
    token = headers["Authorization"].removeprefix("Bearer ")
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])
