"""IAM refusals, answered as {"error": {"code": ..., "message": ...}} like IMS errors."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.errors import ConsoleError, Text

# Lazy, like the IMS messages: rendered in the language of the page or API answer.
MESSAGES: dict[str, Text] = {
    "IAM.0001": _("The request is invalid."),
    "IAM.0002": _("Authentication required: send an X-Auth-Token or an AK/SK signature."),
    "IAM.0003": _("The token is invalid or has expired."),
    "IAM.0004": _("The user name or password is incorrect."),
    "IAM.0005": _("The user may not be scoped to this project."),
    "IAM.0006": _("The signature is invalid."),
    "IAM.0007": _("The access key does not exist or is disabled."),
    "IAM.0008": _(
        "The request time (X-Sdk-Date) differs from the server time by more than 15 minutes."
    ),
    "IAM.0009": _("The project (X-Project-Id) does not belong to the access key's account."),
    "IAM.0010": _("You may only view your own projects."),
    "IAM.0011": _("The resource could not be found."),
    "IAM.0012": _("A user can have at most 2 access keys."),
    "IAM.0013": _("The password is incorrect."),
}


class IamError(ConsoleError):
    """An IAM refusal; `status` is the HTTP status the API answers with."""

    def __init__(self, code: str, detail: Text = "", *, status: int = 401) -> None:
        self.status = status
        message = format_lazy("{} {}", MESSAGES[code], detail) if detail else MESSAGES[code]
        super().__init__(message, code=code)
