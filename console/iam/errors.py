"""IAM refusals, answered as {"error": {"code": ..., "message": ...}} like IMS errors."""

from __future__ import annotations

from console.errors import ConsoleError

MESSAGES = {
    "IAM.0001": "The request is invalid.",
    "IAM.0002": "Authentication required: send an X-Auth-Token or an AK/SK signature.",
    "IAM.0003": "The token is invalid or has expired.",
    "IAM.0004": "The user name or password is incorrect.",
    "IAM.0005": "The user may not be scoped to this project.",
    "IAM.0006": "The signature is invalid.",
    "IAM.0007": "The access key does not exist or is disabled.",
    "IAM.0008": (
        "The request time (X-Sdk-Date) differs from the server time by more than 15 minutes."
    ),
    "IAM.0009": "The project (X-Project-Id) does not belong to the access key's account.",
    "IAM.0010": "You may only view your own projects.",
    "IAM.0011": "The resource could not be found.",
    "IAM.0012": "A user can have at most 2 access keys.",
    "IAM.0013": "The password is incorrect.",
}


class IamError(ConsoleError):
    """An IAM refusal; `status` is the HTTP status the API answers with."""

    def __init__(self, code: str, detail: str = "", *, status: int = 401) -> None:
        self.status = status
        message = MESSAGES[code] + (f" {detail}" if detail else "")
        super().__init__(message, code=code)
