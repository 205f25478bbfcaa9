"""`{% memo obj … %}…{% endmemo %}`: render a fragment once per distinct content.

A list page renders the same rows again and again (every reload, every htmx refresh, every
user of a project). The fragment's HTML is kept per worker process, keyed by the template
position, the active language and time zone, and a fingerprint of every value named in the
tag: for a model instance, all the field values loaded with it, its annotations, the related
objects loaded with it and its prefetched relations, recursively. The objects are still read
from the database on every request, so a change is seen at once: it changes the key. A
fragment must therefore depend only on the named values (and on the language and zone).
With DEBUG on, nothing is kept, so edited templates show at once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid
from collections import OrderedDict
from collections.abc import Hashable
from decimal import Decimal
from typing import Any

from django import template
from django.conf import settings
from django.db.models import Model
from django.template.base import FilterExpression, Node, NodeList, Parser, Token
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

_MISSING = object()


class _Fragments:
    """A bounded, thread-safe LRU map of rendered fragments."""

    def __init__(self) -> None:
        self._items: OrderedDict[Hashable, SafeString] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> SafeString | None:
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
            return html

    def put(self, key: Hashable, html: SafeString) -> None:
        limit = max(0, settings.CONSOLE_MEMO_FRAGMENTS)
        with self._lock:
            self._items[key] = html
            self._items.move_to_end(key)
            while len(self._items) > limit:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


fragments = _Fragments()
_tags = itertools.count()


# Values that are their own fingerprint (hashable, immutable); checked by exact type, fast.
_PLAIN = frozenset({str, int, float, bool, type(None), dt.datetime, dt.date, Decimal, uuid.UUID})


def fingerprint(value: Any, _path: frozenset[int] = frozenset()) -> Hashable:
    """A hashable value that changes whenever anything a template could show of `value` does."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Model):
        if id(value) in _path:
            # Back to an object on the way here (a prefetched tag's image): named by its key.
            return (value._meta.label, value.pk)
        path = _path | {id(value)}
        parts: list[Hashable] = [value._meta.label]
        for name, field_value in value.__dict__.items():
            if type(field_value) in _PLAIN:
                parts.append((name, field_value))
            elif name == "_prefetched_objects_cache":
                parts.extend(
                    (relation, tuple(fingerprint(obj, path) for obj in objects))
                    for relation, objects in sorted(field_value.items())
                )
            elif name != "_state":
                parts.append((name, fingerprint(field_value, path)))
        parts.extend(
            (name, fingerprint(related, path))
            for name, related in sorted(value._state.fields_cache.items())
        )
        return tuple(parts)
    if isinstance(value, list | tuple):
        return tuple(fingerprint(item, _path) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), fingerprint(v, _path)) for k, v in value.items()))
    # Anything else (a queryset, a page, a lazy string…) would be keyed by its identity:
    # never found again, and kept alive by the key. Name it by the values it shows instead.
    raise TypeError(f"{{% memo %}} cannot key on a {type(value).__name__}.")


class MemoNode(Node):
    """The compiled tag: its body, the values it is keyed on, and where it is."""

    def __init__(self, nodelist: NodeList, values: list[FilterExpression], where: str) -> None:
        self.nodelist = nodelist
        self.values = values
        # Each compiled tag is its own place, even two on one line of one template.
        self.where = f"{where}#{next(_tags)}"

    def render(self, context: template.Context) -> SafeString:
        """The body as rendered for this content before, or rendered now and kept."""
        if settings.DEBUG:
            # The development server reloads edited templates; a kept row would hide the edit.
            return mark_safe(self.nodelist.render(context))
        key = (
            self.where,
            get_language(),
            timezone.get_current_timezone_name(),
            *(fingerprint(value.resolve(context, ignore_failures=True)) for value in self.values),
        )
        html = fragments.get(key)
        if html is None:
            html = mark_safe(self.nodelist.render(context))
            fragments.put(key, html)
        return html


@register.tag
def memo(parser: Parser, token: Token) -> MemoNode:
    """`{% memo member image %}<tr>…</tr>{% endmemo %}`: see the module's docstring."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("memo needs at least one value to key on.")
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    origin = getattr(parser, "origin", None)
    where = f"{getattr(origin, 'name', '')}:{token.lineno}"
    return MemoNode(nodelist, [parser.compile_filter(bit) for bit in bits[1:]], where)
