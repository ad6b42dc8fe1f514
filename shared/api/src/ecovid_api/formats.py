"""Checks of French identifiers and contact formats: INS (NIR), INSEE commune
codes, postal codes, phone numbers and e-mail addresses."""

import re

# Only NIR-shaped numbers (sex digit 1 or 2) are INS; temporary numbers
# (3, 4, 7, 8) are never returned by the INSi teleservice.
INS_SEX_DIGITS = "12"
_INS_SHAPE = re.compile(r"\d{5}(?:\d\d|2A|2B)\d{8}")
# The key is computed on digits only, so Corsica is mapped back to numbers.
_CORSICA_FOR_KEY = {"2A": "19", "2B": "18"}

_INSEE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")
# No French postal code starts with 00.
_POSTAL_CODE = re.compile(r"(?!00)\d{5}")

_PHONE_SEPARATORS = re.compile(r"[\s.\-/()]")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
# Overseas departments share the national 0 prefix but not the +33 country code.
_OVERSEAS_PREFIXES = {
    "0590": "590",
    "0690": "590",
    "0691": "590",
    "0594": "594",
    "0694": "594",
    "0596": "596",
    "0696": "596",
    "0697": "596",
    "0262": "262",
    "0263": "262",
    "0692": "262",
    "0693": "262",
    "0269": "262",
    "0639": "262",
}

_EMAIL_LOCAL = r"[^\s@\"(),:;<>\[\]\\.]+(?:\.[^\s@\"(),:;<>\[\]\\.]+)*"
_EMAIL_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL = re.compile(
    rf"(?P<local>{_EMAIL_LOCAL})@(?P<domain>(?:{_EMAIL_LABEL}\.)+"
    r"(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59}))"
)


def ins_key(body: str) -> int:
    """Control key (clé) of the 13 first characters of a NIR: 97 - (number mod 97)."""
    department = body[5:7]
    digits = body[:5] + _CORSICA_FOR_KEY.get(department, department) + body[7:]
    return 97 - int(digits) % 97


def check_ins(value: str) -> str:
    """An INS (matricule INS, i.e. the NIR): 13 characters and a 2-digit key."""
    ins = "".join(value.split()).upper()
    if len(ins) != 15:
        raise ValueError(f"INS must have 15 characters (13 and a 2-digit key), not {len(ins)}")
    if not _INS_SHAPE.fullmatch(ins):
        raise ValueError("INS must be digits, except a department of 2A or 2B")
    if ins[0] not in INS_SEX_DIGITS:
        raise ValueError("INS must start with 1 or 2; temporary numbers are not INS")
    if ins_key(ins[:13]) != int(ins[13:]):
        raise ValueError("INS control key does not match the number")
    return ins


def check_insee_code(value: str) -> str:
    """An INSEE commune code (code officiel géographique); 99xxx for a foreign country."""
    code = value.strip().upper()
    if not _INSEE_CODE.fullmatch(code):
        raise ValueError("must be an INSEE code of 5 characters, such as 75056, 2A004 or 99109")
    return code


def check_postal_code(value: str) -> str:
    """A French postal code of 5 digits."""
    code = value.strip()
    if not _POSTAL_CODE.fullmatch(code):
        raise ValueError("must be a French postal code of 5 digits")
    return code


def normalise_phone(value: str) -> str:
    """A French (06 12 34 56 78, +33 (0)6...) or international number, as E.164."""
    number = _PHONE_SEPARATORS.sub("", value.replace("(0)", ""))
    if number.startswith("00"):
        number = "+" + number[2:]
    # "+33 06..." is a common slip whose meaning is clear.
    number = re.sub(r"^\+330(?=\d{9}$)", "+33", number)
    if re.fullmatch(r"0[1-9]\d{8}", number):
        number = "+" + _OVERSEAS_PREFIXES.get(number[:4], "33") + number[1:]
    french_ok = not number.startswith("+33") or re.fullmatch(r"\+33[1-9]\d{8}", number)
    if not (french_ok and _E164.fullmatch(number)):
        raise ValueError("must be a French number of 10 digits or an E.164 number")
    return number


def check_email(value: str) -> str:
    """An e-mail address; the domain is lowercased since it is case-blind."""
    address = value.strip()
    match = _EMAIL.fullmatch(address)
    if len(address) > 254 or not match or len(match["local"]) > 64:
        raise ValueError("must be an e-mail address such as name@example.fr")
    return f"{match['local']}@{match['domain'].lower()}"
