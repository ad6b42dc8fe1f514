"""INS (NIR) key, INSEE codes, postal codes, phone numbers and e-mail formats."""

import pytest

from ecovid_api.formats import (
    check_email,
    check_ins,
    check_insee_code,
    check_postal_code,
    ins_key,
    normalise_phone,
)


def with_key(body: str) -> str:
    """The spec's formula, written out: Corsica 2A -> 19, 2B -> 18, key = 97 - n mod 97."""
    number = int(body[:5] + {"2A": "19", "2B": "18"}.get(body[5:7], body[5:7]) + body[7:])
    return f"{body}{97 - number % 97:02d}"


# Published examples, independent of the formula above.
PUBLISHED = ["262087503203977", "163127847704294"]
COMPUTED = [
    with_key("1850578006084"),
    with_key("2991299123456"),
    with_key("178032A004123"),
    with_key("285112B033001"),
    with_key("1000101001001"),  # key 05: written with its leading 0
    with_key("1000101001006"),  # a multiple of 97: key 97, never 00
]


@pytest.mark.parametrize("ins", PUBLISHED + COMPUTED)
def test_valid_ins_is_accepted(ins):
    assert check_ins(ins) == ins


@pytest.mark.parametrize(
    ("body", "key"),
    [("2620875032039", 77), ("1631278477042", 94), ("1000101001001", 5), ("1000101001006", 97)],
)
def test_ins_key_matches_published_examples(body, key):
    assert ins_key(body) == key


def test_ins_is_compacted_and_uppercased():
    assert check_ins(" 2 62 08 75 032 039 77 ") == "262087503203977"
    corsican = with_key("178032A004123")
    assert check_ins(corsican.lower()) == corsican


def test_corsican_key_uses_19_and_18_not_20():
    body = "178032A004123"
    key_as_if_20 = 97 - int(body.replace("2A", "20")) % 97
    assert f"{key_as_if_20:02d}" != with_key(body)[13:]
    with pytest.raises(ValueError, match="key"):
        check_ins(f"{body}{key_as_if_20:02d}")


def _wrong_key(ins: str) -> str:
    return ins[:13] + f"{(int(ins[13:]) % 97) + 1:02d}"


@pytest.mark.parametrize(
    ("ins", "message"),
    [
        ("26208750320397", "15 characters"),
        ("2620875032039777", "15 characters"),
        ("", "15 characters"),
        ("26208750320397A", "digits"),
        ("2620875A3203977", "digits"),
        ("178032C00412345", "digits"),
        (_wrong_key("262087503203977"), "key"),
        (_wrong_key(with_key("285112B033001")), "key"),
        ("262087503203978", "key"),
        (with_key("3850578006084"), "start with 1 or 2"),
        (with_key("7850578006084"), "start with 1 or 2"),
        (with_key("8850578006084"), "start with 1 or 2"),
    ],
)
def test_invalid_ins_is_rejected(ins, message):
    with pytest.raises(ValueError, match=message):
        check_ins(ins)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("+33 06 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("01-23-45-67-89", "+33123456789"),
        ("0692 12 34 56", "+262692123456"),
        ("0596 12 34 56", "+596596123456"),
        ("+32 2 123 45 67", "+3221234567"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(value, expected):
    assert normalise_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "06 12 34 56",
        "6123456789",
        "+33 6 12 34 56 7",
        "+33 6 12 34 56 789",
        "0012",
        "+0612345678",
        "06 12 34 56 7a",
        "phone",
        "",
    ],
)
def test_malformed_phone_numbers_are_rejected(value):
    with pytest.raises(ValueError, match="French number"):
        normalise_phone(value)


@pytest.mark.parametrize(
    ("value", "expected"), [("75001", "75001"), ("20000", "20000"), (" 97400 ", "97400")]
)
def test_postal_codes_of_five_digits_are_accepted(value, expected):
    assert check_postal_code(value) == expected


@pytest.mark.parametrize("value", ["7500", "750011", "7500A", "00100", "2A000", ""])
def test_other_postal_codes_are_rejected(value):
    with pytest.raises(ValueError, match="postal code"):
        check_postal_code(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("75056", "75056"), ("2A004", "2A004"), ("2b033", "2B033"), ("99109", "99109")],
)
def test_insee_commune_codes_are_accepted(value, expected):
    assert check_insee_code(value) == expected


@pytest.mark.parametrize("value", ["2C004", "7505", "750561", "A5056", "2A04"])
def test_other_insee_codes_are_rejected(value):
    with pytest.raises(ValueError, match="INSEE code"):
        check_insee_code(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jeanne.Dupont@Example.FR", "Jeanne.Dupont@example.fr"),
        (" a+b@sub.domain.org ", "a+b@sub.domain.org"),
        ("élise@hôpital.fr", "élise@hôpital.fr"),
        ("x@xn--80akhbyknj4f.xn--p1ai", "x@xn--80akhbyknj4f.xn--p1ai"),
    ],
)
def test_email_addresses_are_accepted(value, expected):
    assert check_email(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "a@b",
        "a@@b.fr",
        "a b@c.fr",
        ".a@b.fr",
        "a..b@c.fr",
        "a@b..fr",
        "a@-b.fr",
        "a@b.f",
        "a@b.fr1",
        "x" * 65 + "@b.fr",
        "a@" + "b" * 250 + ".fr",
    ],
)
def test_malformed_email_addresses_are_rejected(value):
    with pytest.raises(ValueError, match="e-mail"):
        check_email(value)
