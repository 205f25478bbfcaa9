"""CBR vault URLs."""

from django.urls import path

from vaults import views

app_name = "vaults"

urlpatterns = [
    path("", views.vault_list, name="vault_list"),
    path("create/", views.vault_create, name="vault_create"),
    path("<uuid:vault_id>/", views.vault_detail, name="vault_detail"),
    path("<uuid:vault_id>/expand/", views.vault_expand, name="vault_expand"),
    path("<uuid:vault_id>/delete/", views.vault_delete, name="vault_delete"),
]
