"""IMS quotas per project (reference §10.7): defaults, admin, hint line, enforcement."""

import pytest
from django.urls import reverse

from console.errors import ConsoleError, ShareRefused
from ims.models import Image, ImageMember, ImageQuota
from ims.services import image_replicate, image_share, private_images_left, quota_usage
from tests.factories import ImageFactory, ImageMemberFactory, ImageQuotaFactory, ProjectFactory


@pytest.mark.django_db
class TestQuotas:
    def test_defaults_follow_the_reference(self, world):
        usage = {u.type: u for u in quota_usage(world.recipient_de)}
        assert list(usage) == ["image", "image_shared", "image_member"]
        image = usage["image"]
        assert (image.used, image.quota, image.min, image.max) == (0, 20, 1, 1000)

    def test_hint_line_above_private_images(self, world, recipient_client):
        ImageFactory.create_batch(3, owner=world.recipient_de)
        ImageQuotaFactory(project=world.recipient_de, images=5)
        assert private_images_left(world.recipient_de) == 2
        content = recipient_client.get(reverse("ims:private_images")).content.decode()
        assert "You can create 2 more private images." in content

    def test_replication_beyond_the_private_image_quota_is_refused(self, world):
        ImageQuotaFactory(project=world.recipient_de, images=1)
        ImageFactory(owner=world.recipient_de)
        source = ImageFactory(owner=world.sharer_de)
        ImageMemberFactory(image=source, project=world.recipient_de, status="accepted")
        with pytest.raises(ConsoleError, match="private image quota"):
            image_replicate(
                actor=world.recipient_user, project=world.recipient_de, image=source, name="c"
            )
        assert Image.objects.owned_by(world.recipient_de).count() == 1

    def test_sharing_beyond_the_shared_image_quota_is_img_0088(self, world):
        ImageQuotaFactory(project=world.sharer_de, shared_images=1)
        first, second = ImageFactory.create_batch(2, owner=world.sharer_de)
        ImageMemberFactory(image=first, project=world.recipient_de, status="accepted")
        with pytest.raises(ShareRefused) as refused:
            image_share(
                actor=world.sharer_user,
                project=world.sharer_de,
                images=[second],
                project_ids=[world.recipient_de.project_id],
            )
        assert [p.error.code for p in refused.value.problems] == ["IMG.0088"]
        assert "The number of shared images has reached the maximum allowed." in str(refused.value)
        assert not ImageMember.objects.filter(image=second).exists()
        # The image already shared may get more recipients: it uses no new shared image.
        other = ProjectFactory(region=world.de)
        image_share(
            actor=world.sharer_user,
            project=world.sharer_de,
            images=[first],
            project_ids=[other.project_id],
        )

    def test_a_pending_share_does_not_consume_the_sharing_quota(self, world):
        ImageQuotaFactory(project=world.sharer_de, shared_images=1, image_members=1)
        first, second = ImageFactory.create_batch(2, owner=world.sharer_de)
        ImageMemberFactory(image=first, project=world.recipient_de, status="pending")
        usage = {u.type: u.used for u in quota_usage(world.sharer_de)}
        assert (usage["image_shared"], usage["image_member"]) == (0, 0)
        image_share(
            actor=world.sharer_user,
            project=world.sharer_de,
            images=[second],
            project_ids=[world.recipient_de.project_id],
        )
        ImageMember.objects.filter(image=first).update(status="rejected")
        usage = {u.type: u.used for u in quota_usage(world.sharer_de)}
        assert (usage["image_shared"], usage["image_member"]) == (1, 1)

    def test_sharing_beyond_the_image_member_quota_is_refused(self, world):
        ImageQuotaFactory(project=world.sharer_de, image_members=2)
        image = ImageFactory(owner=world.sharer_de)
        ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")
        targets = ProjectFactory.create_batch(2, region=world.de)
        with pytest.raises(ShareRefused, match="image member quota"):
            image_share(
                actor=world.sharer_user,
                project=world.sharer_de,
                images=[image],
                project_ids=[t.project_id for t in targets],
            )
        assert image.members.count() == 1
        image_share(
            actor=world.sharer_user,
            project=world.sharer_de,
            images=[image],
            project_ids=[targets[0].project_id],
        )

    def test_quotas_are_editable_in_django_admin(self, world, admin_client):
        url = reverse("admin:ims_imagequota_add")
        response = admin_client.post(
            url,
            {
                "project": world.sharer_de.pk,
                "images": 50,
                "shared_images": 5,
                "image_members": 100,
            },
        )
        assert response.status_code == 302
        quota = ImageQuota.objects.get(project=world.sharer_de)
        assert (quota.images, quota.shared_images, quota.image_members) == (50, 5, 100)
        out_of_range = admin_client.post(
            reverse("admin:ims_imagequota_change", args=[quota.pk]),
            {"project": world.sharer_de.pk, "images": 1001, "shared_images": 0, "image_members": 1},
        )
        assert out_of_range.status_code == 200
        assert ImageQuota.objects.get(pk=quota.pk).images == 50
