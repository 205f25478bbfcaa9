"""Background work: tasks enqueued when a service's transaction commits.

With a queue backend (the database queue and its db_worker) the task is queued at commit
and a worker runs it. The in-process ImmediateBackend would run it inside the request, so
there a task enqueued while a request is being answered waits until the response has been
sent and then runs in a thread of its own: the user first sees what the service committed
(a replica "Creating"), and neither that request nor the next one on the same connection
waits for the work. Only the `TASKS` setting decides which.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextvars import ContextVar
from functools import partial
from typing import Any

from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse
from django.tasks import Task
from django.tasks.backends.immediate import ImmediateBackend

logger = logging.getLogger(__name__)

# The enqueues waiting for the current response to be sent; None outside a request.
_after_response: ContextVar[list[Callable[[], object]] | None] = ContextVar(
    "after_response", default=None
)


def _enqueue(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        task.enqueue(*args, **kwargs)
    except Exception:
        # The service's change is committed; a lost enqueue must not turn into a 500.
        logger.exception("Could not enqueue %s", task.name)


_threads: list[threading.Thread] = []


def _in_background(enqueues: list[Callable[[], object]]) -> None:
    def run() -> None:
        try:
            for enqueue in enqueues:
                enqueue()
        finally:
            connections.close_all()

    _threads[:] = [t for t in _threads if t.is_alive()]
    thread = threading.Thread(target=run, name="after-response-tasks", daemon=True)
    _threads.append(thread)
    thread.start()


def wait_for_background_tasks(timeout: float | None = None) -> None:
    """Wait until the enqueues started after responses are done (tests, shutdown)."""
    for thread in list(_threads):
        thread.join(timeout)


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue `task` once the current transaction commits (never if it rolls back)."""

    def committed() -> None:
        waiting = _after_response.get()
        if waiting is None or not isinstance(task.get_backend(), ImmediateBackend):
            _enqueue(task, args, kwargs)
        else:
            waiting.append(partial(_enqueue, task, args, kwargs))

    transaction.on_commit(committed)


class TasksAfterResponseMiddleware:
    """Enqueue the tasks a request's services committed once its response has been sent."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Collect the request's enqueues and hand them to the response's close()."""
        waiting: list[Callable[[], object]] = []
        token = _after_response.set(waiting)
        try:
            response = self.get_response(request)
        finally:
            _after_response.reset(token)
        if waiting:
            # The WSGI server calls close() after the last byte is sent; Django runs the
            # response's resource closers there, before request_finished.
            response._resource_closers.append(partial(_in_background, waiting))
        return response
