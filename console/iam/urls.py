"""Console pages of IAM: My Credentials → Access Keys."""

from django.urls import path

from console.iam import views

app_name = "iam"
urlpatterns = [
    path("access-keys/", views.access_key_list, name="access_keys"),
    path("access-keys/create/", views.access_key_create, name="access_key_create"),
    path("access-keys/created/", views.access_key_created, name="access_key_created"),
    path("access-keys/<str:access_key>/status/", views.access_key_status, name="access_key_status"),
    path("access-keys/<str:access_key>/delete/", views.access_key_delete, name="access_key_delete"),
]
