"""PATCH /v2/images/{id}: Glance's JSON patch (both media types), its refusals and statuses
(glance/api/v2/images.py RequestDeserializer.update, ImagesController.update), with the
Modify Image rules of IMS for names, descriptions and memory."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from console.audit.models import Trace
from ims.models import Image, ImageTag
from tests.api.conftest import Api, error_of
from tests.factories import ImageFactory, ImageMemberFactory, ImageTagFactory

pytestmark = pytest.mark.django_db

V21 = "application/openstack-images-v2.1-json-patch"
V20 = "application/openstack-images-v2.0-json-patch"


def patch(api: Api, image_id, ops, media=V21):
    return api.client.patch(
        f"/api/ims/v2/images/{image_id}",
        data=json.dumps(ops),
        content_type=media,
        headers={"X-Auth-Token": api.token},
    )


@pytest.fixture
def image(world):
    return ImageFactory(
        owner=world.sharer_de, name="web", properties={"hw_disk_bus": "virtio"}, min_ram=0
    )


class TestChanges:
    def test_add_replace_remove_in_one_patch(self, sharer_api, image):
        response = patch(
            sharer_api,
            image.pk,
            [
                {"op": "replace", "path": "/name", "value": "web-2"},
                {"op": "replace", "path": "/protected", "value": True},
                {"op": "add", "path": "/os_hidden", "value": True},
                {"op": "replace", "path": "/min_disk", "value": 50},
                {"op": "replace", "path": "/min_ram", "value": 2048},
                {"op": "replace", "path": "/visibility", "value": "shared"},
                {"op": "add", "path": "/hw_qemu_guest_agent", "value": "yes"},
                {"op": "replace", "path": "/hw_disk_bus", "value": "scsi"},
                {"op": "add", "path": "/tags", "value": ["env.prod", "web"]},
                {"op": "replace", "path": "/__description", "value": "Web tier"},
            ],
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["name"], body["protected"], body["os_hidden"]) == ("web-2", True, True)
        assert (body["min_disk"], body["min_ram"], body["visibility"]) == (50, 2048, "shared")
        assert body["hw_qemu_guest_agent"] == "yes" and body["hw_disk_bus"] == "scsi"
        assert sorted(body["tags"]) == ["env.prod", "web"]
        row = Image.objects.get(pk=image.pk)
        assert row.description == "Web tier"
        assert row.properties == {"hw_disk_bus": "scsi", "hw_qemu_guest_agent": "yes"}
        assert body == sharer_api.get(f"/v2/images/{image.pk}").json()
        trace = Trace.objects.get(operation="updateImage")
        assert trace.result == "success"
        assert trace.detail["changed"]["name"] == ["web", "web-2"]

    def test_remove_a_property_and_replace_tags(self, sharer_api, image):
        ImageTagFactory(image=image, key="old")
        response = patch(
            sharer_api,
            image.pk,
            [
                {"op": "remove", "path": "/hw_disk_bus"},
                {"op": "replace", "path": "/tags", "value": ["new.1"]},
            ],
        )
        assert response.status_code == 200, response.content
        assert Image.objects.get(pk=image.pk).properties == {}
        assert list(ImageTag.objects.values_list("key", "value")) == [("new", "1")]

    def test_add_on_a_present_property_replaces_it_in_draft_10_only(self, sharer_api, image):
        ops = [{"op": "add", "path": "/hw_disk_bus", "value": "ide"}]
        assert patch(sharer_api, image.pk, ops).json()["hw_disk_bus"] == "ide"
        old = [{"add": "/hw_disk_bus", "value": "sata"}]
        assert error_of(patch(sharer_api, image.pk, old, media=V20))[0] == 409
        new = [{"add": "/hw_rng_model", "value": "virtio"}, {"remove": "/hw_disk_bus"}]
        body = patch(sharer_api, image.pk, new, media=V20).json()
        assert body["hw_rng_model"] == "virtio" and "hw_disk_bus" not in body

    def test_formats_change_while_queued_only(self, sharer_api, image):
        queued = sharer_api.call("post", "/v2/images", {"name": "q"}).json()
        ops = [
            {"op": "replace", "path": "/disk_format", "value": "qcow2"},
            {"op": "replace", "path": "/container_format", "value": "ovf"},
        ]
        body = patch(sharer_api, queued["id"], ops).json()
        assert (body["disk_format"], body["container_format"]) == ("qcow2", "ovf")
        assert error_of(patch(sharer_api, image.pk, ops[:1]))[0] == 403
        assert Image.objects.get(pk=image.pk).disk_format == image.disk_format

    def test_an_empty_patch_changes_nothing(self, sharer_api, image):
        response = patch(sharer_api, image.pk, [])
        assert response.status_code == 200 and response.json()["name"] == "web"


class TestRefusals:
    @pytest.mark.parametrize(
        ("ops", "status"),
        [
            # Read-only and reserved attributes, as Glance refuses them.
            ([{"op": "replace", "path": "/id", "value": "x"}], 403),
            ([{"op": "replace", "path": "/status", "value": "active"}], 403),
            ([{"op": "replace", "path": "/checksum", "value": "x"}], 403),
            ([{"op": "replace", "path": "/size", "value": 1}], 403),
            ([{"op": "remove", "path": "/created_at"}], 403),
            ([{"op": "add", "path": "/os_hash_value", "value": "x"}], 403),
            ([{"op": "add", "path": "/deleted", "value": "x"}], 403),
            ([{"op": "add", "path": "/os_glance_import_task", "value": "x"}], 403),
            ([{"op": "add", "path": "/locations/-", "value": {"url": "x"}}], 403),
            ([{"op": "add", "path": "/__imagetype", "value": "gold"}], 403),
            ([{"op": "replace", "path": "/owner", "value": "f" * 32}], 403),
            ([{"op": "replace", "path": "/visibility", "value": "public"}], 403),
            ([{"op": "remove", "path": "/name"}], 403),
            ([{"op": "remove", "path": "/tags"}], 403),
            # Bad paths, operations and values.
            ([{"op": "move", "path": "/name", "value": "x"}], 400),
            ([{"path": "/name", "value": "x"}], 400),
            ([{"op": "replace", "value": "x"}], 400),
            ([{"op": "replace", "path": "name", "value": "x"}], 400),
            ([{"op": "replace", "path": "/name/x", "value": "x"}], 400),
            ([{"op": "replace", "path": "//name", "value": "x"}], 400),
            ([{"op": "replace", "path": "/na~2me", "value": "x"}], 400),
            ([{"op": "replace", "path": "/name"}], 400),
            (["replace"], 400),
            ({"op": "replace"}, 400),
            ([{"op": "replace", "path": "/visibility", "value": "secret"}], 400),
            ([{"op": "replace", "path": "/protected", "value": "yes"}], 400),
            ([{"op": "replace", "path": "/min_disk", "value": "10"}], 400),
            ([{"op": "add", "path": "/hw_cpu_cores", "value": 4}], 400),
            ([{"op": "replace", "path": "/tags", "value": "web"}], 400),
            ([{"op": "replace", "path": "/tags", "value": ["a b"]}], 400),
            # Modify Image's rules: the name, description and memory of an image.
            ([{"op": "replace", "path": "/name", "value": "bad/name"}], 400),
            ([{"op": "replace", "path": "/name", "value": "x" * 129}], 400),
            ([{"op": "replace", "path": "/__description", "value": "<b>"}], 400),
            ([{"op": "replace", "path": "/min_ram", "value": 512}], 400),
            # Custom properties that are not there.
            ([{"op": "replace", "path": "/hw_missing", "value": "x"}], 409),
            ([{"op": "remove", "path": "/hw_missing"}], 409),
        ],
    )
    def test_refused_and_nothing_changes(self, sharer_api, image, ops, status):
        # A valid change first: a refusal anywhere leaves it unapplied too.
        ops = (
            [{"op": "replace", "path": "/name", "value": "renamed"}, *ops]
            if isinstance(ops, list)
            else ops
        )
        assert error_of(patch(sharer_api, image.pk, ops))[0] == status
        row = Image.objects.get(pk=image.pk)
        assert (row.name, row.properties) == ("web", {"hw_disk_bus": "virtio"})

    def test_the_memory_rule_is_modify_images(self, sharer_api, world):
        data = ImageFactory(owner=world.sharer_de, image_type=Image.ImageType.DATA)
        ops = [{"op": "replace", "path": "/min_ram", "value": 1024}]
        assert error_of(patch(sharer_api, data.pk, ops)) == (400, "IMG.0055")

    def test_a_wrong_media_type_is_415_with_accept_patch(self, sharer_api, image):
        ops = [{"op": "replace", "path": "/name", "value": "x"}]
        for media in ("application/json", "application/json-patch+json"):
            response = patch(sharer_api, image.pk, ops, media=media)
            assert error_of(response)[0] == 415
            assert response["Accept-Patch"] == f"{V20}, {V21}"

    def test_too_many_properties_is_413(self, sharer_api, image):
        ops = [{"op": "add", "path": f"/p{i}", "value": "v"} for i in range(128)]
        assert error_of(patch(sharer_api, image.pk, ops))[0] == 413

    def test_a_member_may_not_patch_and_a_stranger_sees_nothing(
        self, recipient_api, sharer_api, world
    ):
        shared = ImageFactory(owner=world.sharer_de, name="shared")
        ImageMemberFactory(image=shared, project=world.recipient_de, status="accepted")
        ops = [{"op": "replace", "path": "/name", "value": "mine"}]
        assert error_of(patch(recipient_api, shared.pk, ops)) == (403, "IMG.0047")
        hidden = ImageFactory(owner=world.sharer_de, name="hidden")
        assert error_of(patch(recipient_api, hidden.pk, ops)) == (404, "IMG.0027")
        assert set(Image.objects.values_list("name", flat=True)) == {"shared", "hidden"}

    def test_a_read_only_user_is_refused(self, readonly_api, world):
        own = ImageFactory(owner=world.recipient_de, name="own")
        ops = [{"op": "replace", "path": "/name", "value": "x"}]
        assert error_of(patch(readonly_api, own.pk, ops)) == (403, "IMG.0026")

    def test_a_public_image_is_the_platforms(self, sharer_api, world):
        public = ImageFactory(owner=None, region=world.sharer_de.region)
        ops = [{"op": "replace", "path": "/name", "value": "x"}]
        assert error_of(patch(sharer_api, public.pk, ops))[0] == 403

    def test_a_constant_number_of_queries(self, sharer_api, image):
        counts = []
        for size in (2, 50):
            ops = [{"op": "add", "path": f"/p{i}", "value": "v"} for i in range(size)]
            tags = [f"t{i}.{size}" for i in range(min(size, 10))]
            ops.append({"op": "replace", "path": "/tags", "value": tags})
            with CaptureQueriesContext(connection) as queries:
                assert patch(sharer_api, image.pk, ops).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1], counts
