"""The Glance v2 image lifecycle over HTTP: create, read, delete, actions and tags, with
Glance's refusals and statuses (glance/api/v2/images.py)."""

from __future__ import annotations

import pytest

from console.audit.models import Trace
from ims.models import Image, ImageQuota
from tests.api.conftest import Api, error_of
from tests.factories import ImageFactory, ImageMemberFactory, ImageTagFactory

pytestmark = pytest.mark.django_db


def create(api: Api, **body):
    return api.call("post", "/v2/images", body)


class TestCreate:
    def test_a_queued_image_with_glance_attributes_tags_and_properties(self, sharer_api, world):
        response = create(
            sharer_api,
            name="cirros",
            disk_format="qcow2",
            container_format="bare",
            min_disk=10,
            min_ram=1024,
            protected=True,
            visibility="shared",
            tags=["web", "env.prod"],
            hw_disk_bus="virtio",
            __os_version="Ubuntu 22.04 server 64bit",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert response["Location"] == f"/v2/images/{body['id']}"
        assert body["status"] == "queued" and body["size"] is None and body["checksum"] is None
        assert body["owner"] == world.sharer_de.project_id and body["visibility"] == "shared"
        assert (body["min_disk"], body["min_ram"], body["protected"]) == (10, 1024, True)
        assert (body["disk_format"], body["container_format"]) == ("qcow2", "bare")
        assert sorted(body["tags"]) == ["env.prod", "web"] and body["hw_disk_bus"] == "virtio"
        assert body["__os_version"] == "Ubuntu 22.04 server 64bit" and body["__os_type"] == "Linux"
        image = Image.objects.get(pk=body["id"])
        assert image.owner == world.sharer_de and image.properties == {"hw_disk_bus": "virtio"}
        assert Trace.objects.get(operation="createImage").result == "success"
        assert sharer_api.get(f"/v2/images/{body['id']}").json() == body

    def test_defaults_as_ims_documents_them(self, sharer_api):
        body = create(sharer_api).json()
        assert body["visibility"] == "private" and body["name"] is None
        assert body["container_format"] == "bare" and body["protected"] is False
        assert body["__os_version"] == "Other Linux(64 bit)"

    def test_a_chosen_id_is_kept_and_a_second_use_is_409(self, sharer_api):
        wanted = "0ae74cc5-5147-4239-9ce2-b0c580f7067e"
        assert create(sharer_api, id=wanted).json()["id"] == wanted
        assert error_of(create(sharer_api, id=wanted)) == (409, "IMG.0001")

    @pytest.mark.parametrize(
        ("body", "status"),
        [
            ({"status": "active"}, 403),
            ({"checksum": "x"}, 403),
            ({"self": "/x"}, 403),
            ({"locations": []}, 403),
            ({"deleted": "true"}, 403),
            ({"os_glance_import_task": "x"}, 403),
            ({"__imagetype": "gold"}, 403),
            ({"visibility": "public"}, 403),
            ({"owner": "f" * 32}, 403),
            ({"visibility": "secret"}, 400),
            ({"disk_format": "floppy"}, 400),
            ({"min_disk": 0}, 400),
            ({"min_ram": -1}, 400),
            ({"name": "bad/name"}, 400),
            ({"tags": ["a b"]}, 400),
            ({"hw_cpu_cores": 4}, 400),
            ({"id": "not-a-uuid"}, 400),
        ],
    )
    def test_refusals_leave_nothing(self, sharer_api, body, status):
        assert error_of(create(sharer_api, **body))[0] == status
        assert not Image.objects.exists()

    def test_the_private_image_quota_holds(self, sharer_api, world):
        ImageQuota.objects.create(project=world.sharer_de, images=1)
        ImageFactory(owner=world.sharer_de)
        assert error_of(create(sharer_api, name="more"))[0] == 400
        assert Image.objects.count() == 1

    def test_a_read_only_user_is_refused(self, readonly_api):
        assert error_of(create(readonly_api, name="x")) == (403, "IMG.0026")


class TestReadAndDelete:
    def test_another_tenants_image_is_404_to_read_and_delete(self, recipient_api, world):
        theirs = ImageFactory(owner=world.sharer_de, visibility="private")
        for method in ("get", "delete"):
            assert error_of(recipient_api.call(method, f"/v2/images/{theirs.pk}")) == (
                404,
                "IMG.0027",
            )
        assert Image.objects.filter(pk=theirs.pk).exists()

    def test_a_community_image_is_visible_but_not_deletable(self, recipient_api, world):
        theirs = ImageFactory(owner=world.sharer_de, visibility="community")
        assert recipient_api.get(f"/v2/images/{theirs.pk}").json()["visibility"] == "community"
        assert error_of(recipient_api.call("delete", f"/v2/images/{theirs.pk}"))[0] == 403

    def test_a_member_cannot_delete(self, recipient_api, world):
        shared = ImageFactory(owner=world.sharer_de)
        ImageMemberFactory(image=shared, project=world.recipient_de, status="accepted")
        assert error_of(recipient_api.call("delete", f"/v2/images/{shared.pk}"))[0] == 403

    def test_owner_deletes_but_not_a_protected_image(self, sharer_api, world):
        image = ImageFactory(owner=world.sharer_de, protected=True)
        assert error_of(sharer_api.call("delete", f"/v2/images/{image.pk}"))[0] == 403
        Image.objects.filter(pk=image.pk).update(protected=False)
        response = sharer_api.call("delete", f"/v2/images/{image.pk}")
        assert response.status_code == 204 and not Image.objects.exists()
        assert error_of(sharer_api.get(f"/v2/images/{image.pk}"))[0] == 404


class TestActionsAndTags:
    def test_deactivate_and_reactivate(self, sharer_api, world):
        image = ImageFactory(owner=world.sharer_de)
        path = f"/v2/images/{image.pk}/actions/"
        assert sharer_api.call("post", path + "deactivate").status_code == 204
        assert sharer_api.call("post", path + "deactivate").status_code == 204
        assert sharer_api.get(f"/v2/images/{image.pk}").json()["status"] == "deactivated"
        assert sharer_api.call("post", path + "reactivate").status_code == 204
        assert Image.objects.get(pk=image.pk).status == "active"

    def test_deactivating_a_queued_image_is_409(self, sharer_api):
        body = create(sharer_api, name="q").json()
        response = sharer_api.call("post", f"/v2/images/{body['id']}/actions/deactivate")
        assert error_of(response) == (409, "IMG.0046")

    def test_a_member_cannot_deactivate(self, recipient_api, world):
        shared = ImageFactory(owner=world.sharer_de)
        ImageMemberFactory(image=shared, project=world.recipient_de, status="accepted")
        response = recipient_api.call("post", f"/v2/images/{shared.pk}/actions/deactivate")
        assert error_of(response)[0] == 403
        assert Image.objects.get(pk=shared.pk).status == "active"

    def test_tags_add_and_delete(self, sharer_api, world):
        image = ImageFactory(owner=world.sharer_de)
        ImageTagFactory(image=image, key="env", value="dev")
        path = f"/v2/images/{image.pk}/tags/"
        assert sharer_api.call("put", path + "env.prod").status_code == 204
        assert sharer_api.call("put", path + "web").status_code == 204
        assert sorted(sharer_api.get(f"/v2/images/{image.pk}").json()["tags"]) == [
            "env.prod",
            "web",
        ]
        assert sharer_api.call("delete", path + "web").status_code == 204
        assert error_of(sharer_api.call("delete", path + "web"))[0] == 404
        assert error_of(sharer_api.call("put", path + "a%20b"))[0] == 400


# An upload keeps its file once its transaction commits.
@pytest.mark.django_db(transaction=True)
class TestData:
    def upload(self, api, image_id, data, **headers):
        return api.client.put(
            f"/api/ims/v2/images/{image_id}/file",
            data=data,
            content_type="application/octet-stream",
            headers={"X-Auth-Token": api.token, **headers},
        )

    def test_upload_then_download_whole_and_ranged(self, sharer_api, recipient_api, world):
        import hashlib

        data = bytes(range(256)) * 4096
        body = create(sharer_api, name="disk", disk_format="qcow2").json()
        response = self.upload(sharer_api, body["id"], data)
        assert response.status_code == 204, response.content
        shown = sharer_api.get(f"/v2/images/{body['id']}").json()
        assert shown["status"] == "active" and shown["size"] == len(data)
        assert shown["checksum"] == hashlib.md5(data).hexdigest()
        assert shown["os_hash_algo"] == "sha512"
        assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()
        got = sharer_api.get(f"/v2/images/{body['id']}/file")
        assert got.status_code == 200 and b"".join(got.streaming_content) == data
        assert got["Content-MD5"] == shown["checksum"]
        part = sharer_api.get(f"/v2/images/{body['id']}/file", Range="bytes=10-19")
        assert part.status_code == 206 and b"".join(part.streaming_content) == data[10:20]
        assert error_of(self.upload(sharer_api, body["id"], b"again")) == (409, "IMG.0046")
        assert error_of(recipient_api.get(f"/v2/images/{body['id']}/file"))[0] == 404

    def test_no_data_is_204_and_a_deactivated_image_is_403(self, sharer_api, world):
        body = create(sharer_api, name="empty").json()
        assert sharer_api.get(f"/v2/images/{body['id']}/file").status_code == 204
        self.upload(sharer_api, body["id"], b"data")
        sharer_api.call("post", f"/v2/images/{body['id']}/actions/deactivate")
        assert error_of(sharer_api.get(f"/v2/images/{body['id']}/file"))[0] == 403

    def test_over_the_cap_is_413_and_the_image_stays_queued(self, sharer_api, settings, tmp_path):
        settings.IMAGE_FILE_MAX_BYTES = 10
        body = create(sharer_api, name="big").json()
        assert error_of(self.upload(sharer_api, body["id"], b"x" * 11)) == (413, "IMG.0059")
        assert Image.objects.get(pk=body["id"]).status == "queued"
        assert not any((tmp_path / "image-store").rglob("*.*"))

    def test_only_the_owner_uploads(self, sharer_api, recipient_api, world):
        body = create(sharer_api, name="mine", visibility="community").json()
        assert error_of(self.upload(recipient_api, body["id"], b"x"))[0] == 403
        assert Image.objects.get(pk=body["id"]).status == "queued"
