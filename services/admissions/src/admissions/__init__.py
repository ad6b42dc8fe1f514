"""Admissions service: hospital stays reported by hospitals, matched to patients."""

SERVICE = "admissions"
