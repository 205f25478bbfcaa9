"""Share where sharing is possible only; the reason with its code on the detail page."""

import pytest
from django.urls import reverse

from tests.conftest import htmx
from tests.factories import ImageFactory


@pytest.mark.django_db
class TestShareActions:
    def test_share_dialog_help_links_to_my_credentials(self, world, sharer_client):
        image = ImageFactory(owner=world.sharer_de)
        for url in (
            f"{reverse('ims:image_share')}?image={image.pk}",
            reverse("ims:image_member_add", args=[image.pk]),
        ):
            content = sharer_client.get(url, headers=htmx("dialogs")).content.decode()
            assert "Learn how to obtain the project ID." in content
            assert f'href="{reverse("console:credentials")}"' in content

    def test_no_share_action_for_an_image_that_cannot_be_shared(self, world, sharer_client):
        iso = ImageFactory(owner=world.sharer_de, name="tools-iso", image_type="iso")
        ok = ImageFactory(owner=world.sharer_de, name="web")
        listing = sharer_client.get(reverse("ims:private_images")).content.decode()
        assert f"{reverse('ims:image_share')}?image={ok.pk}" in listing
        assert f"{reverse('ims:image_share')}?image={iso.pk}" not in listing
        assert ">Share</span>" not in listing
        detail = sharer_client.get(reverse("ims:image_detail", args=[iso.pk])).content.decode()
        assert f"{reverse('ims:image_share')}?image={iso.pk}" not in detail
        assert reverse("ims:image_member_add", args=[iso.pk]) not in detail
        assert 'data-testid="share-refusal"' in detail and "IMG.0046" in detail

    def test_a_creating_copy_has_no_share_and_says_why(self, world, sharer_client):
        copy = ImageFactory(owner=world.sharer_de, status="saving")
        detail = sharer_client.get(reverse("ims:image_detail", args=[copy.pk])).content.decode()
        assert "Creating" in detail and "only images in Normal status can be shared" in detail
        assert f"{reverse('ims:image_share')}?image={copy.pk}" not in detail
