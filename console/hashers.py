"""Password hashing: Argon2id with costs sized for a console that logs people in often."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class ConsoleArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's first recommended setting (m=19 MiB, t=2, p=1).

    Django's defaults (t=2, m=100 MiB, p=8) cost ~0.3 s on a two-core host, and every API
    token is a login; this setting keeps the hash memory-hard at a tenth of that. The
    parameters are stored in each hash, so raising them later upgrades hashes at login.
    """

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
