"""What a login or a password token costs in hashing: Argon2id as set against Django's PBKDF2.

Measured in one run, interleaved, as a ratio: every console login and every API token checks
one password, so this ratio is what a login costs now against what it cost before.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher

from console.hashers import ConsoleArgon2PasswordHasher

ROUNDS = 9
# The issue asks for "a fraction of today's"; today's is PBKDF2 at Django's iteration count.
LOGIN_VS_PBKDF2 = 0.25


def _check_cost(hasher_class: type) -> Callable[[], float]:
    hasher = hasher_class()
    encoded = hasher.encode("console-demo", hasher.salt())

    def once() -> float:
        start = time.perf_counter()
        assert hasher.verify("console-demo", encoded)
        return time.perf_counter() - start

    return once


def passwords(check: Callable[..., None]) -> None:
    """Median check time of each hasher over interleaved rounds, and the ratios."""
    kinds = {
        "Argon2id (console)": _check_cost(ConsoleArgon2PasswordHasher),
        "Argon2id (Django default)": _check_cost(Argon2PasswordHasher),
        "PBKDF2 (before)": _check_cost(PBKDF2PasswordHasher),
    }
    times: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(ROUNDS):
        for name, once in kinds.items():
            times[name].append(once())
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"\nPasswords: one check, median of {ROUNDS} interleaved runs", flush=True)
    for name, value in medians.items():
        print(f"  {name:<52} {value * 1000:>8.1f} ms", flush=True)
    before = medians["PBKDF2 (before)"]
    check(
        "login/token hashing: Argon2id (console) / PBKDF2",
        medians["Argon2id (console)"] / before,
        LOGIN_VS_PBKDF2,
    )
