"""ecovid-monitor service: COVID care episodes (prises en charge) and their readings."""

SERVICE = "ecovid-monitor"
