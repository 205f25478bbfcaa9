"""Elastic Cloud Server and Elastic Volume Service URLs."""

from django.urls import path

from console.compute import imaging_views, views

app_name = "compute"

urlpatterns = [
    path("ecs/", views.server_list, name="server_list"),
    path("ecs/create/", views.server_create, name="server_create"),
    path("ecs/<uuid:server_id>/stop/", views.server_stop, name="server_stop"),
    path("ecs/<uuid:server_id>/start/", views.server_start, name="server_start"),
    path("ecs/<uuid:server_id>/change-os/", views.server_change_os, name="server_change_os"),
    path("ims/private/create/", imaging_views.image_create, name="image_create"),
    path("evs/", views.disk_list, name="disk_list"),
    path("evs/create/", views.disk_create, name="disk_create"),
]
