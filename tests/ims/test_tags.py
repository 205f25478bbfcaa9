"""Image tags: the owner's key/value pairs, Search by Tag on both tabs (IMS tag format)."""

import pytest
from django.db import connection
from django.urls import reverse

from console.audit.models import Trace
from console.errors import ImsError, InputRefused, RoleRefused
from ims.models import ImageTag
from ims.services import MAX_TAGS_PER_IMAGE, image_tag_add, image_tag_delete
from tests.conftest import htmx
from tests.factories import ImageFactory, ImageMemberFactory, ImageTagFactory


def add(world, image, key, value="", user=None, project=None):
    return image_tag_add(
        actor=user or world.sharer_user,
        project=project or world.sharer_de,
        image=image,
        key=key,
        value=value,
    )


@pytest.mark.django_db
class TestTagServices:
    def test_owner_adds_a_tag_and_a_known_key_gets_the_new_value(self, world):
        image = ImageFactory(owner=world.sharer_de)
        add(world, image, " env ", " prod ")
        add(world, image, "env", "test")
        assert list(image.tags.values_list("key", "value")) == [("env", "test")]
        traces = Trace.objects.filter(operation="addImageTag").order_by("pk")
        assert [t.detail["previous_value"] for t in traces] == [None, "prod"]

    @pytest.mark.parametrize(
        ("key", "value"),
        [
            ("", "x"),
            ("k" * 37, ""),
            ("bad key", ""),
            ("a=b", ""),
            ("env", "v" * 44),
            ("env", "with space"),
            ("env", "a/b"),
        ],
    )
    def test_documented_format_is_enforced(self, world, key, value):
        image = ImageFactory(owner=world.sharer_de)
        with pytest.raises(InputRefused):
            add(world, image, key, value)
        assert not ImageTag.objects.exists()

    def test_longest_documented_key_and_value_and_empty_value_pass(self, world):
        image = ImageFactory(owner=world.sharer_de)
        add(world, image, "k" * 36, "v.1-_" + "v" * 38)
        add(world, image, "empty")
        add(world, image, "环境", "生产")
        assert image.tags.count() == 3

    def test_at_most_ten_tags(self, world):
        image = ImageFactory(owner=world.sharer_de)
        for n in range(MAX_TAGS_PER_IMAGE):
            add(world, image, f"k{n}")
        with pytest.raises(InputRefused, match="at most 10 tags"):
            add(world, image, "one-more")
        add(world, image, "k0", "still-updatable")
        assert image.tags.count() == MAX_TAGS_PER_IMAGE

    def test_a_recipient_cannot_tag_a_shared_image(self, world):
        image = ImageFactory(owner=world.sharer_de)
        ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")
        with pytest.raises(ImsError) as refused:
            add(world, image, "mine", user=world.recipient_user, project=world.recipient_de)
        assert refused.value.code == "IMG.0047"
        assert not ImageTag.objects.exists()

    def test_readonly_is_refused(self, world):
        image = ImageFactory(owner=world.recipient_de)
        with pytest.raises(RoleRefused):
            add(world, image, "env", user=world.readonly_user, project=world.recipient_de)

    def test_owner_deletes_a_tag(self, world):
        image = ImageFactory(owner=world.sharer_de)
        ImageTagFactory(image=image, key="env", value="prod")
        assert image_tag_delete(
            actor=world.sharer_user, project=world.sharer_de, image=image, key="env"
        )
        assert not image.tags.exists()
        assert Trace.objects.get(operation="deleteImageTag").detail == {
            "key": "env",
            "value": "prod",
        }
        assert not image_tag_delete(
            actor=world.sharer_user, project=world.sharer_de, image=image, key="env"
        )

    def test_the_tag_search_index_exists(self):
        with connection.cursor() as cursor:
            indexes = connection.introspection.get_constraints(cursor, ImageTag._meta.db_table)
        assert any(
            info["index"] and info["columns"] == ["key", "value"] for info in indexes.values()
        )


