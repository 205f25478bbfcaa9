from django.apps import AppConfig


class ComputeConfig(AppConfig):
    name = "console.compute"
    label = "compute"
    verbose_name = "Elastic Cloud Server and Elastic Volume Service"
    default_auto_field = "django.db.models.BigAutoField"
