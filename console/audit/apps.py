from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "console.audit"
    label = "audit"
    verbose_name = "Cloud Trace Service and messages"
    default_auto_field = "django.db.models.BigAutoField"
