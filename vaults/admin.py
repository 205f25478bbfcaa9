"""Django admin for vaults and backups."""

from django.contrib import admin

from vaults.models import Backup, Vault


class BackupInline(admin.TabularInline):
    """Backup rows inline."""

    model = Backup
    extra = 0
    fields = ["name", "role", "size_gb", "created"]
    readonly_fields = ["created"]


@admin.register(Vault)
class VaultAdmin(admin.ModelAdmin):
    """Vaults with their backups."""

    list_display = ["name", "project", "resource_type", "protection_type", "capacity_gb", "status"]
    list_filter = ["resource_type", "protection_type", "status", "project__region"]
    search_fields = ["name", "vault_id", "project__tenant__name", "project__project_id"]
    autocomplete_fields = ["project"]
    readonly_fields = ["vault_id", "created"]
    list_select_related = ["project__tenant", "project__region"]
    inlines = [BackupInline]


@admin.register(Backup)
class BackupAdmin(admin.ModelAdmin):
    """Backups held by vaults."""

    list_display = ["backup_id", "vault", "name", "role", "size_gb", "created"]
    list_filter = ["role"]
    search_fields = ["vault__name", "backup_id", "name"]
    autocomplete_fields = ["vault"]
    readonly_fields = ["backup_id", "created"]
    list_select_related = ["vault"]
