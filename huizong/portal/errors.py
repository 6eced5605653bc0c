"""What a portal operation answers instead of a result: not found (or not the actor's to see), or refused."""

from __future__ import annotations


class NotFound(Exception):
    """Not there, or not the actor's to see: the same answer either way."""


class Refused(Exception):
    """The actor may not do this (its role does not allow it, or the request cannot be done); ``message`` is shown."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message, self.status = message, status
