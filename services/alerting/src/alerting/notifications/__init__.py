"""Notifications of alerts: planned from alerting's own events into an outbox keyed by
(alert, recipient, channel, step), then sent by email or SMS, each once."""
