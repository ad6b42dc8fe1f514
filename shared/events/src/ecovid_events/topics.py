"""Kafka topic names: one topic per producing service, the hospitals' topics, and the operators'."""

DOSSIER = "dossier.events"
ECOVID_MONITOR = "ecovid-monitor.events"
ALERTING = "alerting.events"
CARE_CIRCLE = "care-circle.events"
DOCUMENTS = "documents.events"
ADMISSIONS = "admissions.events"
GATEWAY_AUDIT = "gateway.audit"
HOSPITAL_ADMISSIONS = "hospital.admissions"
HOSPITAL_ADT_HL7V2 = "hospital.adt.hl7v2"
# Every service's signed checkpoints of its tamper-evidence chain (ecovid_platform.chain).
OPS_CHECKPOINTS = "ops.checkpoints"


def dead_letter(topic: str) -> str:
    """Where a consumer parks what it cannot use, with the reason in headers."""
    return f"{topic}.dlt"
