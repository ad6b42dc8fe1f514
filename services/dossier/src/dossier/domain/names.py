"""Name rules of a patient identity, and the accent- and case-blind keys that
patient search and duplicate detection (détection de doublons) compare."""

import unicodedata
from datetime import date

MAX_NAME_LENGTH = 100
# U+2019 is the apostrophe French keyboards and word processors produce.
_NAME_PUNCTUATION = frozenset(" -'\u2019")
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


def check_person_name(value: str) -> str:
    """A last, birth or given name: letters of any script, spaces, hyphens, apostrophes."""
    return _check_name(value, allow_digits=False)


def check_place_name(value: str) -> str:
    """A commune name, where digits may appear ("Paris 15e Arrondissement")."""
    return _check_name(value, allow_digits=True)


def _check_name(value: str, *, allow_digits: bool) -> str:
    # NFC so that "é" typed as e + combining accent is stored like everyone else's.
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"must be at most {MAX_NAME_LENGTH} characters")
    if not any(char.isalpha() for char in name):
        raise ValueError("must contain at least one letter")
    if not all(_is_name_char(char, allow_digits) for char in name):
        allowed = "letters, digits" if allow_digits else "letters"
        raise ValueError(f"may only contain {allowed}, spaces, hyphens and apostrophes")
    return name


def _is_name_char(char: str, allow_digits: bool) -> bool:
    if char.isalpha() or char in _NAME_PUNCTUATION:
        return True
    if allow_digits and char.isdigit():
        return True
    # Combining accents left undecomposed by NFC still belong to a letter.
    return unicodedata.category(char).startswith("M")
