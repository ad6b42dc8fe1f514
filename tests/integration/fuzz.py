"""Schemathesis against a running gateway: the resources it needs, the run, its figures.

Used by test_api_fuzz.py (a short run in `make test`) and by `make fuzz` (a longer one,
`python -m tests.integration.fuzz`). Schemathesis runs as its own process, through its
command line, with every check and both generation modes (valid and invalid data), the
examples, coverage and fuzzing phases, a fixed seed and a fixed number of examples per
operation; it writes a JSON report read back here for the figures.

Path parameters are the ids of resources the caller owns, so that requests reach the
handlers rather than stop at the care-circle check: a patient in the professional's
circle, its episodes, a reading, an alert, a document, a note, an objective, and a
second professional of the circle (the one DELETE .../members/{professional_id} removes).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ecovid_api.monitoring import STRUCTURE_ID

from tests.integration.support import ADMIN, ALARMING, PASSWORD, Api, eventually, now_iso

SEED = 20261201
# Per operation and per caller; `make fuzz` runs FUZZ_LONG_EXAMPLES.
SUITE_EXAMPLES = 6
LONG_EXAMPLES = 100
PHASES = "examples,coverage,fuzzing"
# A create of each kind, by the operation that creates it: the report counts their 2xx.
CREATES = {
    "structure": "POST /api/v1/structures",
    "professional": "POST /api/v1/professionals",
    "patient": "POST /api/v1/patients",
    "care-circle member": "POST /api/v1/patients/{patient_id}/care-circle/members",
    "episode": "POST /api/v1/patients/{patient_id}/care-episodes",
    "reading": "POST /api/v1/care-episodes/{episode_id}/readings",
    "document": "POST /api/v1/patients/{patient_id}/documents",
    "note": "POST /api/v1/patients/{patient_id}/notes",
    "objective": "POST /api/v1/patients/{patient_id}/objectives",
}
# Each episode life-cycle operation gets its own episode: closing the one readings go to
# would turn every later reading into a 409.
LIFE_CYCLE = ("close", "hospitalisation", "discharge")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
# The one check left out, per operation, and why: each refuses, with a 422 naming the field,
# schema-valid bodies that break a rule JSON Schema cannot say (a check digit, a date against
# today or against another record); every other check (negative data, statuses, answers)
# still runs on them, and their creates still count.
UNSAYABLE = {
    "POST /api/v1/patients": "the INS control key (97 - number mod 97); a birth date not after today",
    "PATCH /api/v1/patients/{patient_id}/identity": "the INS control key; a birth date not after today; "
                                                    "ins_status only with an INS",
    "POST /api/v1/care-episodes/{episode_id}/readings": "taken_at not in the future, not before the "
                                                        "episode's start or the birth; at least one indicator",
    "POST /api/v1/rule-sets/dry-run": "the rule set is judged by the rules engine (its own schema, YAML text)",
    "GET /api/v1/alerts": "`before` is a cursor the list gave (X-Next-Before): any other string is a 422 "
                          "naming `before`",
    "POST /api/v1/portal/activate": "an activation token is one the platform mailed (single use, kept hashed): "
                                    "any other is 410",
    # Not our rule: schemathesis 4.32.5's coverage phase, for a form with an `encoding`, fills
    # every required field it has no media type strategy for with "" (coverage/_operation.py,
    # _generate_multipart_body_from_custom_strategies), a title and kind the schema itself
    # refuses; and a file's bytes must match its media type (checked by its first bytes).
    "POST /api/v1/patients/{patient_id}/documents": "a file's first bytes must match its media type; "
                                                    "schemathesis sends '' for the title and kind of a form "
                                                    "with an encoding",
}
# Left out of the run altogether: each would end the session the run itself uses (the token
# in every request), after which every answer is a 401 and nothing more is tested.
SESSION_ENDING = {
    "POST /api/v1/auth/logout": "revokes the caller's access token at once",
}
# Left out too: an endless answer, which every request would hold until its timeout (30 s);
# tests/integration/test_alert_stream.py tests it (events, resumption, who sees what).
ENDLESS = {
    "GET /api/v1/alerts/stream": "Server-Sent Events: the answer never ends",
}
HOOKS = "tests.integration.fuzz_hooks"  # files of each accepted media type, for the uploads
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Owned:
    """A professional and the admin, signed in, and ids of resources the professional owns."""

    gateway: str
    professional_token: str
    admin_token: str
    ids: dict[str, str]
    life_cycle_episodes: dict[str, str]
    # A patient of the circle with no episode yet: the enrolment's (one open episode each).
    unenrolled: str = ""


def prepare(gateway: str) -> Owned:
    admin = Api.login(gateway, ADMIN["username"], ADMIN["password"])
    structure = admin.structure("Maison de santé du fuzz")
    _, email = admin.professional(structure)
    colleague, _ = admin.professional(structure)
    doctor = Api.login(gateway, email, PASSWORD)
    patient = doctor.patient("Fuzz")
    doctor.ok("POST", f"/patients/{patient}/care-circle/members", 201,
              json={"professional_id": colleague, "role": "nurse"})
    episode = doctor.episode(patient, structure)
    reading = doctor.ok("POST", f"/care-episodes/{episode}/readings", 201,
                        json={"taken_at": now_iso(), **ALARMING})
    alert = eventually(lambda: doctor.alerts(patient))[0]["id"]
    document = doctor.http.post(f"/api/v1/patients/{patient}/documents",
                                files={"file": ("cr.pdf", PDF, "application/pdf")},
                                data={"title": "Compte rendu", "kind": "report"})
    assert document.status_code == 201, document.text
    note = doctor.ok("POST", f"/patients/{patient}/notes", 201, json={"text": "Passage IDE"})
    objective = doctor.ok("POST", f"/patients/{patient}/objectives", 201, json={"title": "Reprise de la marche"})
    # One open episode per patient: each life-cycle episode is another patient's.
    life_cycle = {name: doctor.episode(doctor.patient(f"Fuzz {name}"), structure) for name in LIFE_CYCLE}
    unenrolled = doctor.patient("Fuzz enrolment")
    ids = {
        "patient_id": patient, "episode_id": episode, "alert_id": alert,
        "document_id": document.json()["id"], "objective_id": objective["id"],
        "professional_id": colleague, "structure_id": structure,
        "reading_id": reading.get("id", ""), "note_id": note.get("id", ""),
    }
    return Owned(gateway, doctor.http.headers["Authorization"].removeprefix("Bearer "),
                 admin.http.headers["Authorization"].removeprefix("Bearer "), ids, life_cycle, unenrolled)


def config(owned: Owned, examples: int) -> str:
    """The schemathesis.toml of a run: seed, examples, and the owned ids as path parameters."""
    # No cache: schemathesis would replay the crashes of earlier runs first (not reproducible,
    # and a directory left in the work tree).
    # Every check, in the file rather than `--checks all`: on the command line it would
    # override each operation's own `checks` (UNSAYABLE's).
    lines = [f"seed = {SEED}", "", "[checks]", "enabled = true", "", "[cache]", "enabled = false", "",
             "[generation]", f"max-examples = {examples}", "", "[parameters]"]
    lines += [f'"path.{name}" = "{value}"' for name, value in owned.ids.items() if value]
    for name, episode in owned.life_cycle_episodes.items():
        lines += ["", "[[operations]]", f'include-name = "POST /api/v1/care-episodes/{{episode_id}}/{name}"',
                  f'parameters = {{ "path.episode_id" = "{episode}" }}']
    if owned.unenrolled:
        lines += ["", "[[operations]]", 'include-name = "POST /api/v1/patients/{patient_id}/care-episodes"',
                  f'parameters = {{ "path.patient_id" = "{owned.unenrolled}" }}']
    for operation, reason in {**SESSION_ENDING, **ENDLESS}.items():
        lines += ["", f"# {reason}", "[[operations]]", f'include-name = "{operation}"', "enabled = false"]
    for operation, reason in UNSAYABLE.items():
        lines += ["", f"# {reason}", "[[operations]]", f'include-name = "{operation}"',
                  "checks = { positive_data_acceptance = { enabled = false } }"]
    return "\n".join(lines) + "\n"


def schema_file(owned: Owned, workdir: Path) -> Path:
    """The gateway's OpenAPI, its examples' structure id replaced by the owned structure's, so
    that the examples of an enrolment or a professional's account name a structure that exists
    (a generated id is a 404, as it should be)."""
    spec = httpx.get(f"{owned.gateway}/openapi.json", timeout=30).raise_for_status().text
    path = workdir / "openapi.json"
    path.write_text(spec.replace(STRUCTURE_ID, owned.ids["structure_id"]), encoding="utf-8")
    return path


@dataclass
class Figures:
    """What one run found, read from schemathesis's JSON report."""

    caller: str
    operations: int = 0
    requests: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    creates: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    seen: set[tuple[str, ...]] = field(default_factory=set)
    exit_code: int = 0
    output: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        failed = ", ".join(f"{name} {count}" for name, count in sorted(self.failures.items())) or "none"
        return (f"{self.caller}: {self.operations} operations, {self.requests} requests, "
                f"failures by check: {failed}; statuses {dict(sorted(self.statuses.items()))}; "
                f"{self.seconds:.0f} s")


