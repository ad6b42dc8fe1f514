"""Schema migrations of ecovid-monitor's read models (the monitoring lists, symptoms, past
readings and reporting deadlines): alembic scripts in versions/, run at start-up by
ecovid_platform.migrations after the platform's."""

from ecovid_monitor.read_models.tables import metadata

BASELINE = "ecovid_monitor_0001"  # what a database made by create_all before migrations is at

__all__ = ["BASELINE", "metadata"]
