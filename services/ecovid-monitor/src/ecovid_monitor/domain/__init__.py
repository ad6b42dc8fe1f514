"""Domain of e-COVID telemonitoring: care episodes, readings, clinical rules (no I/O)."""
