"""The indicators of one reading (relevé): the public contract's model (ecovid_api.monitoring,
with their physical limits; nothing outside them is coloured), grouped as the rules read them."""

from ecovid_api.monitoring import INDICATORS, Dyspnea, ReadingValues

__all__ = ["ANSWERED", "INDICATORS", "MEASURED", "Dyspnea", "ReadingValues"]

MEASURED = ("temperature", "heart_rate", "respiratory_rate", "spo2")
ANSWERED = tuple(name for name in INDICATORS if name not in MEASURED)
