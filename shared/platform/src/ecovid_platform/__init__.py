"""Runtime shared by every e-COVID service, written once: never copied per service."""
