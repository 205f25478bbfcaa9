"""Django admin for tenancy."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from console.models import Project, Region, Tenant, User


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
