"""Django admin for ECS servers and EVS disks."""

from __future__ import annotations

from django.contrib import admin

from console.compute.models import Disk, Server


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
