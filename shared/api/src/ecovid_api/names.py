"""What a person's or a place's name may hold (the public contract's name rule)."""

import unicodedata

MAX_NAME_LENGTH = 100
# U+2019 is the apostrophe French keyboards and word processors produce.
_NAME_PUNCTUATION = frozenset(" -'\u2019")


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
