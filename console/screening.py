"""Screening of every request before any view or query: NUL bytes, lone surrogates, deep JSON.

PostgreSQL refuses NUL in text and no database driver encodes a lone surrogate, so such input
used to fail as a 500 in whatever query first met it. It is never meaningful, so it is refused
here, once for the console and the APIs, naming where it was found, before the session is
looked up (the session cookie is input too) and before any view runs. A body over
DATA_UPLOAD_MAX_MEMORY_SIZE raises RequestDataTooBig when it is read here; Django answers it
through the 400 handler (`too_large_page` in the console, the gateway's 413 under /api/).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.api import SCREENED_JSON, endpoint_for_path, error_response
from console.errors import Text

# No client sends JSON nested deeper: a Keystone auth body is 6 levels, Glance's are 3.
MAX_JSON_DEPTH = 32

_UNUSABLE = re.compile("[\x00\ud800-\udfff]")
# Bodies the API streams rather than reads (image data): never read whole here.
_STREAMED = ("application/octet-stream", "multipart/")


def text_problem(value: str) -> Text | None:
    """What makes `value` unusable as text, or None."""
    found = _UNUSABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return _("a NUL character")
    return _("a lone surrogate (not valid Unicode)")


def _shown(name: str) -> str:
    """`name` as it can be shown in a message: unusable characters escaped, at most 64."""
    return _UNUSABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", name)[:64]


def json_refusal(data: Any) -> Text | None:
    """Why a parsed JSON body is refused (too deep, or a key or string not usable), or None."""
    stack: list[tuple[str, Any, int]] = [("", data, 1)]
    while stack:
        where, value, depth = stack.pop()
        if isinstance(value, str):
            if problem := text_problem(value):
                return format_lazy(
                    _("The body field {name} contains {problem}."),
                    name=where or _("(the whole body)"),
                    problem=problem,
                )
            continue
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return deep_refusal()
        for key, item in items:
            if isinstance(key, int):
                child = f"{where}[{key}]"
            else:
                if problem := text_problem(key):
                    return format_lazy(
                        _("A key of the body field {name} contains {problem}."),
                        name=where or _("(the whole body)"),
                        problem=problem,
                    )
                child = f"{where}.{key}" if where else key
            stack.append((_shown(child), item, depth + 1))
    return None


def deep_refusal() -> Text:
    """The refusal of JSON nested deeper than MAX_JSON_DEPTH."""
    return format_lazy(
        _("The JSON body is nested deeper than {limit} levels."), limit=MAX_JSON_DEPTH
    )


def _path_refusal(request: HttpRequest) -> Text | None:
    problem = text_problem(request.path_info)
    if problem is None:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    for name, value in (match.kwargs if match else {}).items():
        if isinstance(value, str) and (found := text_problem(value)):
            return format_lazy(
                _("The path parameter {name} contains {problem}."), name=name, problem=found
            )
    return format_lazy(_("The path contains {problem}."), problem=problem)


def _pairs_refusal(pairs: QueryDict, message: Text) -> Text | None:
    for key, values in pairs.lists():
        for text in (key, *values):
            if problem := text_problem(text):
                return format_lazy(message, name=_shown(key), problem=problem)
    return None


def _body_refusal(request: HttpRequest, *, api: bool) -> Text | None:
    content_type = request.content_type or ""
    if content_type.startswith(_STREAMED):
        return None
    is_json = "json" in content_type
    # The API parses any body it reads as JSON, whatever its declared type.
    if is_json or api:
        body = request.body
        if not body:
            return None
        try:
            data = json.loads(body)
        except RecursionError:
            return deep_refusal()
        except ValueError:
            return None  # not JSON: the view refuses it in its own words
        setattr(request, SCREENED_JSON, data)
        return json_refusal(data)
    if content_type == "application/x-www-form-urlencoded":
        # Parsed from the body, not request.POST: a view may still choose its upload handlers.
        form = QueryDict(request.body, encoding=request.encoding)
        return _pairs_refusal(form, _("The form field {name} contains {problem}."))
    return None


def request_refusal(request: HttpRequest, *, api: bool) -> Text | None:
    """Why the request cannot be served, naming the path parameter, query parameter, header
    or body field at fault; None when it can."""
    if refused := _path_refusal(request):
        return refused
    if refused := _pairs_refusal(request.GET, _("The query parameter {name} contains {problem}.")):
        return refused
    for name, value in request.headers.items():
        if problem := text_problem(value):
            return format_lazy(
                _("The header {name} contains {problem}."), name=name, problem=problem
            )
    # Cookie values are unquoted: "\\000" in the header is a NUL in the session key.
    for name, value in request.COOKIES.items():
        if problem := text_problem(name) or text_problem(value):
            return format_lazy(
                _("The cookie {name} contains {problem}."), name=_shown(name), problem=problem
            )
    return _body_refusal(request, api=api)


class RequestScreeningMiddleware:
    """Refuse requests with unusable input: 400 in the API's error format or the console's
    400 page, before the session or any view touches the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Screen the request, then go on."""
        endpoint = endpoint_for_path(request.path_info)
        try:
            refused = request_refusal(request, api=endpoint is not None)
        except SuspiciousOperation:
            # A body too large, too many fields: Django's 400 handler answers, in the
            # language the request asks for (LocaleMiddleware has not run yet).
            translation.activate(translation.get_language_from_request(request))
            raise
        if refused is None:
            return self.get_response(request)
        translation.activate(translation.get_language_from_request(request))
        if endpoint is not None:
            return error_response(400, endpoint.default_code, refused)
        raise BadRequest(refused)


def too_large_page(request: HttpRequest) -> HttpResponse:
    """The console's answer to a body over DATA_UPLOAD_MAX_MEMORY_SIZE."""
    limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return render(request, "413.html", {"limit": limit}, status=413)
