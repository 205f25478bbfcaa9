from django.apps import AppConfig


class ImsConfig(AppConfig):
    name = "ims"
    verbose_name = "Image Management Service"
    default_auto_field = "django.db.models.BigAutoField"