def run(owned: Owned, caller: str, token: str, examples: int, workdir: Path) -> Figures:
    config_file = workdir / f"{caller}.toml"
    config_file.write_text(config(owned, examples), encoding="utf-8")
    report = workdir / f"{caller}.json"
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config_file), "run",
        str(schema_file(owned, workdir)), "--url", owned.gateway, "--mode", "all", "--phases", PHASES,
        "--max-examples", str(examples), "--seed", str(SEED), "--workers", "1", "--no-color",
        "--header", f"Authorization: Bearer {token}", "--generation-database", "none",
        "--report", "ndjson", "--report-ndjson-path", str(report), "--continue-on-failure",
        "--request-timeout", "30", "--suppress-health-check", "all",
    ]
    started = time.monotonic()
    # In the run's own directory: hypothesis keeps a .hypothesis there, whatever the options.
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS,
                   "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    finished = subprocess.run(command, capture_output=True, text=True, check=False, cwd=workdir, env=environment)
    figures = read_report(caller, report)
    figures.exit_code, figures.output = finished.returncode, finished.stdout + finished.stderr
    figures.seconds = time.monotonic() - started  # printed, never asserted
    return figures


def read_report(caller: str, report: Path) -> Figures:
    """The ndjson event stream: each scenario's interactions (requests, statuses, checks)."""
    figures = Figures(caller)
    operations: set[str] = set()
    for line in report.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        for kind, body in event.items():
            if kind == "ScenarioFinished":
                _scenario(figures, operations, body)
    figures.operations = len(operations)
    return figures


