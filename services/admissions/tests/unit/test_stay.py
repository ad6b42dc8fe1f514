"""What a stay's movements mean by their times, whatever their arrival order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from admissions.domain.stay import Movement, effective


def at(hour: int) -> datetime:
    return datetime(2026, 11, 30, hour, tzinfo=UTC)


def movements(*specs: tuple[str, int, str | None]) -> list[Movement]:
    return [Movement(f"m{i}", kind, at(hour), unit, i) for i, (kind, hour, unit) in enumerate(specs)]


def test_admit_transfer_discharge_in_any_arrival_order_ends_discharged_with_both_times() -> None:
    """Break: the fold in arrival order (no sort by time) -> the admit arriving last re-admits."""
    specs = [("admit", 8, "Urgences"), ("transfer", 10, "Pneumologie"), ("discharge", 18, None)]
    for order in itertools.permutations(specs):
        now = effective(movements(*order))
        assert (now.state, now.unit, now.admitted_at, now.discharged_at) == (
            "discharged", "Pneumologie", at(8), at(18)), order


def test_a_cancelled_admission_is_cancelled_and_a_cancelled_discharge_is_back_in() -> None:
    """Break: cancellations ignored -> states stay admitted / discharged."""
    assert effective(movements(("admit", 8, "U"), ("cancel_admit", 9, None))).state == "cancelled"
    back = effective(movements(("admit", 8, "U"), ("discharge", 12, None), ("cancel_discharge", 13, None)))
    assert (back.state, back.discharged_at) == ("admitted", None)


def test_a_cancellation_arriving_before_what_it_cancels_still_cancels_it() -> None:
    assert effective(movements(("cancel_admit", 9, None), ("admit", 8, "U"))).state == "cancelled"


def test_a_cancelled_transfer_puts_the_unit_back() -> None:
    now = effective(movements(("admit", 8, "Urgences"), ("transfer", 9, "Réa"), ("cancel_transfer", 10, None)))
    assert (now.state, now.unit) == ("admitted", "Urgences")


def test_an_outpatient_registration_is_no_admission() -> None:
    assert effective(movements(("outpatient", 8, "Consultations"))).state == "outpatient"
    assert effective(movements(("update", 8, None))).state == "none"
