"""How Cloud Trace shows a trace: services and resource types by name, and a trace's event."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from console.audit.models import Trace

# The services that record traces, as the service list names them.
SERVICE_NAMES = {
    "IMS": _("Image Management Service"),
    "ECS": _("Elastic Cloud Server"),
    "EVS": _("Elastic Volume Service"),
    "CBR": _("Cloud Backup and Recovery"),
    "KMS": _("Key Management Service"),
    "IAM": _("Identity and Access Management"),
    "Console": _("Console"),
}
RESOURCE_TYPES = {
    "image": _("Image"),
    "server": _("Cloud server"),
    "volume": _("Disk"),
    "vault": _("Vault"),
    "key": _("Key"),
    "grant": _("Grant"),
    "credential": _("Access key"),
    "message": _("Message"),
}


def service_name(code: str) -> str:
    """The service's name in the active language (the code for one this list lacks)."""
    return str(SERVICE_NAMES.get(code, code))


def service_label(code: str) -> str:
    """What the trace list shows: the well-known abbreviation, or the translated name."""
    return code if code.isupper() else service_name(code)


def resource_type_label(code: str) -> str:
    """The resource type in the active language (the code for one this list lacks)."""
    return str(RESOURCE_TYPES.get(code, code))


def trace_event(trace: Trace) -> dict[str, Any]:
    """The trace as Cloud Trace's View Trace shows it: what was asked and what came of it."""
    detail = dict(trace.detail or {})
    error = detail.pop("error", None)
    code = detail.pop("code", None)
    project = trace.project
    response: dict[str, Any] = {"result": trace.result}
    if error is not None:
        response["error_msg"] = error
    if code is not None:
        response["error_code"] = code
    return {
        "trace_id": str(trace.pk),
        "trace_name": trace.operation,
        "trace_rating": "normal" if trace.result == Trace.Result.SUCCESS else "warning",
        "service_type": trace.service,
        "resource_type": trace.resource_type,
        "resource_id": trace.resource_id,
        "resource_name": trace.resource_name,
        "user": {
            "name": trace.user_name,
            "domain": {"name": trace.tenant.name, "id": trace.tenant.account_id},
        },
        "region": project.region.code if project else None,
        "project_id": project.project_id if project else None,
        "time": trace.created.isoformat(timespec="milliseconds"),
        "request": detail,
        "response": response,
    }
