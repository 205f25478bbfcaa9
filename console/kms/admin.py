"""Django admin for KMS keys and grants."""

from __future__ import annotations

from django.contrib import admin

from console.kms.models import Key, KeyGrant


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
