"""The image list query as Glance reads it: filters with their operators, sorting and paging
(glance/api/v2/images.py `RequestDeserializer.index` and `ImagesController.index`,
glance/db/sqlalchemy/api.py `_make_conditions_from_filters` and `_paginate_query`).

A key Glance does not know filters a custom property, except the IMS attributes an image
document shows (`__platform`, `__imagetype`, ...), which filter what the document shows.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db.models import BigIntegerField, Case, Exists, F, OuterRef, Q, QuerySet, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Floor
from django.db.models.lookups import Exact
from django.http import QueryDict
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.errors import ImsError
from console.models import Project
from ims.api import docs
from ims.models import Image, ImageTag

LIMIT_MAX = 1000  # Glance's api_limit_max: a larger limit is capped, not refused
MEMBER_STATUSES = ("pending", "accepted", "rejected", "all")
VISIBILITIES = ("community", "public", "private", "shared", "all")
SORT_DIRS = ("asc", "desc")
# Glance's sort keys, and the column (or annotation) each sorts by.
SORT_KEYS = {
    "name": "name",
    "status": "status",
    "container_format": "container_format",
    "disk_format": "disk_format",
    "size": "glance_size_sort",
    "id": "pk",
    "created_at": "created",
    "updated_at": "updated",
}
DEFAULT_SORT_KEY, DEFAULT_SORT_DIR = "created_at", "desc"
# Filters taking an `in:` list; the others compare one value.
LIST_FILTERS = {
    "name": "name",
    "id": "pk",
    "status": "status",
    "container_format": "container_format",
    "disk_format": "disk_format",
}
TIME_FILTERS = {"created_at": "created", "updated_at": "updated"}
TIME_OPERATORS = ("gt", "gte", "lt", "lte", "eq", "neq")
# Integer attributes: compared as they are, or as a range with a _min or _max suffix.
NUMBERS = {
    "size": "glance_size",
    "virtual_size": None,
    "min_disk": "min_disk_gb",
    "min_ram": "min_ram",
}
# Parameters that are no filter (paging, sorting) or that Glance sets itself (deleted).
NOT_FILTERS = {"limit", "marker", "member_status", "sort", "sort_key", "sort_dir", "tag", "deleted"}

GB = docs.GB


def _bad(message) -> ImsError:
    return ImsError("IMG.0001", message)


def glance_size() -> Case:
    """Glance's `size` as the image document computes it (docs.image_size), in SQL."""
    return Case(
        When(~Q(file_name=""), then=F("file_size")),
        When(status__in=[Image.Status.QUEUED, Image.Status.SAVING], then=None),
        # int() of the document truncates, as Floor does.
        default=Cast(Floor(F("size_gb") * GB), BigIntegerField()),
        output_field=BigIntegerField(),
    )


def with_sort_columns(images: QuerySet[Image]) -> QuerySet[Image]:
    """The annotations the filters and sort keys use."""
    # A missing size sorts and pages as 0, as Glance's marker comparison takes it.
    return images.annotate(glance_size=glance_size()).annotate(
        glance_size_sort=Coalesce("glance_size", 0)
    )


# ---------------------------------------------------------------- operators and values


def split_filter_op(expression: str) -> tuple[str, str]:
    """(operator, value) of `op:value`; a bare value, or a timestamp with colons, is `eq`."""
    left, sep, right = expression.partition(":")
    if not sep or _parse_time(expression) is not None:
        return "eq", expression
    return left, right


def split_in_list(value: str) -> list[str]:
    """The values of an `in:` list: comma-separated, double quotes around values with commas."""
    opened = False
    for i, char in enumerate(value):
        if char != '"' or (i and value[i - 1] == "\\"):
            continue
        if not opened and i and value[i - 1] != ",":
            raise _bad(
                format_lazy(
                    _("Invalid filter value {v}. There is no comma before opening quotation mark."),
                    v=value[:255],
                )
            )
        if opened and i + 1 != len(value) and value[i + 1] != ",":
            raise _bad(
                format_lazy(
                    _("Invalid filter value {v}. There is no comma after closing quotation mark."),
                    v=value[:255],
                )
            )
        opened = not opened
    if opened:
        raise _bad(
            format_lazy(_("Invalid filter value {v}. The quote is not closed."), v=value[:255])
        )
    pattern = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)",?|([^,]+),?|,')
    return [quoted or plain for quoted, plain in pattern.findall(value)]


