"""Messages behind the header bell, and the tenant's audit trail (Cloud Trace Service)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from console.audit.forms import TraceFilterForm
from console.audit.models import Message, Trace
from console.audit.presentation import trace_event
from console.audit.services import messages_mark_read
from console.decorators import project_required
from console.errors import RoleRefused
from console.htmx import HtmxHttpRequest, paginate, refuse, render_dialog, render_page


@project_required
@require_safe
def message_list(request: HtmxHttpRequest) -> HttpResponse:
    """The current project's messages, newest first; unread ones are marked as new."""
    queryset = Message.objects.for_project(request.project).order_by("-created", "-pk")
    page = paginate(queryset, request.GET.get("page"))
    unread = [message.pk for message in page.object_list if not message.read]
    context = {"section": "messages", "page": page, "query_prefix": "", "unread_ids": unread}
    return render_page(request, "audit/message_list.html", context, partials=["message-list"])


class _MarkReadForm(forms.Form):
    ids = forms.CharField(required=False, max_length=4000)

    def clean_ids(self) -> list[int] | None:
        """Comma-separated message IDs; none means every unread message."""
        raw = self.cleaned_data["ids"].strip()
        if not raw:
            return None
        try:
            return [int(part) for part in raw.split(",")]
        except ValueError as error:
            raise forms.ValidationError(_("Message IDs are numbers.")) from error


@project_required
@require_POST
def message_mark_read(request: HtmxHttpRequest) -> HttpResponse:
    """Mark messages read: those a page showed (`ids`), or all unread ones of the project."""
    form = _MarkReadForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors["ids"][0])
    ids = form.cleaned_data["ids"]
    try:
        count = messages_mark_read(actor=request.user, project=request.project, ids=ids)
    except RoleRefused as error:
        refuse(request, error)
        count = None
    if request.htmx:
        # The bell is swapped out of band; a page that marked what it showed stays as it is.
        return TemplateResponse(request, "console/base.html#bell", {"hx_oob": True})
    if count is not None and ids is None:
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d message marked as read.", "%(count)d messages marked as read.", count
                )
                % {"count": count},
            )
        else:
            messages.info(request, _("There are no unread messages."))
    return redirect("audit:message_list")


SERVICES = ["IMS", "ECS", "EVS", "KMS", "CBR"]


@project_required
@require_safe
def trace_list(request: HtmxHttpRequest) -> HttpResponse:
    """Traces of the tenant, newest first, filtered by operation, service and result."""
    tenant_traces = Trace.objects.for_tenant(request.project.tenant_id)
    kinds = Trace.objects.kinds(request.project.tenant_id)
    operations = sorted({operation for service, operation in kinds})
    services = sorted(set(SERVICES) | {service for service, operation in kinds})
    form = TraceFilterForm(request.GET, operations=operations, services=services)
    filters = form.cleaned_data if form.is_valid() else {}
    traces = tenant_traces.select_related("project__region").order_by("-created", "-pk")
    for field in ("operation", "service", "result"):
        if filters.get(field):
            traces = traces.filter(**{field: filters[field]})
    page = paginate(traces, request.GET.get("page"))
    query = {k: v for k, v in filters.items() if v}
    context = {
        "section": "traces",
        "form": form,
        "filters": filters,
        "page": page,
        "query_prefix": urlencode(query) + "&" if query else "",
    }
    return render_page(request, "audit/trace_list.html", context, partials=["trace-table"])


@project_required
@require_safe
def trace_detail(request: HtmxHttpRequest, trace_id: int) -> HttpResponse:
    """View Trace: the trace's event as JSON (what was asked, what came of it); a dialog."""
    trace = get_object_or_404(
        Trace.objects.for_tenant(request.project.tenant_id).select_related(
            "tenant", "project__region"
        ),
        pk=trace_id,
    )
    event = json.dumps(trace_event(trace), indent=2, ensure_ascii=False, default=str)
    context = {"section": "traces", "trace": trace, "event": event}
    return render_dialog(request, "audit/trace_detail.html", context, dialog="trace-dialog")
