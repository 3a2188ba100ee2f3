"""Domain exceptions: services raise these, views and the API turn them into messages."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the action; `message` is already translated for the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotInScope(DomainError):
    """The object exists, perhaps, but not for this user."""
