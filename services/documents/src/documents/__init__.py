"""documents service: documents attached to a patient (reports, prescriptions, photos)."""

SERVICE = "documents"
