"""Console views: the message list behind the header bell."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST, require_safe

from console.decorators import project_required
from console.errors import RoleRefused
from console.htmx import HtmxHttpRequest, render_page
from console.models import Message
from console.services import messages_mark_read

MESSAGE_PAGE_SIZE = 20


@project_required
@require_safe
def message_list(request: HtmxHttpRequest) -> HttpResponse:
    """The current project's messages, newest first; opening a page marks its messages read."""
    queryset = Message.objects.for_project(request.project).order_by("-created", "-pk")
    page = Paginator(queryset, MESSAGE_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    unread = [message.pk for message in page.object_list if not message.read]
    # The rows keep their loaded read=False, so this page still marks them as new, while
    # the bell (rendered afterwards) already counts them as read. A read-only user only looks.
    if unread and request.user.can_change:
        messages_mark_read(actor=request.user, project=request.project, ids=unread)
    context = {"section": "messages", "page": page, "query_prefix": ""}
    return render_page(request, "console/message_list.html", context, partials=["message-list"])


@project_required
@require_POST
def message_mark_read(request: HtmxHttpRequest) -> HttpResponse:
    """Mark all as read: every unread message of the current project."""
    try:
        count = messages_mark_read(actor=request.user, project=request.project)
    except RoleRefused as error:
        messages.error(request, str(error))
    else:
        if count:
            messages.success(request, f"{count} message{'s' if count != 1 else ''} marked as read.")
        else:
            messages.info(request, "There are no unread messages.")
    return redirect("console:message_list")
