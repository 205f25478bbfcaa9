"""Django admin for traces and messages."""

from __future__ import annotations

from django.contrib import admin

from console.audit.models import Message, Trace


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Notifications."""

    list_display = ["title", "project", "read", "created"]
    list_filter = ["read", "project__region"]
    search_fields = ["title", "body", "project__tenant__name"]
    autocomplete_fields = ["project"]
    readonly_fields = ["created"]
    list_select_related = ["project__tenant", "project__region"]


@admin.register(Trace)
class TraceAdmin(admin.ModelAdmin):
    """The audit trail (read-only)."""

    list_display = ["created", "tenant", "user_name", "operation", "resource_name", "result"]
    list_filter = ["operation", "result", "service", "tenant"]
    search_fields = ["operation", "resource_name", "resource_id", "user_name"]
    readonly_fields = [f.name for f in Trace._meta.fields]
    list_select_related = ["tenant"]

    def has_add_permission(self, request):
        """Traces are written by the services only."""
        return False

    def has_change_permission(self, request, obj=None):
        """Traces are immutable."""
        return False
