"""Dossier service: the patient's coordination record (dossier de coordination)."""

SERVICE = "dossier"
