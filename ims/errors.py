"""IMS error codes and messages, as the real service documents them."""

from __future__ import annotations

from console.errors import ConsoleError

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
