"""Use cases of the dossier: register a patient, correct the identity, keep the record."""

from __future__ import annotations

import uuid
from typing import Any

from ecovid_api.identity import IdentityIn, IdentityUpdate
from ecovid_api.record import NoteIn, ObjectiveChange, ObjectiveIn
from ecovid_events import Actor
from ecovid_platform.application import ServiceApplication, retry_on_conflict, trace

from dossier.domain.identity_key import IdentityKey, key_ids
from dossier.domain.patient import Patient
from dossier.errors import DuplicatePatient, PatientNotFound


class DossierApplication(ServiceApplication):
    name = "dossier"

    @retry_on_conflict()
    def register_patient(
        self, identity: IdentityIn, actor: Actor, correlation_id: str, confirm_homonym: bool = False
    ) -> uuid.UUID:
        patient = Patient(
            identity=identity.model_dump(),
            registered_by=actor.id if actor.kind == "professional" else None,
            trace=trace(actor, correlation_id),
        )
        # Saved together: a concurrent duplicate fails on the key's unique version.
        self.save(patient, *self._claims(patient.id, patient.identity, confirm_homonym))
        return patient.id

    @retry_on_conflict()
    def update_identity(
        self, patient_id: uuid.UUID, update: IdentityUpdate, actor: Actor, correlation_id: str,
        confirm_homonym: bool = False,
    ) -> dict[str, Any]:
        patient = self.patient(patient_id)
        old, new = patient.identity, {**patient.identity, **update.changes()}
        keys = self._claims(patient.id, new, confirm_homonym) + self._releases(patient.id, old, new)
        patient.update_identity(new, trace(actor, correlation_id))
        self.save(patient, *keys)
        return dict(patient.identity)

    @retry_on_conflict()
    def update_section(
        self, patient_id: uuid.UUID, section: str, content: dict[str, Any], actor: Actor, correlation_id: str
    ) -> None:
        patient = self.patient(patient_id)
        patient.update_section(section, content, trace(actor, correlation_id))
        self.save(patient)

    @retry_on_conflict()
    def share_note(self, patient_id: uuid.UUID, note: NoteIn, actor: Actor, correlation_id: str) -> str:
        patient, note_id = self.patient(patient_id), Patient.new_id()
        documents = [str(d) for d in note.document_ids]
        patient.share_note(note_id, note.text, documents, trace(actor, correlation_id))
        self.save(patient)
        return note_id

    @retry_on_conflict()
    def set_objective(
        self, patient_id: uuid.UUID, objective_id: str | None, change: ObjectiveIn | ObjectiveChange,
        actor: Actor, correlation_id: str,
    ) -> str:
        patient = self.patient(patient_id)
        objective_id = objective_id or Patient.new_id()
        patient.set_objective(objective_id, change.title, change.status.value, trace(actor, correlation_id))
        self.save(patient)
        return objective_id

    def patient(self, patient_id: uuid.UUID) -> Patient:
        return self.get_or_404(patient_id, Patient, "patient_id", PatientNotFound)

    def stored_events(self, patient_id: uuid.UUID) -> list[Any]:
        """The patient's domain events, oldest first: histories are read from them."""
        self.patient(patient_id)
        return list(self.repository.event_store.get(patient_id))

    def _claims(self, patient_id: uuid.UUID, identity: dict[str, Any], confirm_homonym: bool) -> list[IdentityKey]:
        claimed = []
        for kind, key_id in key_ids(identity).items():
            key = self._key(key_id)
            if key is None:
                claimed.append(IdentityKey(key_id=key_id, patient_id=patient_id))
            elif key.holder is None:
                key.claim(patient_id)
                claimed.append(key)
            elif key.holder != patient_id and not (kind == "names" and confirm_homonym):
                # The same INS is the same person: no confirmation lets it through.
                raise DuplicatePatient(key.holder, kind)
        return claimed

    def _releases(self, patient_id: uuid.UUID, old: dict[str, Any], new: dict[str, Any]) -> list[IdentityKey]:
        released, kept = [], set(key_ids(new).values())
        for key_id in set(key_ids(old).values()) - kept:
            key = self._key(key_id)
            if key is not None and key.holder == patient_id:
                key.release()
                released.append(key)
        return released

    def _key(self, key_id: uuid.UUID) -> IdentityKey | None:
        return self.find(key_id, IdentityKey)
