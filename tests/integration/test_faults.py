"""The fault suite's short form: every part of the stack killed under 100 alarming readings/s.

`make faults` runs the long form (each service SIGKILLed 5 times); this runs each once,
plus a restart of the broker (it comes back empty) and of PostgreSQL (a private server).
At the end every read model is verified against its rebuild, every service's events are
re-published into the running stack, and nothing may change; every service's chain is intact.

Seen to fail, before the fixes they led to: verify hung on a partition tansu could not hand
out (the topic reader now gives up after 15 s and names it); the dossier's records differed
from their rebuild (the rebuild applied consumed events in topic order; now by time).
"""

from __future__ import annotations

from pathlib import Path

from ecovid_stack.faults import SHORT, run
from ecovid_stack.ports import SERVICES

READ_MODEL_SERVICES = ("dossier", "ecovid-monitor", "alerting", "documents")


def test_short_fault_run_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    outcome = run(SHORT, tmp_path)

    assert outcome.sent == int(SHORT.rate * SHORT.seconds)
    assert outcome.accepted > 0
    faults = [fault["fault"] for fault in outcome.faults]
    assert sorted(set(faults)) == sorted({
        "restart broker", "restart postgres", *(f"kill {s}" for s in
                                                ("dossier", "ecovid-monitor", "alerting", "care-circle",
                                                 "documents", "admissions", "gateway")),
    }), faults
    assert outcome.lost == 0, outcome
    assert outcome.duplicates == 0, outcome
    assert outcome.accepted_with_one_alert == outcome.accepted
    assert outcome.dead_letters == []
    assert outcome.verify == dict.fromkeys(READ_MODEL_SERVICES, "equal")
    assert set(outcome.republish.values()) == {"done"}
    assert (outcome.alerts_after_republish, outcome.duplicates_after_republish) == (outcome.alerts, 0)
    assert outcome.chains == dict.fromkeys(SERVICES, "intact"), outcome.chains
    assert outcome.failures == []
