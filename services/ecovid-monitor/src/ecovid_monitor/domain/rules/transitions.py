"""When a coloured reading must be published as a ThresholdBreached (dépassement de seuil)."""

from .colouring import Colouring
from .levels import Level


def state_transition_breaches(previous_overall: Level | None, colouring: Colouring) -> bool:
    """True when the reading is alert, or lifts the patient's state from normal to watch.

    `previous_overall` is the overall level of the patient's previous reading in
    the episode; pass None when the state is `none` or `overdue`.
    """
    if colouring.overall_level is Level.ALERT:
        return True
    return previous_overall is Level.NORMAL and colouring.overall_level is Level.WATCH
