"""Schema migrations of care-circle's read models (the directory's search index): alembic
scripts in versions/, run at start-up by ecovid_platform.migrations after the platform's."""

from care_circle.directory_index import metadata

BASELINE = "care_circle_0001"  # a database made by create_all before migrations is at this

__all__ = ["BASELINE", "metadata"]
