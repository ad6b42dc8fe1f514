"""HL7 v2 ADT messages as a French hospital sends them (IHE PAM, French extension), for the tests."""

from __future__ import annotations

INS_OID = "1.2.250.1.213.1.4.8"


def adt(trigger: str = "A01", *, control_id: str = "MSG00001", movement: str | None = "MVT0001",
        version: str = "2.5", charset: str = "8859/1", last: str = "DUPONT", used: str = "MARTIN",
        first: str = "JEANNE", born: str = "19500304", ins: str | None = "185077512345608",
        visit: str = "V0001", unit: str = "PNEUMO", admitted: str = "20261130081500",
        discharged: str = "", extra: str = "", encoding: str | None = None) -> bytes:
    """One message, segments separated by CR; bytes in the character set MSH-18 names."""
    ids = "4589^^^CHU-BDX&1.2.250.1.71.4.2.1&ISO^PI"
    if ins:
        ids += f"~{ins}^^^ASIP-SANTE-INS-NIR&{INS_OID}&ISO^INS"
    structure = {"A01": "ADT_A01", "A04": "ADT_A01", "A08": "ADT_A01", "A03": "ADT_A03", "A02": "ADT_A02"}
    segments = [
        (f"MSH|^~\\&|DXCARE|CHU Bordeaux^330781196^FINESS|ECOVID|ECOVID|20261130082000||"
        f"ADT^{trigger}^{structure.get(trigger, 'ADT_A09')}|{control_id}|P|{version}|||||FRA|{charset}|||"),
        f"EVN||20261130082000|||JDOE^DOE^JOHN|{admitted or '20261130082000'}",
        (f"PID|1||{ids}||{last}^{first}^JEANNE MARIE^^MME^^L~{used}^{first}^^^MME^^D||{born}|F|||"
        "12 RUE SAINTE-CATHERINE^^BORDEAUX^^33000^FRA^H||0556000000"),
        (f"PV1|1|I|{unit}^201^1^CHU-BDX||||||||||||||||{visit}^^^CHU-BDX&1.2.250.1.71.4.2.1&ISO^VN|||||||||||"
        f"||||||||||||||{admitted}|{discharged}"),
    ]
    if movement:
        segments.append(f"ZBE|{movement}^CHU-BDX^1.2.250.1.71.4.2.1^ISO|{admitted or '20261130082000'}||"
                        f"{'CANCEL' if trigger in ('A11', 'A12', 'A13') else 'INSERT'}|N")
    if extra:
        segments.append(extra)
    text = "\r".join(segments) + "\r"
    return text.encode(encoding or ("iso-8859-1" if charset == "8859/1" else "utf-8"))
