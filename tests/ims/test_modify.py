"""Modify Image: an own Normal image's name, description and memory limits (U19, A7)."""

import re

import pytest
from django.urls import reverse

from console.audit.models import Trace
from console.errors import ImsError, RoleRefused
from ims.models import Image
from ims.services import image_modify, image_replicate
from tests.conftest import htmx
from tests.factories import ImageFactory

pytestmark = pytest.mark.django_db


def modify(world, image, user=None, **changes):
    args = {
        "actor": user or world.sharer_user,
        "project": world.sharer_de,
        "image": image,
        "name": image.name,
        "description": image.description,
        "min_ram": image.min_ram,
        "max_ram": image.max_ram,
    } | changes
    return image_modify(**args)


def refused_code(world, image, **changes) -> str:
    with pytest.raises(ImsError) as refused:
        modify(world, image, **changes)
    return refused.value.code


def url(image):
    return reverse("ims:image_modify", args=[image.pk])


class TestImageModify:
    def test_changes_name_description_and_memory_and_leaves_a_trace(self, world):
        image = ImageFactory(owner=world.sharer_de, name="web", description="old")
        modify(world, image, name="web 2.0", description="new", min_ram=2048, max_ram=32768)
        image.refresh_from_db()
        assert (image.name, image.description, image.min_ram, image.max_ram) == (
            "web 2.0",
            "new",
            2048,
            32768,
        )
        trace = Trace.objects.get(operation="updateImage")
        assert trace.result == Trace.Result.SUCCESS
        assert trace.detail["changed"]["name"] == ["web", "web 2.0"]

    @pytest.mark.parametrize(
        ("changes", "code"),
        [
            ({"name": ""}, "IMG.0013"),
            ({"name": "x" * 129}, "IMG.0002"),
            ({"name": " leading"}, "IMG.0003"),
            ({"name": "bad/name"}, "IMG.0003"),
            ({"description": "d" * 1025}, "IMG.0004"),
            ({"description": "a <b> c"}, "IMG.0054"),
            ({"description": "two\nlines"}, "IMG.0054"),
            ({"min_ram": 3072}, "IMG.0055"),
            ({"max_ram": 8192}, "IMG.0055"),
            ({"min_ram": 64 * 1024, "max_ram": 32 * 1024}, "IMG.0055"),
        ],
    )
    def test_documented_rules_refuse_with_their_codes_and_change_nothing(
        self, world, changes, code
    ):
        image = ImageFactory(owner=world.sharer_de, name="keep", description="kept")
        assert refused_code(world, image, **changes) == code
        image.refresh_from_db()
        assert (image.name, image.description, image.min_ram, image.max_ram) == (
            "keep",
            "kept",
            0,
            0,
        )
        assert Trace.objects.get(operation="updateImage").result == Trace.Result.FAILED

    def test_limits_at_the_edges_are_accepted(self, world):
        image = ImageFactory(owner=world.sharer_de)
        modify(world, image, name="n" * 128, description="d" * 1024, min_ram=128 * 1024)
        image.refresh_from_db()
        assert len(image.name) == 128 and image.min_ram == 128 * 1024 and image.max_ram == 0

    def test_only_images_in_normal_status(self, world):
        image = ImageFactory(owner=world.sharer_de, status=Image.Status.SAVING)
        assert refused_code(world, image, name="other") == "IMG.0046"

    def test_only_the_owner(self, world):
        image = ImageFactory(owner=world.recipient_de)
        assert refused_code(world, image, name="mine now") == "IMG.0047"

    def test_a_data_disk_image_has_no_memory_limits(self, world):
        image = ImageFactory(owner=world.sharer_de, image_type=Image.ImageType.DATA)
        assert refused_code(world, image, min_ram=1024) == "IMG.0055"
        modify(world, image, name="renamed-data")
        image.refresh_from_db()
        assert image.name == "renamed-data"

    def test_a_readonly_user_is_refused(self, world):
        image = ImageFactory(owner=world.recipient_de, name="ro")
        with pytest.raises(RoleRefused):
            image_modify(
                actor=world.readonly_user,
                project=world.recipient_de,
                image=image,
                name="changed",
            )
        image.refresh_from_db()
        assert image.name == "ro"

    def test_replicate_asks_the_same_name_rule(self, world):
        image = ImageFactory(owner=world.sharer_de)
        with pytest.raises(ImsError) as refused:
            image_replicate(
                actor=world.sharer_user, project=world.sharer_de, image=image, name="bad/name"
            )
        assert refused.value.code == "IMG.0003"