def _scenario(figures: Figures, operations: set[str], body: dict[str, Any]) -> None:
    recorder = body.get("recorder") or {}
    label = recorder.get("label") or ""
    if label:
        operations.add(label)
    for interaction in (recorder.get("interactions") or {}).values():
        request, response = interaction.get("request") or {}, interaction.get("response") or {}
        if not request:
            continue
        figures.requests += 1
        status = response.get("status_code")
        if status is not None:
            figures.statuses[status] += 1
            kind = next((k for k, operation in CREATES.items()
                         if operation == f"{request.get('method')} {_template(label)}"), None)
            if kind and 200 <= status < 300 and request.get("method") == "POST":
                figures.creates[kind] += 1
    for check in (recorder.get("checks") or {}).values():
        for result in check:
            if result.get("status") != "failure":
                continue
            failure = (result.get("failure_info") or {}).get("failure") or {}
            # Counted once per check, operation and kind, as schemathesis counts unique failures.
            key = (result["name"], failure.get("operation", label), failure.get("title", ""),
                   str(failure.get("message", "")).split("\n")[0])
            if key not in figures.seen:
                figures.seen.add(key)
                figures.failures[result["name"]] += 1
                figures.examples.append(" | ".join(key) + " | " + str(failure.get("message", ""))[:300])


def reproductions(output: str) -> list[str]:
    """Schemathesis's own account of each failure (the refusal and its curl line): what a reader
    of a failed run needs, and what the ndjson report does not keep."""
    blocks = output.split("Reproduce with:")
    return [(before[-700:].rsplit("\n\n", 3)[-2] if "\n\n" in before[-700:] else "") + " | "
            + after.strip().split("\n")[0] for before, after in itertools.pairwise(blocks)]


def _template(label: str) -> str:
    return label.split(" ", 1)[1] if " " in label else label


def main() -> None:
    """`make fuzz`: a private stack on PostgreSQL, LONG_EXAMPLES per operation, both callers."""
    from tests.integration.support import create_database, drop_database, start_stack

    with tempfile.TemporaryDirectory() as tmp:
        database = create_database()
        stack = start_stack(Path(tmp), database)
        try:
            owned = prepare(stack.url("gateway"))
            runs = [run(owned, name, token, LONG_EXAMPLES, Path(tmp))
                    for name, token in (("professional", owned.professional_token), ("admin", owned.admin_token))]
        finally:
            stack.stop()
            drop_database(database)
    for figures in runs:
        print(figures.line())
        print("  successful creates:", dict(figures.creates))
        for example in figures.examples:
            print("  ", example)
    sys.exit(1 if any(figures.failures for figures in runs) else 0)


if __name__ == "__main__":
    main()
