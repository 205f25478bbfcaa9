"""Cloud Trace Service: the tenant's audit trail."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from console.decorators import project_required
from console.forms import TraceFilterForm
from console.htmx import HtmxHttpRequest, render_page
from console.models import Trace

PAGE_SIZE = 20
SERVICES = ["IMS", "ECS", "EVS", "KMS", "CBR"]


@project_required
@require_safe
def trace_list(request: HtmxHttpRequest) -> HttpResponse:
    """Traces of the tenant, newest first, filtered by operation, service and result."""
    tenant_traces = Trace.objects.for_tenant(request.project.tenant_id)
    operations = list(
        tenant_traces.order_by("operation").values_list("operation", flat=True).distinct()
    )
    services = sorted(
        set(SERVICES)
        | set(tenant_traces.order_by("service").values_list("service", flat=True).distinct())
    )
    form = TraceFilterForm(request.GET, operations=operations, services=services)
    filters = form.cleaned_data if form.is_valid() else {}
    traces = tenant_traces.select_related("project__region").order_by("-created", "-pk")
    for field in ("operation", "service", "result"):
        if filters.get(field):
            traces = traces.filter(**{field: filters[field]})
    page = Paginator(traces, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in filters.items() if v}
    context = {
        "section": "traces",
        "form": form,
        "filters": filters,
        "page": page,
        "query_prefix": urlencode(query) + "&" if query else "",
    }
    return render_page(request, "console/trace_list.html", context, partials=["trace-table"])
