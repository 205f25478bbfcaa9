from django.apps import AppConfig


class VaultsConfig(AppConfig):
    name = "vaults"
    verbose_name = "Cloud Backup and Recovery"
    default_auto_field = "django.db.models.BigAutoField"