def _parse_time(value: str) -> datetime | None:
    """An ISO 8601 time (a date is its midnight; no offset is UTC), or None."""
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = datetime.combine(day, time())
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _time_filter(key: str, expression: str) -> Q:
    """created_at / updated_at with an operator; a second is the precision shown."""
    column = TIME_FILTERS[key]
    operator, value = split_filter_op(expression)
    moment = _parse_time(value)
    if moment is None:
        raise _bad(
            format_lazy(
                _('Bad "{key}" query filter format. Use ISO 8601 DateTime notation.'), key=key
            )
        )
    if operator not in TIME_OPERATORS:
        raise _bad(_("Unable to filter on a unknown operator."))
    start = moment.replace(microsecond=0)
    try:
        end = start + timedelta(seconds=1)
    except OverflowError:
        end = start.replace(microsecond=999999)
    within = Q(**{f"{column}__gte": start, f"{column}__lt": end})
    return {
        "eq": within,
        "neq": ~within,
        "gt": Q(**{f"{column}__gte": end}),
        "gte": Q(**{f"{column}__gte": start}),
        "lt": Q(**{f"{column}__lt": start}),
        "lte": Q(**{f"{column}__lt": end}),
    }[operator]


def _list_filter(key: str, expression: str) -> Q:
    column = LIST_FILTERS[key]
    operator, value = split_filter_op(expression)
    if operator == "in":
        values = split_in_list(value)
    elif operator == "eq":
        values = [value]
    else:
        raise _bad(format_lazy(_("Unable to filter by unknown operator '{op}'."), op=operator[:32]))
    if column == "pk":
        # An ID that is no UUID names no image.
        values = [pk for v in values if (pk := _uuid(v)) is not None]
    return Q(**{f"{column}__in": values})


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# What a 64-bit integer column can hold: a larger number names no image.
INTEGER_MAX = 2**63 - 1


def _integer(value: str, message) -> int:
    try:
        number = int(value)
    except ValueError:
        raise _bad(message) from None
    return max(-INTEGER_MAX, min(number, INTEGER_MAX))


def _number_filter(key: str, value: str) -> Q:
    """size, min_disk, ...: equal to a value, or at least/at most one (`size_min`, `size_max`)."""
    name, bound = key, ""
    if key.endswith(("_min", "_max")):
        name, bound = key[:-4], key[-3:]
        number = _integer(value, _("Unable to filter on a range with a non-numeric value."))
    else:
        number = _integer(value, format_lazy(_("The {key} filter takes an integer."), key=key))
    column = NUMBERS[name]
    if column is None:
        # Glance leaves virtual_size empty here: no image has one to compare.
        return Q(pk__in=[])
    lookup = {"min": "gte", "max": "lte", "": "exact"}[bound]
    return Q(**{f"{column}__{lookup}": number})


