"""IAM services: API tokens (tokens.py) and access keys (access_keys.py)."""

from console.iam.services.access_keys import (
    NewAccessKey,
    access_key_create,
    access_key_delete,
    access_key_set_status,
    secret_decrypt,
    secret_encrypt,
)
from console.iam.services.tokens import (
    TOKEN_LIFETIME,
    IssuedToken,
    Ref,
    password_token_issue,
    token_digest,
    token_find,
    token_issue,
    token_revoke,
)

__all__ = [
    "TOKEN_LIFETIME",
    "IssuedToken",
    "NewAccessKey",
    "Ref",
    "access_key_create",
    "access_key_delete",
    "access_key_set_status",
    "password_token_issue",
    "secret_decrypt",
    "secret_encrypt",
    "token_digest",
    "token_find",
    "token_issue",
    "token_revoke",
]
