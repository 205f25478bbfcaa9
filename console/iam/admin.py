"""Django admin for API credentials: tokens and access keys (never their secrets)."""

from django.contrib import admin

from console.iam.models import AccessKey, ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Issued tokens; only their digests are stored, and they are not shown."""

    list_display = ["user", "project", "issued", "expires", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["user__username", "project__project_id", "project__tenant__name"]
    exclude = ["digest", "password_fingerprint"]
    readonly_fields = ["user", "project", "audit_id", "issued", "expires", "revoked"]

    def has_add_permission(self, request, obj=None) -> bool:
        """Tokens are issued by POST /api/iam/v3/auth/tokens only."""
        return False


@admin.register(AccessKey)
class AccessKeyAdmin(admin.ModelAdmin):
    """Access keys; the encrypted secret is never shown."""

    list_display = ["access_key", "user", "status", "created"]
    list_filter = ["status"]
    search_fields = ["access_key", "user__username", "user__tenant__name"]
    exclude = ["secret_encrypted"]
    readonly_fields = ["access_key", "user", "created"]

    def has_add_permission(self, request, obj=None) -> bool:
        """Keys are created by their users, who see the secret once."""
        return False
