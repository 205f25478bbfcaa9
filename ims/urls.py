"""IMS URLs."""

from django.urls import path

from ims.views import manage, private, removal, replicate, shared, tags

app_name = "ims"

urlpatterns = [
    path("", shared.shared_images, name="shared_images"),
    path("shares/accept/", shared.share_accept, name="share_accept"),
    path("shares/reject/", shared.share_reject, name="share_reject"),
    path("public/", private.public_images, name="public_images"),
    path("private/", private.private_images, name="private_images"),
    path("private/share/", private.image_share, name="image_share"),
    path("private/delete/", removal.images_delete, name="images_delete"),
    path("images/<uuid:image_id>/", private.image_detail, name="image_detail"),
    path("images/<uuid:image_id>/modify/", manage.image_modify, name="image_modify"),
    path("images/<uuid:image_id>/delete/", removal.image_delete, name="image_delete"),
    path("images/<uuid:image_id>/members/add/", private.image_member_add, name="image_member_add"),
    path(
        "images/<uuid:image_id>/members/delete/",
        private.image_members_delete,
        name="image_members_delete",
    ),
    path("images/<uuid:image_id>/tags/", tags.image_tags, name="image_tags"),
    path("images/<uuid:image_id>/replicate/", replicate.image_replicate, name="image_replicate"),
]
