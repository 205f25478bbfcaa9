"""Template filters that show dates as the console does: in the user's zone, with its offset."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.utils import dateformat, timezone
from django.utils.translation import pgettext

register = template.Library()
NBSP = "\u00a0"


def gmt_offset(value: dt.datetime) -> str:
    """The offset of an aware datetime in the console's notation, e.g. GMT+08:00."""
    offset = value.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"GMT{sign}{hours:02d}:{minutes:02d}"


@register.filter(expects_localtime=False)
def when(value: dt.datetime | None) -> str:
    """A timestamp in the active time zone and language, its offset named (D9)."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    # Translators: a PHP-style date format (Django's date filter), without the time zone.
    pattern = pgettext("timestamp format", "M d, Y H:i:s")
    day, time = dateformat.format(local, pattern).rsplit(" ", 1)
    # A narrow column breaks it between the date and the time only, never inside either.
    return f"{day.replace(' ', NBSP)} {time}{NBSP}{gmt_offset(local)}"


@register.filter
def zone_label(name: str) -> str:
    """A time zone choice as the console lists it, e.g. (GMT+08:00) Asia/Shanghai."""
    return f"({gmt_offset(timezone.now().astimezone(ZoneInfo(name)))}) {name}"
