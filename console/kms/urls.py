"""Key Management Service URLs."""

from django.urls import path

from console.kms import views

app_name = "kms"

urlpatterns = [
    path("", views.key_list, name="key_list"),
    path("create/", views.key_create, name="key_create"),
    path("<uuid:key_id>/", views.key_detail, name="key_detail"),
    path("<uuid:key_id>/state/", views.key_state, name="key_state"),
    path("<uuid:key_id>/grants/create/", views.key_grant_create, name="key_grant_create"),
    path(
        "<uuid:key_id>/grants/<uuid:grant_id>/revoke/",
        views.key_grant_revoke,
        name="key_grant_revoke",
    ),
]
