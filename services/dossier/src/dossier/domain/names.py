"""The accent- and case-blind keys that patient search and duplicate detection
(détection de doublons) compare; what a name may hold is ecovid_api.names."""

import unicodedata
from datetime import date

# NFKD leaves these French ligatures whole, yet people type "oe" and "ae".
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def normalise_name(text: str) -> str:
    """Fold a name to bare lowercase letters and digits: "D'Arc-Dupont" -> "darcdupont"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return "".join(char for char in decomposed if char.isalnum())


def matches_prefix(name: str, prefix: str) -> bool:
    """Whether a search prefix, typed with or without accents, starts the name."""
    wanted = normalise_name(prefix)
    # A prefix of punctuation only folds to "" and must not list everyone.
    return bool(wanted) and normalise_name(name).startswith(wanted)


def search_key(last_name: str, first_name: str, birth_date: date) -> str:
    """Key under which two records of the same person collide.

    Only the first given name counts, since hospitals often send just that one.
    """
    given_names = first_name.replace(",", " ").split()
    first_given = given_names[0] if given_names else ""
    return "|".join(
        (normalise_name(last_name), normalise_name(first_given), birth_date.isoformat())
    )
