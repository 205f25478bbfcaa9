"""CBR vault URLs."""

from django.urls import path

from vaults import views

app_name = "vaults"

urlpatterns = [
    path("", views.vault_list, name="vault_list"),
]
