"""Running service calls at the same moment, for the locking tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection, transaction


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at the same moment in threads; return each one's result or error."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:  # the outcome under test
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def while_locked(lock_and_change: Callable[[], object], call: Callable[[], object]) -> object:
    """Run `call` while another connection holds a transaction that locked and changed rows.

    Returns what `call` returned or raised. A service that locks the rows it checks waits
    for that transaction and sees its outcome; one that does not acts on the state before it.
    """
    locked = threading.Event()

    def other() -> None:
        try:
            with transaction.atomic():
                lock_and_change()
                locked.set()
                time.sleep(0.5)
        finally:
            locked.set()
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    assert locked.wait(10)
    try:
        return call()
    except Exception as error:  # the outcome under test
        return error
    finally:
        thread.join(30)