class TestModifyDialog:
    def test_the_row_action_opens_the_dialog_with_the_documented_choices(
        self, world, sharer_client
    ):
        image = ImageFactory(owner=world.sharer_de, name="web", min_ram=4096)
        page = sharer_client.get(reverse("ims:private_images")).content.decode()
        assert url(image) in page
        response = sharer_client.get(url(image), headers=htmx())
        body = response.content.decode()
        assert response.status_code == 200
        assert 'id="image-modify-dialog"' in body and 'value="web"' in body
        for label in ["Unlimited", "1 GB", "128 GB"]:
            assert label in body
        assert re.search(r'name="min_ram" value="4096"[^>]* checked', body)
        assert "set back to the original size before you reinstall" in body

    def test_saving_closes_the_dialog_and_reloads_the_list(self, world, sharer_client):
        image = ImageFactory(owner=world.sharer_de, name="web")
        response = sharer_client.post(
            url(image),
            {"name": "web-2", "description": "", "min_ram": "1024", "max_ram": "0"},
            headers=htmx("image-modify-panel")
            | {"HX-Current-URL": "http://testserver/ims/private/"},
        )
        assert response.status_code == 200
        assert "image-modified" in response["HX-Trigger"]
        image.refresh_from_db()
        assert (image.name, image.min_ram) == ("web-2", 1024)

    def test_from_the_detail_page_the_page_reloads_with_the_new_values(self, world, sharer_client):
        image = ImageFactory(owner=world.sharer_de, name="web")
        detail = reverse("ims:image_detail", args=[image.pk])
        response = sharer_client.post(
            url(image),
            {"name": "web-3", "min_ram": "0", "max_ram": "4096"},
            headers=htmx("image-modify-panel") | {"HX-Current-URL": f"http://testserver{detail}"},
        )
        assert response["HX-Refresh"] == "true"
        page = sharer_client.get(detail).content.decode()
        assert "web-3" in page and "4 GB" in page

    def test_a_bad_value_comes_back_on_its_field_with_its_code(self, world, sharer_client):
        image = ImageFactory(owner=world.sharer_de, name="web")
        response = sharer_client.post(
            url(image),
            {"name": "web", "min_ram": "65536", "max_ram": "4096"},
            headers=htmx("image-modify-panel"),
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "IMG.0055" in body and 'id="image-modify-panel"' in body
        image.refresh_from_db()
        assert image.min_ram == 0

    def test_an_image_not_normal_shows_why_and_offers_no_ok(self, world, sharer_client):
        image = ImageFactory(owner=world.sharer_de, status=Image.Status.ERROR)
        body = sharer_client.get(url(image)).content.decode()
        assert "IMG.0046" in body and ">OK<" not in body
        response = sharer_client.post(url(image), {"name": "x"})
        assert response.status_code == 200
        image.refresh_from_db()
        assert image.name != "x"

    def test_another_tenants_image_is_404(self, world, recipient_client):
        image = ImageFactory(owner=world.sharer_de)
        assert recipient_client.get(url(image)).status_code == 404
        assert recipient_client.post(url(image), {"name": "taken"}).status_code == 404

    def test_the_dialog_speaks_chinese(self, world, sharer_client):
        image = ImageFactory(owner=world.sharer_de)
        sharer_client.cookies["django_language"] = "zh-hans"
        body = sharer_client.get(url(image)).content.decode()
        assert "修改镜像" in body and "不限" in body
