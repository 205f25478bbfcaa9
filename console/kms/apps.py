from django.apps import AppConfig


class KmsConfig(AppConfig):
    name = "console.kms"
    label = "kms"
    verbose_name = "Key Management Service"
    default_auto_field = "django.db.models.BigAutoField"
