"""Django admin for tenancy and the neighbouring services' stand-ins."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from console.models import (
    Disk,
    Key,
    KeyGrant,
    Message,
    Project,
    Region,
    Server,
    Tenant,
    Trace,
    User,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Regions."""

    list_display = ["code", "name", "is_default"]
    list_filter = ["is_default"]
    search_fields = ["code", "name"]


class ProjectInline(admin.TabularInline):
    """Project rows inline."""

    model = Project
    extra = 0
    fields = ["region", "name", "project_id"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    """Tenants (accounts) with their projects."""

    list_display = ["name", "account_id", "created"]
    search_fields = ["name", "account_id"]
    readonly_fields = ["created"]
    inlines = [ProjectInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Projects: one per tenant per region."""

    list_display = ["project_id", "tenant", "region", "name"]
    list_filter = ["region"]
    search_fields = ["project_id", "name", "tenant__name"]
    autocomplete_fields = ["tenant", "region"]
    list_select_related = ["tenant", "region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Console users with their tenant and role."""

    list_display = ["username", "tenant", "role", "is_staff", "is_active"]
    list_filter = ["role", "is_staff", "is_active", "tenant"]
    search_fields = ["username", "email", "tenant__name"]
    autocomplete_fields = ["tenant"]
    list_select_related = ["tenant"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("Tenant", {"fields": ["tenant", "role"]})]
    add_fieldsets = [*BaseUserAdmin.add_fieldsets, ("Tenant", {"fields": ["tenant", "role"]})]


class KeyGrantInline(admin.TabularInline):
    """Key grant rows inline."""

    model = KeyGrant
    extra = 0
    autocomplete_fields = ["grantee"]
    readonly_fields = ["grant_id", "created"]


@admin.register(Key)
class KeyAdmin(admin.ModelAdmin):
    """KMS keys with their grants."""

    list_display = ["alias", "project", "is_default", "state", "created"]
    list_filter = ["state", "is_default", "project__region"]
    search_fields = ["alias", "key_id", "project__tenant__name"]
    autocomplete_fields = ["project"]
    readonly_fields = ["key_id", "created"]
    list_select_related = ["project__tenant", "project__region"]
    inlines = [KeyGrantInline]


@admin.register(KeyGrant)
class KeyGrantAdmin(admin.ModelAdmin):
    """KMS grants."""

    list_display = ["key", "grantee", "operations", "created"]
    search_fields = ["key__alias", "grantee__name", "grantee__account_id"]
    autocomplete_fields = ["key", "grantee"]
    readonly_fields = ["grant_id", "created"]
    list_select_related = ["key", "grantee"]


class DiskInline(admin.TabularInline):
    """Disk rows inline."""

    model = Disk
    extra = 0
    fields = ["name", "role", "size_gb", "status"]
    readonly_fields = ["name", "role", "size_gb", "status"]
    show_change_link = True


@admin.register(Server)
class ServerAdmin(admin.ModelAdmin):
    """ECS servers."""

    list_display = ["name", "project", "image_name", "flavor", "status", "created"]
    list_filter = ["status", "project__region"]
    search_fields = ["name", "server_id", "image_name", "project__tenant__name"]
    autocomplete_fields = ["project", "image"]
    readonly_fields = ["server_id", "created"]
    list_select_related = ["project__tenant", "project__region"]
    inlines = [DiskInline]


@admin.register(Disk)
class DiskAdmin(admin.ModelAdmin):
    """EVS disks."""

    list_display = ["name", "project", "role", "size_gb", "server", "status", "created"]
    list_filter = ["role", "status", "project__region"]
    search_fields = ["name", "disk_id", "project__tenant__name"]
    autocomplete_fields = ["project", "server", "image"]
    readonly_fields = ["disk_id", "created"]
    list_select_related = ["project__tenant", "project__region", "server"]


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