def _boolean(key: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise _bad(
            format_lazy(
                _("Invalid value '{v}' for '{key}' filter. Valid values are 'true' or 'false'."),
                v=value[:32],
                key=key,
            )
        )
    return value == "true"


def _tag_filter(tag: str) -> Q:
    """An image with the tag: "key.value", "key=value" or a key without value (IMS tags)."""
    key, *value = re.split(r"[.=]", tag, maxsplit=1)
    tags = ImageTag.objects.filter(image=OuterRef("pk"), key=key, value=value[0] if value else "")
    return Q(Exists(tags))


# ---------------------------------------------------------------- the IMS attributes


def _ims_filters() -> dict[str, Callable[[Project, str], Q]]:
    """What each IMS attribute of the image document filters, beside the document's values."""
    nothing = Q(pk__in=[])

    def imagetype(project: Project, value: str) -> Q:
        visibilities = [v for v, t in docs.IMAGETYPES.items() if t == value]
        if not visibilities:
            return nothing
        condition = nothing
        for visibility in visibilities:
            condition |= docs.visibility_filter(project, visibility)
        return condition

    def virtual_env(project: Project, value: str) -> Q:
        return Q(image_type__in=[t for t, env in docs.VIRTUAL_ENV.items() if env == value])

    def whole_image(project: Project, value: str) -> Q:
        full = Q(image_type=Image.ImageType.FULL_ECS)
        return {"true": full, "false": ~full}.get(value, nothing)

    def cmk(project: Project, value: str) -> Q:
        key_id = _uuid(value)
        return Q(kms_key__key_id=key_id) if key_id else nothing

    def backup(project: Project, value: str) -> Q:
        pk = _uuid(value)
        return Q(pk=pk, image_type=Image.ImageType.FULL_ECS) if pk else nothing

    def constant(shown: str) -> Callable[[Project, str], Q]:
        return lambda project, value: Q() if value == shown else nothing

    return {
        "__imagetype": imagetype,
        "__os_type": lambda project, value: Q(os_type=value),
        "__os_version": lambda project, value: Q(os=value),
        "__platform": lambda project, value: docs.platform_filter(value),
        "__os_bit": lambda project, value: docs.os_bit_filter(value),
        "__description": lambda project, value: Q(description=value),
        "__whole_image": whole_image,
        "__system__cmkid": cmk,
        "__backup_id": backup,
        "__image_source_type": constant("uds"),
        "__isregistered": constant("true"),
        "virtual_env_type": virtual_env,
    }


IMS_FILTERS = _ims_filters()


def _property_filter(key: str, value: str) -> Q:
    """A custom property equal to `value` (any key: no ORM lookup syntax in it)."""
    return Q(Exact(KeyTextTransform(key, "properties"), value))


# ---------------------------------------------------------------- the whole query


@dataclass(frozen=True)
class ListQuery:
    """A list request read: what to keep, in which order, from where, how many."""

    condition: Q
    member_status: str
    visibility: str | None
    order: list[tuple[str, bool]]  # (column, descending)
    limit: int
    marker: str | None


def _sorting(params: QueryDict) -> tuple[list[tuple[str, str]], str]:
    """(sort key, direction) pairs, `sort=name:asc,size` or repeated sort_key/sort_dir, and
    the direction of the keys Glance adds (the one direction given, else desc)."""
    pairs: list[tuple[str, str]] = []
    default = DEFAULT_SORT_DIR
    if "sort" in params:
        if "sort_key" in params or "sort_dir" in params:
            raise _bad(_("Old and new sorting syntax cannot be combined"))
        for item in params["sort"].strip().split(","):
            key, _sep, direction = item.partition(":")
            pairs.append((key.strip(), (direction or DEFAULT_SORT_DIR).strip()))
        if len(pairs) == 1:
            default = pairs[0][1]
    else:
        keys = [k.strip() for k in params.getlist("sort_key")] or [DEFAULT_SORT_KEY]
        dirs = [d.strip() for d in params.getlist("sort_dir")]
        for direction in dirs:
            _sort_dir(direction)
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise _bad(_("Number of sort dirs does not match the number of sort keys"))
        if len(dirs) == 1:
            default = dirs[0]
        dirs = dirs if len(dirs) > 1 else [default] * len(keys)
        pairs = list(zip(keys, dirs, strict=True))
    for key, direction in pairs:
        if key not in SORT_KEYS:
            raise _bad(
                format_lazy(
                    _("Invalid sort key: {key}. It must be one of the following: {keys}."),
                    key=key[:32],
                    keys=", ".join(SORT_KEYS),
                )
            )
        _sort_dir(direction)
    return pairs, default


def _sort_dir(direction: str) -> str:
    if direction not in SORT_DIRS:
        raise _bad(format_lazy(_("Invalid sort direction: {v}"), v=direction[:32]))
    return direction


def list_query(params: QueryDict, project: Project, *, default_limit: int) -> ListQuery:
    """Read a list request's query as Glance does; a bad value is a 400 naming it."""
    member_status = params.get("member_status", "accepted")
    if member_status not in MEMBER_STATUSES:
        raise _bad(format_lazy(_("Invalid status: {v}"), v=member_status[:32]))
    visibility = params.get("visibility") or None
    if visibility is not None and visibility not in VISIBILITIES:
        raise _bad(format_lazy(_("Invalid visibility value: {v}"), v=visibility[:32]))
    if "changes-since" in params:
        raise _bad(_('The "changes-since" filter is no longer available on v2.'))
    limit = default_limit
    if "limit" in params:
        limit = _integer(params["limit"], _("limit param must be an integer"))
        if limit < 0:
            raise _bad(_("limit param must be positive"))
    pairs, default_dir = _sorting(params)
    # Glance lowercases this one (openstacksdk sends True), not `protected`.
    condition = Q(os_hidden=_boolean("os_hidden", params.get("os_hidden", "false").lower()))
    for tag in params.getlist("tag"):
        condition &= _tag_filter(tag.strip())
    for key, values in params.lists():
        if key in NOT_FILTERS or key in ("visibility", "os_hidden"):
            continue
        for value in values:
            condition &= _filter(project, key, value)
    # Glance pages by the sort keys, then created_at and id, whatever was asked.
    order = [(SORT_KEYS[key], direction == "desc") for key, direction in pairs]
    for column in ("created", "pk"):
        if column not in {c for c, _d in order}:
            order.append((column, default_dir == "desc"))
    return ListQuery(
        condition=condition,
        member_status=member_status,
        visibility=visibility,
        order=order,
        limit=min(limit, LIMIT_MAX),
        marker=params.get("marker"),
    )


def _filter(project: Project, key: str, value: str) -> Q:
    """The condition one query parameter sets."""
    if key == "protected":
        own = Q(owner__isnull=True) | Q(protected=True)
        return own if _boolean(key, value) else ~own
    if key in ("checksum", "os_hash_value"):
        return Q(**{key: value}) if value else Q(pk__in=[])
    if key == "os_hash_algo":
        return ~Q(os_hash_value="") if value == "sha512" else Q(pk__in=[])
    if key == "owner":
        return Q(owner__project_id=value)
    if key in TIME_FILTERS:
        return _time_filter(key, value)
    if key in LIST_FILTERS:
        return _list_filter(key, value)
    if key in NUMBERS or (key.endswith(("_min", "_max")) and key[:-4] in NUMBERS):
        return _number_filter(key, value)
    if key.endswith(("_min", "_max")):
        raise _bad(format_lazy(_("No range filter on {key}."), key=key[:-4][:64]))
    if key in IMS_FILTERS:
        return IMS_FILTERS[key](project, value)
    return _property_filter(key, value)
