"""Schema migrations of alerting's read models (the alert list and the care circles): alembic scripts in
versions/, run at start-up by ecovid_platform.migrations after the platform's."""

from alerting.read_models import metadata

BASELINE = "alerting_0001"  # what a database made by create_all before migrations is at

__all__ = ["BASELINE", "metadata"]
