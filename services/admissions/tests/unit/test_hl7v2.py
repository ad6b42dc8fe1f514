"""HL7 v2 ADT (IHE PAM FR) read into movements, or refused naming the field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hl7_samples import adt

from ecovid_events import InvalidEvent

from admissions import hl7v2
from admissions.hl7v2 import Refused, Unsupported, read_movement


def test_an_a01_gives_an_admission_with_ins_both_names_unit_visit_and_local_time_in_utc() -> None:
    """Break: PID-5 read without its name type -> the used name taken as the birth name, fails."""
    movement = read_movement(adt())
    assert (movement.kind, movement.finess, movement.hospital_name) == ("admit", "330781196", "CHU Bordeaux")
    assert (movement.visit_number, movement.unit) == ("V0001", "PNEUMO")
    assert movement.identity == {"ins": "185077512345608", "birth_name": "DUPONT", "used_name": "MARTIN",
                                 "first_name": "JEANNE", "birth_date": "1950-03-04"}
    # 08:15 in Bordeaux on 30 November (UTC+1).
    assert movement.at == datetime(2026, 11, 30, 7, 15, tzinfo=UTC)
    assert movement.movement_id == "MVT0001|A01" and movement.source == "hl7v2"
    assert movement.raw.startswith("MSH|")


@pytest.mark.parametrize(("trigger", "kind"), list(hl7v2.TRIGGERS.items()))
def test_every_supported_trigger_gives_its_movement(trigger: str, kind: str) -> None:
    assert read_movement(adt(trigger)).kind == kind


@pytest.mark.parametrize("version", ["2.3.1", "2.4", "2.5"])
def test_versions_2_3_1_to_2_5(version: str) -> None:
    assert read_movement(adt(version=version)).kind == "admit"


def test_iso_8859_1_by_msh_18_and_utf_8_without_it() -> None:
    """Break: bytes decoded as UTF-8 whatever MSH-18 says -> the Latin-1 message is refused, fails."""
    latin = read_movement(adt(last="LEFÈVRE", first="HÉLOÏSE"))
    assert (latin.identity["birth_name"], latin.identity["first_name"]) == ("LEFÈVRE", "HÉLOÏSE")
    utf8 = read_movement(adt(last="LEFÈVRE", charset=""))
    assert utf8.identity["birth_name"] == "LEFÈVRE"
    with pytest.raises(Refused, match="MSH-18"):
        read_movement(adt(last="LEFÈVRE", charset="", encoding="iso-8859-1"))


def test_escape_sequences_are_unescaped() -> None:
    assert read_movement(adt(last="D\\T\\ARC\\S\\X")).identity["birth_name"] == "D&ARC^X"


def test_without_zbe_the_movement_id_is_msh_10() -> None:
    assert read_movement(adt(movement=None, control_id="C-77")).movement_id == "MSH-10:C-77"


def test_a_cancellation_is_another_movement_than_what_it_cancels() -> None:
    assert read_movement(adt("A11")).movement_id != read_movement(adt("A01")).movement_id


def test_discharge_time_from_pv1_45() -> None:
    movement = read_movement(adt("A03", discharged="20261205143000"))
    assert movement.at == datetime(2026, 12, 5, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize(("message", "reason"), [
    (adt(ins="185077512345609"), "PID-3: the INS key"),
    (adt(born="19500230"), "PID-7"),
    (adt(admitted="2026113X"), "PV1-44"),
    (adt(visit=""), "PV1-19"),
    (adt(last="", used=""), "PID-5"),
    (adt(control_id=""), "MSH-10"),
    (adt(charset="KOI8-R"), "MSH-18"),
    (b"PID|1||x\r", "not an HL7 v2 message"),
    (b"", "not an HL7 v2 message"),
    (adt().replace(b"CHU Bordeaux^330781196^FINESS", b"CHU"), "MSH-4"),
])
def test_what_cannot_be_used_is_refused_naming_the_field(message: bytes, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        read_movement(message)


def test_missing_or_misplaced_segments() -> None:
    lines = adt().split(b"\r")
    without_pv1 = b"\r".join(line for line in lines if not line.startswith(b"PV1"))
    with pytest.raises(Refused, match="PV1: segment missing"):
        read_movement(without_pv1)
    swapped = b"\r".join([lines[0], lines[1], lines[3], lines[2], *lines[4:]])
    with pytest.raises(Refused, match="out of order"):
        read_movement(swapped)


@pytest.mark.parametrize(("message", "reason"), [
    (adt("A05"), "trigger event 'A05'"),
    (adt(version="2.6"), "version '2.6'"),
    (adt().replace(b"ADT^A01^ADT_A01", b"ORU^R01^ORU_R01"), "message type 'ORU'"),
])
def test_unsupported_types_triggers_and_versions(message: bytes, reason: str) -> None:
    """Break: Unsupported raised as Refused -> acknowledged AE instead of AR, fails."""
    with pytest.raises(Unsupported, match=reason):
        read_movement(message)


def test_times_with_an_offset_and_partial_precision() -> None:
    assert hl7v2.parse_time("202611300815+0200", "X") == datetime(2026, 11, 30, 6, 15, tzinfo=UTC)
    assert hl7v2.parse_time("20260704", "X") == datetime(2026, 7, 3, 22, 0, tzinfo=UTC)
    with pytest.raises(InvalidEvent):
        hl7v2.parse_time("2026-07-04", "EVN-2")


def test_a_segment_id_with_a_repetition_is_no_segment() -> None:
    """Found by the fuzz test: "PID~|..." was listed as a PID that `segment("PID")` does not find, and
    its KeyError escaped the consumer and ended the MLLP connection's task. Break: segment ids read
    as the first repetition (str(segment[0][0])) -> KeyError, fails."""
    with pytest.raises(Refused, match="PID: segment missing"):
        read_movement(adt().replace(b"\rPID|", b"\rPID~|"))


def test_whatever_else_the_hl7_containers_refuse_is_refused_too() -> None:
    message = hl7v2.parse(adt())
    message.segment("PV1")[3] = None  # a tree no parse makes: the guard turns any such error into AE
    with pytest.raises(Refused, match="malformed message"):
        hl7v2.movement_of(message, adt())
