"""IMS URLs."""

from django.urls import path

from ims.views import private, shared

app_name = "ims"

urlpatterns = [
    path("", shared.shared_images, name="shared_images"),
    path("shares/accept/", shared.share_accept, name="share_accept"),
    path("shares/reject/", shared.share_reject, name="share_reject"),
    path("public/", private.public_images, name="public_images"),
    path("private/", private.private_images, name="private_images"),
]
