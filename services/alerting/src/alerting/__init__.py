"""Alerting service: alerts raised for the care circle, and their life cycle."""

SERVICE = "alerting"
