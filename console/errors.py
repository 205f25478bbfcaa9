"""Every domain error, with the cloud's documented error codes."""

from __future__ import annotations

from dataclasses import dataclass


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


class InputRefused(ConsoleError):
    """A refused value; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


MESSAGES = {
    "IMG.0001": "The request message format is invalid.",
    "IMG.0026": (
        "The role is invalid. You need to apply for the required permissions "
        "or pass the real-name authentication."
    ),
    "IMG.0027": "The image ID in the request does not exist.",
    "IMG.0046": "The image is unavailable.",
    "IMG.0047": "This operation can be performed only by the image owner.",
    "IMG.0066": "The image ID is incorrect.",
    "IMG.0067": "The project ID is incorrect.",
    "IMG.0076": "You cannot share an image with yourself.",
    "IMG.0086": "No image was found.",
    "IMG.0088": "The number of shared images has reached the maximum allowed.",
    "IMG.0089": "The public image cannot be shared.",
    "IMG.0092": "The image can only be deleted by the owner.",
    "IMG.0098": "The encrypted image cannot be shared.",
    "IMG.0099": "You do not have the permission to access the key.",
    "IMG.0106": "The image owner is another tenant.",
    "IMG.0108": "The tenant ID was not found in the current region.",
    "IMG.0135": "The full-ECS image cannot be shared.",
    "IMG.0144": "The image does not exist.",
    "IMG.0177": "The source and target tenants reside in different regions.",
    "IMG.0178": "The target tenant is the same as the source tenant.",
    "IMG.0182": "Insufficient vault capacity. Please expand the capacity.",
    "IMG.0184": "Failed to obtain the vault.",
    "IMG.0188": "Vault is unavailable.",
    "IMG.0190": "Full-ECS images can be created only from CBR backups.",
    "IMG.0193": "The vault is not a cloud server backup vault.",
    "IMG.0196": "The image cannot be replicated because it is not accepted by the recipient.",
    "IMG.0197": "Failed to replicate the shared image because it is encrypted using KMS.",
}


class ImsError(ConsoleError):
    """An IMS refusal with its documented code; `detail` adds what the console knows more."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.detail = detail
        message = MESSAGES[code] + (f" {detail}" if detail else "")
        super().__init__(message, code=code)


@dataclass(frozen=True)
class ShareProblem:
    """One reason a share submission was refused, and the project ID or image it concerns."""

    error: ConsoleError
    subject: str
    project_id: str = ""

    def __str__(self) -> str:
        return f"{self.subject}: {self.error}"


class ShareRefused(ConsoleError):
    """A share submission with problems (D2): nothing was shared; `problems` names each one."""

    def __init__(self, problems: list[ShareProblem]) -> None:
        self.problems = problems
        super().__init__(" ".join(f"{p}" for p in problems))


class VaultError(ConsoleError):
    """A refused vault operation; `field` names the form field it concerns, if any."""

    field: str | None = None


class VaultNameInvalid(VaultError):
    """The vault name breaks the naming rule or is already taken in the project."""

    field = "name"


class VaultCapacityInvalid(VaultError):
    """The requested capacity is out of bounds or would shrink the vault."""

    field = "capacity_gb"


class VaultChoiceInvalid(VaultError):
    """An unknown resource type or protection type."""


class VaultHoldsBackups(VaultError):
    """The vault cannot be deleted while it stores backups."""

    default_message = (
        "The vault holds backups of accepted full-ECS images. Reject those images first."
    )


class VaultNotFound(VaultError):
    """The vault does not exist, or it belongs to another tenant."""

    default_message = "The vault does not exist."
