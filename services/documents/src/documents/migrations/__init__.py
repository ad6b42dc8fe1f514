"""Schema migrations of documents's read models (each patient's document list): alembic scripts in
versions/, run at start-up by ecovid_platform.migrations after the platform's."""

from documents.read_models import metadata

BASELINE = "documents_0001"  # what a database made by create_all before migrations is at

__all__ = ["BASELINE", "metadata"]
