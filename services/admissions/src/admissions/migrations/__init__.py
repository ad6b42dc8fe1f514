"""Schema migrations of admissions' read models: alembic scripts in versions/, run at start-up by
ecovid_platform.migrations after the platform's."""

from admissions.read_models import metadata

BASELINE = "admissions_0001"

__all__ = ["BASELINE", "metadata"]
