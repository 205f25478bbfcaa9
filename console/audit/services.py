"""Audit trail and notifications: every service's outcome is recorded here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db import connections, models, transaction
from django.db.models import CharField, Expression, Value
from django.db.models.functions import Cast
from django.utils import timezone

from console.audit.models import Message, Trace
from console.errors import ConsoleError
from console.models import Project, User
from console.services import ensure_can_change

P = ParamSpec("P")
R = TypeVar("R")

Kwargs = dict[str, Any]


@dataclass
class _Note:
    resource_id: str
    resource_name: str
    detail: dict[str, Any]
    operation: str | None
    resource_type: str | None


@dataclass
class _Audit:
    constants: dict[str, object]
    notes: list[_Note] = field(default_factory=list)
    row_sets: list[models.QuerySet] = field(default_factory=list)


_current: ContextVar[_Audit | None] = ContextVar("audit", default=None)


def note(
    *,
    resource_id: object = "",
    resource_name: str = "",
    detail: dict[str, Any] | None = None,
    operation: str | None = None,
    resource_type: str | None = None,
) -> None:
    """Record one successful change of the running `@audited` service (written at commit)."""
    audit = _current.get()
    if audit is None:
        raise RuntimeError("note() is only available inside an @audited service.")
    audit.notes.append(
        _Note(str(resource_id or ""), resource_name or "", detail or {}, operation, resource_type)
    )


def note_rows(
    rows: models.QuerySet,
    *,
    resource_id: Expression,
    resource_name: Expression,
    detail: Expression,
    now: bool = False,
) -> None:
    """Record one successful change per row of `rows`, for batches of any size.

    The expressions are evaluated on each row when the service returns, so they describe
    the rows as it left them; the traces are written with one INSERT … SELECT, without an
    object per row in Python. With `now`, they are written at once instead: for rows the
    service is about to delete (a later refusal still rolls them back).
    """
    audit = _current.get()
    if audit is None:
        raise RuntimeError("note_rows() is only available inside an @audited service.")
    # In key order, as the traces of the rows were numbered when written one by one.
    annotated = rows.order_by("pk").annotate(
        trace_resource_id=resource_id,
        trace_resource_name=resource_name,
        trace_detail=detail,
    )
    if now:
        _insert_traces(annotated, audit.constants | {"created": timezone.now()})
    else:
        audit.row_sets.append(annotated)


# The Trace columns note_rows() fills, in order; each row's own values come last.
_ROW_COLUMNS = [
    "tenant",
    "project",
    "user",
    "user_name",
    "service",
    "operation",
    "resource_type",
    "result",
    "created",
    "resource_id",
    "resource_name",
    "detail",
]


class _Typed(Cast):
    """A parameter with its type: PostgreSQL's prepared statements cannot infer it in a
    SELECT list. SQLite needs none, and its cast of a timestamp would drop microseconds."""

    def as_sqlite(self, compiler, connection, **extra_context):  # noqa: D102
        return compiler.compile(self.source_expressions[0])


def constant(value: object, output_field: models.Field | None = None) -> Cast:
    """A value in an INSERT … SELECT or a JSON object, typed where the database needs it."""
    field = output_field or (models.IntegerField() if isinstance(value, int) else CharField())
    return _Typed(Value(value, output_field=field), output_field=field)


def _insert_traces(rows: models.QuerySet, constants: dict[str, object]) -> None:
    fields = {name: Trace._meta.get_field(name) for name in _ROW_COLUMNS}
    typed = {
        name: constant(constants[name], _column_type(fields[name])) for name in _ROW_COLUMNS[:9]
    }
    values = rows.annotate(**{f"trace_{name}": value for name, value in typed.items()}).values_list(
        *(f"trace_{name}" for name in _ROW_COLUMNS)
    )
    connection = connections[rows.db]
    sql, params = values.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields.values())
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(Trace._meta.db_table)} ({columns}) {sql}", params)


def _column_type(field: models.Field) -> models.Field:
    # A foreign key's column holds its target's key.
    return field.target_field if field.is_relation else field


def _trace(
    actor: User | None,
    project: Project,
    *,
    service: str,
    operation: str,
    resource_type: str,
    resource_id: object = "",
    resource_name: str = "",
    result: str = Trace.Result.SUCCESS,
    detail: dict[str, Any] | None = None,
) -> Trace:
    # A refused value may be longer than a trace column holds.
    return Trace(
        tenant_id=project.tenant_id,
        project=project,
        user=actor,
        user_name=actor.get_username() if actor else "system",
        service=service,
        operation=operation,
        resource_type=resource_type,
        resource_id=str(resource_id or "")[:64],
        resource_name=str(resource_name or "")[:255],
        result=result,
        detail=detail or {},
    )


def _project_of(kwargs: Kwargs) -> Project:
    if "project" in kwargs:
        return kwargs["project"]
    return kwargs["vault"].project


def _write_traces(audit: _Audit, actor: User | None, project: Project, *, service: str) -> None:
    """Write what the service noted: its notes in one statement, each row set in one more."""
    constants = audit.constants
    Trace.objects.bulk_create(
        _trace(
            actor,
            project,
            service=service,
            operation=n.operation or constants["operation"],
            resource_type=n.resource_type or constants["resource_type"],
            resource_id=n.resource_id,
            resource_name=n.resource_name,
            detail=n.detail,
        )
        for n in audit.notes
    )
    # Stamped once the service holds its locks, so traces of racing services follow the
    # order in which their changes took effect.
    at = {"created": timezone.now()}
    for rows in audit.row_sets:
        _insert_traces(rows, constants | at)


def audited(
    *,
    service: str,
    operation: str | Callable[[Kwargs], str],
    resource_type: str,
    resource: Callable[[Kwargs], tuple[object, str]] = lambda kw: ("", ""),
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a service in one transaction and record its outcome in the audit trail.

    What the service `note()`s is written in the same transaction, in one statement (and
    one more per `note_rows()`); a
    refusal (a ConsoleError) rolls everything back and then leaves one failed trace that
    names `resource(kwargs)`.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            actor, project = kwargs["actor"], _project_of(kwargs)
            # Named before the call: the operation may depend on the state it changes.
            name = operation(kwargs) if callable(operation) else operation
            audit = _Audit(
                constants={
                    "tenant": project.tenant_id,
                    "project": project.pk,
                    "user": actor.pk if actor else None,
                    "user_name": actor.get_username() if actor else "system",
                    "service": service,
                    "operation": name,
                    "resource_type": resource_type,
                    "result": Trace.Result.SUCCESS,
                }
            )
            token = _current.set(audit)
            try:
                with transaction.atomic():
                    result = func(*args, **kwargs)
                    _write_traces(audit, actor, project, service=service)
            except ConsoleError as error:
                resource_id, resource_name = resource(kwargs)
                _trace(
                    actor,
                    project,
                    service=service,
                    operation=name,
                    resource_type=resource_type,
                    resource_id=resource_id,
                    resource_name=resource_name,
                    result=Trace.Result.FAILED,
                    detail={"error": str(error)},
                ).save()
                raise
            finally:
                _current.reset(token)
            return result

        return wrapper

    return decorate


def message_send(*, project: Project, title: str, body: str = "") -> Message:
    """Send a notification to a project (inside the service that causes it)."""
    return Message.objects.create(project=project, title=title, body=body)


def messages_send(messages: Iterable[Message]) -> list[Message]:
    """Send several notifications in one statement."""
    return Message.objects.bulk_create(messages)


@audited(service="Console", operation="markMessagesRead", resource_type="message")
def messages_mark_read(*, actor: User, project: Project, ids: Iterable[int] | None = None) -> int:
    """Mark the project's unread messages read (only `ids` when given); return how many."""
    ensure_can_change(actor)
    unread = Message.objects.for_project(project).unread()
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    count = unread.update(read=True)
    if count:
        note(detail={"count": count})
    return count
