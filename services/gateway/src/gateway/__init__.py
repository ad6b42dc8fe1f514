"""Gateway: the only public HTTP surface of the platform."""

SERVICE = "gateway"
