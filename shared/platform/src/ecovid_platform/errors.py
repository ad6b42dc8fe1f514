"""Refusals: what a domain or a use case says when it will not do what was asked.

Plain exceptions, in the domain's words, with no web framework in sight: the HTTP
edge (`ecovid_platform.http.install_error_handlers`) is the one place that turns
each kind into a status. A service refines a kind by subclassing it
(`class PatientNotFound(NotFound)`), and keeps the kind's status.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused command. `field` names the input at fault, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field

    def body(self) -> dict[str, Any]:
        """What the caller is told: the message, and the field at fault."""
        errors = [{"field": self.field, "message": self.message}] if self.field else []
        return {"detail": self.message, "errors": errors}


class NotFound(DomainError):
    """What the command is about does not exist."""


class Conflict(DomainError):
    """The command contradicts what is recorded (already done, closed, a duplicate)."""


class Unprocessable(DomainError):
    """Well-formed input that the domain's rules refuse."""


class Forbidden(DomainError):
    """This actor may not do this, whoever they are authenticated as."""


class TooLarge(DomainError):
    """The input is over the size the service accepts."""


class UnsupportedMediaType(DomainError):
    """The content is not of a type the service accepts (or not what it claims to be)."""


class Damaged(DomainError):
    """The record exists but its stored data is missing or damaged: an operator must look."""
