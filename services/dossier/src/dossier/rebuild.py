"""The dossier's read models as units of rebuild, and the timeline's rebuild for the admin route.

Own events (the notification log) feed the search index and the dossier's share of the
timeline; ecovid-monitor's and documents' topics feed the record's summary tables; every
other service's topic feeds the rest of the timeline.
"""

from __future__ import annotations

from typing import Any

from ecovid_events import topics
from ecovid_platform.consumer import Projects, combined
from ecovid_platform.projector import Projection
from ecovid_platform.rebuild import Consumed, ReadModel, ServiceReadModels
from ecovid_platform.rebuild.engine import rebuild
from ecovid_platform.storage import Storage

from dossier import SERVICE, documents, episodes, read_models, timeline
from dossier.application import DossierApplication
from dossier.integration import translate

RECORDS_CONSUMER = "dossier.records"


def dossier_read_models() -> list[ReadModel]:
    everything = timeline.handlers()
    return [
        ReadModel("search", [read_models.patient_index], local=Projection("dossier.search-index", {
            "PatientRegistered": Projects(read_models.index_registered),
            "PatientIdentityUpdated": Projects(read_models.index_identity_updated),
        }, owned=[read_models.patient_index])),
        ReadModel("records", [episodes.care_episodes, documents.patient_documents], consumed=Consumed(
            RECORDS_CONSUMER, (topics.ECOVID_MONITOR, topics.DOCUMENTS), combined({
                "CareEpisodeOpened": Projects(episodes.episode_opened),
                "ReadingRecorded": Projects(episodes.reading_recorded, episodes.readings_recorded),
                "CareStatusChanged": Projects(episodes.status_changed),
                "CareEpisodeClosed": Projects(episodes.episode_closed),
                "DocumentAdded": Projects(documents.document_added),
            }))),
        # Entries are stored once by event id: the two writers never meet on a row.
        ReadModel("timeline", [timeline.timeline_entries],
                  local=Projection("dossier.timeline-own-events", everything),
                  consumed=Consumed(timeline.CONSUMER, timeline.TOPICS, everything)),
    ]


def rebuildable() -> ServiceReadModels:
    """What `ecovid-ops rebuild dossier` replays, and through what."""
    return ServiceReadModels(SERVICE, DossierApplication, translate, dossier_read_models())


async def rebuild_timeline(storage: Storage, bootstrap: str) -> dict[str, Any]:
    """Rebuild the timeline into a shadow table and swap it in (the live API answers meanwhile)."""
    settings = storage.settings.model_copy(update={"kafka_bootstrap": bootstrap})
    [outcome] = await rebuild(rebuildable(), ["timeline"], settings)
    return {"read": outcome.records_read + outcome.own_events, "applied": outcome.events,
            "seconds": round(outcome.seconds, 3)}
