"""Every domain error, with the cloud's documented error codes (IMS, IAM and the API gateway).

Errors say what was refused, never how to answer it: the APIs map them to HTTP statuses in one
table (console/api.py), the console pages through `refuse()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# Messages stay lazy: they are rendered in the language active where they are shown (a page,
# a trace, an API answer), not in the one active where the error was raised.
Text = str | Promise


class ConsoleError(Exception):
    """A refused operation; `code` is the documented error code (e.g. IMG.0182)."""

    code = ""
    default_message: Text = _("The operation failed.")

    def __init__(self, message: Text | None = None, *, code: str | None = None) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.code} {self.message}" if self.code else str(self.message)


class RoleRefused(ConsoleError):
    """The user's role does not allow changes."""

    code = "IMG.0026"
    default_message = _(
        "The role is invalid. You need to apply for the required permissions "
        "or pass the real-name authentication."
    )


class InputRefused(ConsoleError):
    """A refused value; `field` names the form field it concerns, if any."""

    def __init__(self, message: Text, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


MESSAGES: dict[str, Text] = {
    "IMG.0001": _("The request message format is invalid."),
    "IMG.0005": _("The ECS does not exist."),
    "IMG.0015": _("The number of private images has reached the maximum allowed."),
    "IMG.0022": _("The disk in the current state cannot be used to create images."),
    "IMG.0026": _(
        "The role is invalid. You need to apply for the required permissions "
        "or pass the real-name authentication."
    ),
    "IMG.0027": _("The image ID in the request does not exist."),
    "IMG.0046": _("The image is unavailable."),
    "IMG.0047": _("This operation can be performed only by the image owner."),
    "IMG.0057": _(
        "The image file is empty, not found, or in incorrect format, or you do "
        "not have enough permission to access the file."
    ),
    "IMG.0059": _("The size of the image file exceeds the maximum allowed."),
    "IMG.0066": _("The image ID is incorrect."),
    "IMG.0067": _("The project ID is incorrect."),
    "IMG.0076": _("You cannot share an image with yourself."),
    "IMG.0086": _("No image was found."),
    "IMG.0088": _("The number of shared images has reached the maximum allowed."),
    "IMG.0089": _("The public image cannot be shared."),
    "IMG.0092": _("The image can only be deleted by the owner."),
    "IMG.0095": _("The KMS key does not exist."),
    "IMG.0097": _("The key is not enabled."),
    "IMG.0098": _("The encrypted image cannot be shared."),
    "IMG.0099": _("You do not have the permission to access the key."),
    "IMG.0106": _("The image owner is another tenant."),
    "IMG.0108": _("The tenant ID was not found in the current region."),
    "IMG.0111": _("The size of the system disk exceeds the maximum allowed."),
    "IMG.0112": _("Failed to add the tenant."),
    "IMG.0119": _("The VM does not have a system disk."),
    "IMG.0120": _("The specified data disk ID is unavailable."),
    "IMG.0122": _("The OS type is invalid."),
    "IMG.0126": _("The VM in the current stage cannot be used to create a full-ECS image."),
    "IMG.0135": _("The full-ECS image cannot be shared."),
    "IMG.0144": _("The image does not exist."),
    "IMG.0166": _("OS information must be contained in the ISO files used to create images."),
    "IMG.0175": _("The folder name and image file name cannot contain spaces."),
    "IMG.0177": _("The source and target tenants reside in different regions."),
    "IMG.0178": _("The target tenant is the same as the source tenant."),
    "IMG.0182": _("Insufficient vault capacity. Please expand the capacity."),
    "IMG.0184": _("Failed to obtain the vault."),
    "IMG.0188": _("Vault is unavailable."),
    "IMG.0190": _("Full-ECS images can be created only from CBR backups."),
    "IMG.0193": _("The vault is not a cloud server backup vault."),
    "IMG.0196": _("The image cannot be replicated because it is not accepted by the recipient."),
    "IMG.0197": _("Failed to replicate the shared image because it is encrypted using KMS."),
    "IMG.1075": _("Failed to register the image file."),
}


# The image lifecycle: attributes (Modify), deletion and export.
MESSAGES.update(
    {
        "IMG.0002": _("The image name contains more than 128 characters."),
        "IMG.0003": _("The image name format is invalid."),
        "IMG.0004": _("The description contains more than 1024 characters."),
        "IMG.0013": _("The image name is not specified."),
        "IMG.0028": _("The image in the request is protected."),
        "IMG.0054": _("The image description format is invalid."),
        "IMG.0055": _("The memory or disk size is invalid."),
        "IMG.0090": _("The image being created cannot be deleted."),
        "IMG.0094": _("The public image cannot be deleted."),
    }
)


# Identity (Keystone v3 subset, access keys, signatures) and the API gateway in front of every API.
MESSAGES.update(
    {
        "IAM.0001": _("The request is invalid."),
        "IAM.0002": _("Authentication required: send an X-Auth-Token or an AK/SK signature."),
        "IAM.0003": _("The token is invalid or has expired."),
        "IAM.0004": _("The user name or password is incorrect."),
        "IAM.0005": _("The user may not be scoped to this project."),
        # One message for an unknown, disabled or foreign key and a wrong signature alike.
        "IAM.0006": _("The access key or the signature is invalid."),
        "IAM.0008": _(
            "The request time (X-Sdk-Date) differs from the server time by more than 15 minutes."
        ),
        "IAM.0009": _("The project (X-Project-Id) does not belong to the access key's account."),
        "IAM.0010": _("You may only view your own projects."),
        "IAM.0011": _("The resource could not be found."),
        "IAM.0012": _("A user can have at most 2 access keys."),
        "IAM.0013": _("The password is incorrect."),
        "IAM.0014": _(
            "Too many failed logins for this user from this address: try again later, or ask "
            "an administrator to unlock it."
        ),
        "APIGW.0101": _("The API does not exist."),
        "APIGW.0105": _("The method is not allowed for this API."),
        "APIGW.0201": _("The request body is too large."),
        "APIGW.0308": _("The throttling threshold has been reached."),
        "APIGW.0500": _("The request could not be processed."),
    }
)


class CodedError(ConsoleError):
    """A refusal with its documented code; `detail` adds what the replica knows more."""

    def __init__(self, code: str, detail: Text = "") -> None:
        self.detail = detail
        message = format_lazy("{} {}", MESSAGES[code], detail) if detail else MESSAGES[code]
        super().__init__(message, code=code)


class ImsError(CodedError):
    """An IMS refusal (IMG.xxxx)."""


class IamError(CodedError):
    """An identity refusal (IAM.xxxx): credentials, tokens, signatures, access keys."""


class NotFound(CodedError):
    """The object does not exist for the caller: another tenant's is as absent as a made-up one."""


class Forbidden(CodedError):
    """Not allowed whoever asks (Glance's 403: read-only attributes, protected images)."""


class Conflict(CodedError):
    """Not allowed in the object's present state (Glance's 409)."""


class LimitExceeded(CodedError):
    """More of something than a limit allows (Glance's 413: properties of an image)."""


class UnsupportedMediaType(CodedError):
    """A body in a media type the operation does not take (Glance's 415)."""


class Throttled(CodedError):
    """Too much asked at once (the API gateway's 429); `retry_after` seconds is worth a wait."""

    def __init__(self, code: str, detail: Text = "", *, retry_after: int) -> None:
        super().__init__(code, detail)
        self.retry_after = retry_after


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
        # Lazy: each problem is rendered (and translated) only when the message is shown.
        super().__init__(format_lazy(" ".join(["{}"] * len(problems)), *problems))


class BatchRefused(ConsoleError):
    """A batch refused as a whole (D7): nothing changed; `problems` names each item and why."""

    def __init__(self, problems: list[ShareProblem]) -> None:
        self.problems = problems
        super().__init__(format_lazy(" ".join(["{}"] * len(problems)), *problems))


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

    default_message = _(
        "The vault holds backups of accepted full-ECS images. Reject those images first."
    )


class VaultNotFound(VaultError):
    """The vault does not exist, or it belongs to another tenant."""

    default_message = _("The vault does not exist.")
