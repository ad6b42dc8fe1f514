"""Name normalisation for search and duplicate detection, and the name rules."""

from datetime import date

import pytest

from ecovid_api.names import check_person_name, check_place_name

from dossier.domain.names import matches_prefix, normalise_name, search_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Héloïse", "heloise"),
        ("D'Arc-Dupont", "darcdupont"),
        ("d\u2019ar", "dar"),
        ("  Le Goff ", "legoff"),
        ("ÉLODIE", "elodie"),
        ("Müller-Lüdenscheidt", "mullerludenscheidt"),
        ("Lætitia", "laetitia"),
        ("Œdipe", "oedipe"),
        ("Straße", "strasse"),
        ("O'Neil, Jr.", "oneiljr"),
        ("He\u0301loi\u0308se", "heloise"),
    ],
)
def test_normalise_name_folds_accents_case_and_punctuation(text, expected):
    assert normalise_name(text) == expected


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("Héloïse", "helo"),
        ("D'Arc-Dupont", "d'ar"),
        ("D'Arc-Dupont", "d\u2019ar"),
        ("D'Arc-Dupont", "DARC"),
    ],
)
def test_heloise_darc_dupont_is_found_from_prefixes(name, prefix):
    assert matches_prefix(name, prefix)


@pytest.mark.parametrize(
    ("name", "prefix"),
    [("D'Arc-Dupont", "dupont"), ("Héloïse", "heloisa"), ("Héloïse", "'"), ("Héloïse", "")],
)
def test_prefix_elsewhere_or_of_punctuation_only_does_not_match(name, prefix):
    assert not matches_prefix(name, prefix)


def test_search_key_ignores_accents_case_and_later_given_names():
    born = date(1985, 5, 1)
    assert search_key("D'ARC-DUPONT", "HELOISE", born) == search_key(
        "d\u2019Arc Dupont", "Héloïse Marie", born
    )
    assert search_key("D'Arc-Dupont", "Héloïse", born) == "darcdupont|heloise|1985-05-01"


@pytest.mark.parametrize(
    ("other_last", "other_first", "other_born"),
    [
        ("Dupond", "Héloïse", date(1985, 5, 1)),
        ("Dupont", "Eloise", date(1985, 5, 1)),
        ("Dupont", "Héloïse", date(1985, 5, 2)),
    ],
)
def test_search_key_differs_when_a_trait_differs(other_last, other_first, other_born):
    key = search_key("Dupont", "Héloïse", date(1985, 5, 1))
    assert search_key(other_last, other_first, other_born) != key


def test_search_key_keeps_a_hyphenated_given_name_whole():
    assert (
        search_key("Martin", "Jean-Pierre Paul", date(1950, 1, 2)) == "martin|jeanpierre|1950-01-02"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Héloïse", "Héloïse"),
        ("D'Arc-Dupont", "D'Arc-Dupont"),
        ("N\u2019Diaye", "N\u2019Diaye"),
        ("  Marie   Anne ", "Marie Anne"),
        ("Ødegård", "Ødegård"),
        ("李", "李"),
        ("He\u0301loi\u0308se", "Héloïse"),
        ("A" * 100, "A" * 100),
    ],
)
def test_person_names_of_letters_are_accepted_and_tidied(value, expected):
    assert check_person_name(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("123", "at least one letter"),
        ("", "at least one letter"),
        ("  ", "at least one letter"),
        ("-'", "at least one letter"),
        ("Jean2", "only contain letters"),
        ("Dupont!", "only contain letters"),
        ("Du_pont", "only contain letters"),
        ("A" * 101, "at most 100"),
    ],
)
def test_person_names_without_letters_or_with_other_signs_are_rejected(value, message):
    with pytest.raises(ValueError, match=message):
        check_person_name(value)


def test_commune_names_may_hold_digits_but_not_only_digits():
    assert check_place_name("Paris 15e Arrondissement") == "Paris 15e Arrondissement"
    with pytest.raises(ValueError, match="at least one letter"):
        check_place_name("75015")
