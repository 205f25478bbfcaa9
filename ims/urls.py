"""IMS URLs."""

from django.urls import path

from ims import views

app_name = "ims"

urlpatterns = [
    path("", views.shared_images, name="shared_images"),
    path("public/", views.public_images, name="public_images"),
    path("private/", views.private_images, name="private_images"),
]
