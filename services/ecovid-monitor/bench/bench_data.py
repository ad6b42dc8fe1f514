"""Synthetic population of the list bench, bulk-inserted straight into the read-model tables."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ecovid_monitor.read_models.names import search_key
from ecovid_monitor.read_models.projections import SEVERITY
from ecovid_monitor.read_models.tables import deadlines, patients, rows, symptoms

LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
              "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "García", "David", "Bertrand", "Roux",
              "Vincent", "Fournier", "Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont", "Lambert",
              "Bonnet", "François", "Martinez", "Marchand", "Mériaux", "Marais", "Éluard", "Hébert"]
FIRST_NAMES = ["Jean", "Marie", "Héloïse", "Zoé", "Noël", "Chloé", "Louis", "Inès", "Jérôme", "Agnès", "Léa"]
COMMUNES = ["Paris", "Créteil", "Vitry-sur-Seine", "Saint-Denis", "Montreuil", "Nanterre", "Évry",
            "Boulogne-Billancourt", "Argenteuil", "Versailles", "Cergy", "Meaux", "Melun", "Pontoise"]
INDICATORS = ["temperature", "heart_rate", "respiratory_rate", "spo2", "dyspnea", "chills", "malaise",
              "cough", "anosmia", "digestive_troubles", "wishes_to_stay_home"]
STATES = ["alert", "overdue", "watch", "normal", "none"]
STATE_WEIGHTS = [5, 5, 20, 65, 5]
STRUCTURES = 20


@dataclass(frozen=True)
class Structure:
    structure_id: uuid.UUID
    episodes: int


def _identity(rng: random.Random, today: date) -> dict[str, Any]:
    last, first, commune = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES), rng.choice(COMMUNES)
    age_days = rng.randint(0, 17 * 365) if rng.random() < 0.15 else rng.randint(18 * 365, 98 * 365)
    return {"patient_id": uuid.uuid4(), "last_name": last, "first_name": first,
            "birth_date": today - timedelta(days=age_days), "commune": commune}


def _row(rng: random.Random, person: dict[str, Any], structure_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    state = rng.choices(STATES, STATE_WEIGHTS)[0]
    out_of_range = rng.sample(INDICATORS, rng.randint(1, 3)) if state in ("alert", "watch", "overdue") else []
    levels = {name: ("watch" if name in out_of_range else "normal") for name in INDICATORS}
    if state == "alert":
        levels[out_of_range[0]] = "alert"
    opened_at = now - timedelta(days=7, minutes=rng.randint(0, 7 * 1440))
    last = None if state == "none" else now - timedelta(minutes=rng.randint(10, 7 * 1440))
    return {
        "episode_id": uuid.uuid4(), "patient_id": person["patient_id"], "structure_id": structure_id,
        "status": "tested_positive", "hospitalised": rng.random() < 0.02,
        "first_symptoms_on": (opened_at - timedelta(days=rng.randint(0, 5))).date(),
        "general_state": state, "severity": SEVERITY[state], "last_reading_at": last, "opened_at": opened_at,
        "levels": {} if state == "none" else levels,
        "last_name": person["last_name"], "first_name": person["first_name"],
        "last_name_key": search_key(person["last_name"]), "first_name_key": search_key(person["first_name"]),
        "birth_date": person["birth_date"], "commune": person["commune"],
        "commune_key": search_key(person["commune"]),
        "_symptoms": [n for n, level in levels.items() if level != "normal"] if state != "none" else [],
    }


def seed(
    engine: sa.Engine, n_patients: int, n_episodes: int, rng: random.Random, largest_share: float = 0.25,
) -> tuple[Structure, list[tuple[uuid.UUID, uuid.UUID]]]:
    """The largest structure (a quarter of the open episodes by default) is the one the bench queries."""
    now, today = datetime.now(UTC), datetime.now(UTC).date()
    people = [_identity(rng, today) for _ in range(n_patients)]
    structures = [uuid.uuid4() for _ in range(STRUCTURES)]
    largest = int(n_episodes * largest_share)
    weights = [largest] + [(n_episodes - largest) // (STRUCTURES - 1)] * (STRUCTURES - 1)
    owners = [s for s, w in zip(structures, weights) for _ in range(w)]
    owners += [structures[-1]] * (n_episodes - len(owners))
    followed = rng.sample(people, n_episodes)
    episode_rows = [_row(rng, person, owner, now) for person, owner in zip(followed, owners)]
    symptom_rows = [{"indicator": n, "episode_id": r["episode_id"]} for r in episode_rows for n in r.pop("_symptoms")]
    deadline_rows = [{"episode_id": r["episode_id"], "readings_per_day": 2,
                      "due_at": (r["last_reading_at"] or r["opened_at"]) + timedelta(hours=12)} for r in episode_rows]
    with engine.begin() as connection:
        tables = ((patients, people), (rows, episode_rows), (symptoms, symptom_rows), (deadlines, deadline_rows))
        for table, values in tables:
            for start in range(0, len(values), 5000):
                connection.execute(table.insert(), values[start:start + 5000])
        connection.execute(sa.text("ANALYZE"))
    biggest = Structure(structures[0], weights[0])
    return biggest, [(r["episode_id"], r["patient_id"]) for r in episode_rows]
