"""The embedded stack: one supervisor for the broker and every service."""
