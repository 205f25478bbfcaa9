"""Domain errors carrying the cloud's documented error codes."""

from __future__ import annotations


class ConsoleError(Exception):
    """A refused operation; `code` is the documented error code (e.g. IMG.0182)."""

    code = ""
    default_message = "The operation failed."

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.code} {self.message}" if self.code else self.message


class RoleRefused(ConsoleError):
    """The user's role does not allow changes."""

    code = "IMG.0026"
    default_message = (
        "The role is invalid. You need to apply for the required permissions "
        "or pass the real-name authentication."
    )