@pytest.mark.django_db
class TestTagPages:
    def test_owner_tags_on_the_detail_page_and_sees_them_in_the_list(self, world, sharer_client):
        image = ImageFactory(owner=world.sharer_de, name="ubuntu-22-web")
        url = reverse("ims:image_tags", args=[image.pk])
        response = sharer_client.post(
            url, {"key": "env", "value": "prod"}, headers=htmx("tags-panel")
        )
        assert response.status_code == 200 and "image-tagged" in response.headers["HX-Trigger"]
        assert 'data-tag="env"' in response.content.decode()
        detail = sharer_client.get(reverse("ims:image_detail", args=[image.pk]))
        assert 'data-tag="env"' in detail.content.decode()
        listing = sharer_client.get(reverse("ims:private_images"))
        assert 'data-tag="env=prod"' in listing.content.decode()
        sharer_client.post(url, {"delete": "env"}, headers=htmx("tags-panel"))
        assert not image.tags.exists()

    def test_the_list_opens_the_tags_dialog(self, world, sharer_client):
        image = ImageFactory(owner=world.sharer_de)
        listing = sharer_client.get(reverse("ims:private_images")).content.decode()
        assert reverse("ims:image_tags", args=[image.pk]) in listing
        dialog = sharer_client.get(
            reverse("ims:image_tags", args=[image.pk]), headers=htmx("dialogs")
        )
        assert '<dialog id="tags-dialog"' in dialog.content.decode()

    def test_invalid_tag_is_shown_on_the_form(self, world, sharer_client):
        image = ImageFactory(owner=world.sharer_de)
        response = sharer_client.post(
            reverse("ims:image_tags", args=[image.pk]),
            {"key": "bad key"},
            headers=htmx("tags-panel"),
        )
        assert "Enter a valid tag key" in response.content.decode()
        assert not image.tags.exists()

    def test_recipient_cannot_open_the_tags_of_a_shared_image(self, world, recipient_client):
        image = ImageFactory(owner=world.sharer_de)
        ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")
        url = reverse("ims:image_tags", args=[image.pk])
        assert recipient_client.get(url).status_code == 404
        assert recipient_client.post(url, {"key": "mine"}).status_code == 404
        assert not image.tags.exists()


def tagged(world, owner, name, **tags):
    image = ImageFactory(owner=owner, name=name)
    for key, value in tags.items():
        ImageTagFactory(image=image, key=key, value=value)
    return image


@pytest.mark.django_db
class TestSearchByTag:
    def names(self, response, key="page"):
        page = response.context[key]
        return sorted((getattr(row, "image", row)).name for row in page)

    def test_private_images_by_key_and_value_with_name_and_type(self, world, sharer_client):
        tagged(world, world.sharer_de, "web-prod", env="prod")
        tagged(world, world.sharer_de, "web-test", env="test")
        tagged(world, world.sharer_de, "db-prod", env="prod", tier="db")
        tagged(world, world.sharer_de, "plain")
        url = reverse("ims:private_images")
        assert self.names(sharer_client.get(url, {"tag_key": "env"})) == [
            "db-prod",
            "web-prod",
            "web-test",
        ]
        assert self.names(sharer_client.get(url, {"tag_key": "env", "tag_value": "prod"})) == [
            "db-prod",
            "web-prod",
        ]
        combined = {"tag_key": "env", "tag_value": "prod", "q": "web", "type": "system"}
        assert self.names(sharer_client.get(url, combined)) == ["web-prod"]
        assert self.names(sharer_client.get(url, combined | {"type": "data"})) == []

    def test_recipients_see_and_search_the_owners_tags(self, world, recipient_client):
        for name, env in (("ubuntu-22-web", "prod"), ("ubuntu-22-dev", "dev")):
            image = tagged(world, world.sharer_de, name, env=env)
            ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")
        url = reverse("ims:shared_images")
        response = recipient_client.get(url, {"tag_key": "env", "tag_value": "prod"})
        assert self.names(response) == ["ubuntu-22-web"]
        assert 'data-tag="env=prod"' in response.content.decode()
        both = recipient_client.get(url, {"tag_key": "env", "q": "dev", "type": "system"})
        assert self.names(both) == ["ubuntu-22-dev"]

    @pytest.mark.parametrize("url_name", ["ims:private_images", "ims:shared_images"])
    def test_constant_queries(
        self, world, sharer_client, recipient_client, url_name, django_assert_max_num_queries
    ):
        client = sharer_client if url_name == "ims:private_images" else recipient_client

        def populate(count):
            for n in range(count):
                image = tagged(world, world.sharer_de, f"img-{n}-{count}", env="prod", n=str(n))
                ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")

        populate(2)
        with django_assert_max_num_queries(60) as few:
            client.get(reverse(url_name), {"tag_key": "env"})
        populate(8)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(reverse(url_name), {"tag_key": "env"})
        assert len(response.context["page"].object_list) == 10
