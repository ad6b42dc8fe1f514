"""Clinical rules of e-COVID: colouring readings against a versioned rule set (pure domain, no I/O)."""

from .age import Age, age_at
from .colouring import Breach, Colouring, colour_reading
from .levels import Level, worst_of
from .loader import RuleSetInvalid, default_rule_set, load_rule_set
from .reading_values import INDICATORS, Dyspnea, ReadingValues
from .reevaluation import OverallChange, PastReading, ReevaluationReport, reevaluate
from .rule_set import RuleSet
from .transitions import state_transition_breaches

__all__ = [
    "INDICATORS",
    "Age",
    "Breach",
    "Colouring",
    "Dyspnea",
    "Level",
    "OverallChange",
    "PastReading",
    "ReadingValues",
    "ReevaluationReport",
    "RuleSet",
    "RuleSetInvalid",
    "age_at",
    "colour_reading",
    "default_rule_set",
    "load_rule_set",
    "reevaluate",
    "state_transition_breaches",
    "worst_of",
]
