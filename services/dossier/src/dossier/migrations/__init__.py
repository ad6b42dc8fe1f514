"""Schema migrations of the dossier's read models (the patient search index, care episodes,
document list and timeline): alembic scripts in versions/, run at start-up by
ecovid_platform.migrations after the platform's."""

from dossier import documents, episodes, timeline  # noqa: F401  (their tables join the metadata)
from dossier.read_models import metadata

BASELINE = "dossier_0001"  # what a database made by create_all before migrations is at

__all__ = ["BASELINE", "metadata"]
