"""Glance v2 image and member routes: the console's rules through the API (D1–D5, D13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console.audit.models import Message, Trace
from console.iam.models import ApiToken
from ims.models import ImageMember
from tests.api.conftest import Api, error_of
from tests.factories import (
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    ImageTagFactory,
    KeyFactory,
    ProjectFactory,
    UserFactory,
    VaultFactory,
)
from vaults.models import Backup

pytestmark = pytest.mark.django_db


def members_path(image, member=None):
    return f"/v2/images/{image.pk}/members" + (f"/{member.project.project_id}" if member else "")


@pytest.fixture
def image(world):
    return ImageFactory(owner=world.sharer_de, name="web")


@pytest.fixture
def pending(world, image):
    return ImageMemberFactory(image=image, project=world.recipient_de)


class TestShare:
    def test_owner_adds_a_pending_member_with_trace_and_message(self, world, image, sharer_api):
        response = sharer_api.call(
            "post", members_path(image), {"member": world.recipient_de.project_id}
        )
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {
            "created_at",
            "image_id",
            "member_id",
            "schema",
            "status",
            "updated_at",
        }
        assert body["status"] == "pending" and body["member_id"] == world.recipient_de.project_id
        assert ImageMember.objects.get(image=image).status == "pending"
        trace = Trace.objects.get(operation="addMember")
        assert trace.user == world.sharer_user and trace.result == "success"
        assert Message.objects.get(project=world.recipient_de).title.startswith("Sharer Co shared")

    def test_duplicate_member_is_409_and_changes_nothing(self, world, image, pending, sharer_api):
        response = sharer_api.call(
            "post", members_path(image), {"member": world.recipient_de.project_id}
        )
        assert error_of(response) == (409, "IMG.0112")
        assert not Trace.objects.filter(operation="addMember", result="success").exists()

    def test_rejected_member_is_shared_again_as_pending(self, world, image, sharer_api):
        ImageMemberFactory(image=image, project=world.recipient_de, status="rejected")
        response = sharer_api.call(
            "post", members_path(image), {"member": world.recipient_de.project_id}
        )
        assert response.status_code == 200 and response.json()["status"] == "pending"

    @pytest.mark.parametrize(
        ("target", "code"),
        [
            ("sharer_de", "IMG.0076"),
            ("recipient_nl", "IMG.0108"),
            ("unknown", "IMG.0108"),
            ("bad", "IMG.0067"),
        ],
    )
    def test_refused_recipients_name_the_img_code(self, world, image, sharer_api, target, code):
        pid = {"unknown": "f" * 32, "bad": "not-a-project"}.get(target)
        pid = pid or getattr(world, target).project_id
        response = sharer_api.call("post", members_path(image), {"member": pid})
        assert error_of(response) == (400, code)
        assert not ImageMember.objects.exists()
        assert Trace.objects.get(operation="addMember").result == "failed"

    def test_a_member_cannot_share_the_image_on(self, world, image, pending, recipient_api):
        response = recipient_api.call(
            "post", members_path(image), {"member": ProjectFactory(region=world.de).project_id}
        )
        assert error_of(response) == (403, "IMG.0047")
        assert ImageMember.objects.count() == 1

    def test_missing_body_key_is_400(self, image, sharer_api):
        assert error_of(sharer_api.call("post", members_path(image), {"x": 1}))[0] == 400

    def test_malformed_json_is_400(self, image, sharer_api):
        response = sharer_api.client.post(
            f"/api/ims{members_path(image)}",
            data=b"{nope",
            content_type="application/json",
            headers={"X-Auth-Token": sharer_api.token},
        )
        assert error_of(response)[0] == 400

    def test_read_only_user_is_refused(self, world, image):
        viewer = UserFactory(tenant=world.sharer, role="readonly")
        response = Api(viewer, world.sharer_de).call(
            "post", members_path(image), {"member": world.recipient_de.project_id}
        )
        assert error_of(response) == (403, "IMG.0026")
        assert not ImageMember.objects.exists()


class TestSharerRules:
    """D2 through the API: the console's refusals, with the same codes, nothing shared."""

    @pytest.mark.parametrize(
        ("kind", "code"),
        [
            ("iso", "IMG.0046"),
            ("saving", "IMG.0046"),
            ("default_key", "IMG.0098"),
            ("csbs", "IMG.0135"),
        ],
    )
    def test_unshareable_images(self, world, sharer_api, kind, code):
        options = {
            "iso": {"image_type": "iso"},
            "saving": {"status": "saving"},
            "default_key": {"kms_key": KeyFactory(project=world.sharer_de, is_default=True)},
            "csbs": {"image_type": "full_ecs", "full_ecs_source": "csbs"},
        }[kind]
        image = ImageFactory(owner=world.sharer_de, **options)
        response = sharer_api.call(
            "post", members_path(image), {"member": world.recipient_de.project_id}
        )
        assert error_of(response) == (400, code)
        assert not ImageMember.objects.exists()

    def test_public_image_is_not_the_callers_to_share(self, world, sharer_api):
        image = ImageFactory(owner=None, region=world.de)
        response = sharer_api.call(
            "post", members_path(image), {"member": world.recipient_de.project_id}
        )
        assert error_of(response) == (403, "IMG.0089")

    def test_full_ecs_recipient_limit(self, world, sharer_api):
        image = ImageFactory(owner=world.sharer_de, full_ecs=True)
        for _ in range(10):
            ImageMemberFactory(image=image, project=ProjectFactory(region=world.de))
        response = sharer_api.call(
            "post", members_path(image), {"member": world.recipient_de.project_id}
        )
        assert error_of(response)[0] == 400 and "at most 10" in response.json()["error"]["message"]
        assert ImageMember.objects.count() == 10


class TestMembersRead:
    def test_owner_sees_every_member(self, world, image, pending, sharer_api):
        other = ImageMemberFactory(image=image, project=ProjectFactory(region=world.de))
        body = sharer_api.get(members_path(image)).json()
        assert {m["member_id"] for m in body["members"]} == {
            pending.project.project_id,
            other.project.project_id,
        }
        assert body["schema"] == "/v2/schemas/members"

    def test_a_member_sees_only_its_own_row(self, world, image, pending, recipient_api):
        other = ImageMemberFactory(image=image, project=ProjectFactory(region=world.de))
        body = recipient_api.get(members_path(image)).json()
        assert [m["member_id"] for m in body["members"]] == [world.recipient_de.project_id]
        assert error_of(recipient_api.get(members_path(image, other)))[0] == 404
        assert recipient_api.get(members_path(image, pending)).json()["status"] == "pending"


class TestAnswer:
    def test_member_accepts_with_the_console_trace(self, world, image, pending, recipient_api):
        # openstacksdk sends the member ID in the body too: it is ignored.
        response = recipient_api.call(
            "put",
            members_path(image, pending),
            {"member": world.recipient_de.project_id, "status": "accepted"},
        )
        assert response.status_code == 200 and response.json()["status"] == "accepted"
        pending.refresh_from_db()
        assert pending.status == "accepted"
        assert Trace.objects.get(operation="updateMember").detail["status"] == "accepted"

    def test_member_rejects(self, image, pending, recipient_api):
        response = recipient_api.call("put", members_path(image, pending), {"status": "rejected"})
        assert response.json()["status"] == "rejected"

    def test_owner_cannot_answer(self, image, pending, sharer_api):
        response = sharer_api.call("put", members_path(image, pending), {"status": "accepted"})
        assert error_of(response) == (403, "IMG.0026")
        pending.refresh_from_db()
        assert pending.status == "pending"

    @pytest.mark.parametrize("status", ["pending", "maybe", ""])
    def test_bad_status_is_400(self, image, pending, recipient_api, status):
        response = recipient_api.call("put", members_path(image, pending), {"status": status})
        assert error_of(response) == (400, "IMG.0001")
        pending.refresh_from_db()
        assert pending.status == "pending"

    def test_read_only_user_cannot_accept(self, image, pending, readonly_api):
        response = readonly_api.call("put", members_path(image, pending), {"status": "accepted"})
        assert error_of(response) == (403, "IMG.0026")
        pending.refresh_from_db()
        assert pending.status == "pending"

    def test_full_ecs_accept_needs_a_vault_with_room(self, world, recipient_api):
        image = ImageFactory(owner=world.sharer_de, full_ecs=True)
        ImageBackupFactory(image=image, size_gb=40)
        ImageBackupFactory(image=image, role="data", size_gb=60)
        member = ImageMemberFactory(image=image, project=world.recipient_de)
        small = VaultFactory(project=world.recipient_de, capacity_gb=50)
        big = VaultFactory(project=world.recipient_de, capacity_gb=200)
        path = members_path(image, member)
        assert error_of(recipient_api.call("put", path, {"status": "accepted"})) == (
            400,
            "IMG.0184",
        )
        refused = recipient_api.call(
            "put", path, {"status": "accepted", "vault_id": str(small.vault_id)}
        )
        assert error_of(refused) == (400, "IMG.0182")
        assert not Backup.objects.exists()
        foreign = VaultFactory(project=world.sharer_de, capacity_gb=500)
        assert error_of(
            recipient_api.call(
                "put", path, {"status": "accepted", "vault_id": str(foreign.vault_id)}
            )
        ) == (404, "IMG.0184")
        ok = recipient_api.call("put", path, {"status": "accepted", "vault_id": str(big.vault_id)})
        assert ok.json()["status"] == "accepted"
        assert sum(b.size_gb for b in Backup.objects.filter(vault=big)) == 100


class TestStopSharing:
    def test_owner_deletes_the_member(self, image, pending, sharer_api):
        response = sharer_api.call("delete", members_path(image, pending))
        assert response.status_code == 204 and response.content == b""
        assert not ImageMember.objects.exists()
        assert Trace.objects.get(operation="deleteMember").result == "success"

    def test_member_cannot_delete(self, image, pending, recipient_api):
        assert error_of(recipient_api.call("delete", members_path(image, pending))) == (
            403,
            "IMG.0047",
        )
        assert ImageMember.objects.exists()

    def test_unknown_member_is_404(self, world, image, sharer_api):
        path = f"/v2/images/{image.pk}/members/{world.recipient_de.project_id}"
        assert error_of(sharer_api.call("delete", path))[0] == 404


class TestImageList:
    def test_pending_shares_are_listed_only_when_asked(self, world, image, pending, recipient_api):
        default = recipient_api.get("/v2/images").json()["images"]
        assert image.name not in [i["name"] for i in default]
        shown = recipient_api.get("/v2/images?visibility=shared&member_status=pending").json()
        assert [i["name"] for i in shown["images"]] == ["web"]
        assert shown["images"][0]["visibility"] == "shared"
        assert shown["images"][0]["owner"] == world.sharer_de.project_id
        every = recipient_api.get("/v2/images?visibility=shared&member_status=all").json()
        assert len(every["images"]) == 1
        accepted = recipient_api.get("/v2/images?visibility=shared").json()
        assert accepted["images"] == []

    def test_owner_sees_its_shared_image_under_shared(self, image, pending, sharer_api):
        body = sharer_api.get("/v2/images?visibility=shared&member_status=pending").json()
        assert [i["name"] for i in body["images"]] == ["web"]
        assert sharer_api.get("/v2/images?visibility=private").json()["images"] == []

    @pytest.mark.parametrize("query", ["member_status=maybe", "visibility=x", "sort_key=secret"])
    def test_bad_filters_are_400(self, recipient_api, query):
        assert error_of(recipient_api.get(f"/v2/images?{query}"))[0] == 400

    def test_next_only_while_more_pages_follow(self, world, sharer_api):
        for n in range(3):
            ImageFactory(owner=world.sharer_de, name=f"img-{n}")
        first = sharer_api.get("/v2/images?limit=2&sort_key=name&sort_dir=asc").json()
        assert [i["name"] for i in first["images"]] == ["img-0", "img-1"]
        assert first["next"].startswith("/v2/images?") and "marker=" in first["next"]
        second = sharer_api.get(first["next"]).json()
        assert [i["name"] for i in second["images"]] == ["img-2"]
        assert "next" not in second
        marker = "?marker=00000000-0000-0000-0000-000000000000"
        assert error_of(sharer_api.get("/v2/images" + marker))[0] == 400

    def test_list_costs_constant_queries(self, world, sharer_api, django_assert_max_num_queries):
        for n in range(30):
            ImageMemberFactory(image=ImageFactory(owner=world.sharer_de, name=f"i{n}"))
        with django_assert_max_num_queries(6):
            body = sharer_api.get("/v2/images?limit=100").json()
        assert len(body["images"]) == 30


class TestImageDetail:
    def test_member_reads_a_pending_share(self, image, pending, recipient_api):
        assert recipient_api.get(f"/v2/images/{image.pk}").json()["name"] == "web"

    @pytest.mark.parametrize("image_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
    def test_unknown_or_malformed_id_is_404(self, recipient_api, image_id):
        assert error_of(recipient_api.get(f"/v2/images/{image_id}")) == (404, "IMG.0027")


class TestIsolation:
    """Another tenant's image is 404 on every route, whatever it asks."""

    @pytest.mark.parametrize(
        ("method", "suffix", "body"),
        [
            ("get", "", None),
            ("get", "/members", None),
            ("get", "/members/{pid}", None),
            ("post", "/members", {"member": "{pid}"}),
            ("put", "/members/{pid}", {"status": "accepted"}),
            ("delete", "/members/{pid}", None),
        ],
    )
    def test_stranger_gets_404(self, world, image, pending, method, suffix, body):
        stranger = UserFactory(tenant=ProjectFactory(region=world.de).tenant)
        project = stranger.tenant.projects.get()
        pid = world.recipient_de.project_id
        if method == "put":
            pid = project.project_id
        path = f"/v2/images/{image.pk}" + suffix.format(pid=pid)
        if body:
            body = {k: v.format(pid=pid) for k, v in body.items()}
        response = Api(stranger, project).call(method, path, body)
        assert error_of(response) == (404, "IMG.0027")
        pending.refresh_from_db()
        assert pending.status == "pending"


class TestSchemasAndErrors:
    def test_member_schema_is_the_one_glanceclient_validates_with(self, recipient_api):
        body = recipient_api.get("/v2/schemas/member").json()
        assert body["name"] == "member" and "additionalProperties" not in body
        assert body["properties"]["status"]["enum"] == ["pending", "accepted", "rejected"]
        assert recipient_api.get("/v2/schemas/images").json()["name"] == "images"
        assert error_of(recipient_api.get("/v2/schemas/nothing"))[0] == 400

    def test_version_documents_need_no_token(self, client):
        for path in ("/api/ims", "/api/ims/", "/api/ims/versions"):
            body = client.get(path).json()
            assert body["versions"][0]["id"].startswith("v2")

    @pytest.mark.parametrize(
        "headers", [{}, {"X-Auth-Token": "nope"}, {"Authorization": "Basic eDp5"}]
    )
    def test_no_or_bad_credentials_are_401(self, client, headers):
        response = client.get("/api/ims/v2/images", headers=headers)
        assert error_of(response)[0] == 401

    def test_expired_and_revoked_tokens_are_401(self, recipient_api):
        ApiToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
        assert error_of(recipient_api.get("/v2/images")) == (401, "IAM.0003")
        ApiToken.objects.update(expires=timezone.now() + timedelta(hours=1), revoked=True)
        assert error_of(recipient_api.get("/v2/images")) == (401, "IAM.0003")

    def test_a_console_session_is_not_an_api_credential(self, recipient_client):
        assert error_of(recipient_client.get("/api/ims/v2/images"))[0] == 401

    def test_unknown_route_and_wrong_method_are_json(self, recipient_api):
        assert error_of(recipient_api.get("/v2/nothing"))[0] == 404
        assert error_of(recipient_api.call("patch", "/v2/images"))[0] == 405
        assert error_of(recipient_api.get("/nothing-at-all"))[0] == 404
        assert error_of(recipient_api.call("post", "", {}))[0] in (403, 405)


class TestTags:
    def test_the_owners_tags_are_glance_tags_for_owner_and_recipient(
        self, world, image, sharer_api, recipient_api
    ):
        ImageTagFactory(image=image, key="env", value="prod")
        ImageTagFactory(image=image, key="team", value="")
        ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")
        expected = ["env.prod", "team"]
        assert sharer_api.call("get", f"/v2/images/{image.pk}").json()["tags"] == expected
        assert recipient_api.call("get", f"/v2/images/{image.pk}").json()["tags"] == expected
        listed = recipient_api.call("get", "/v2/images?visibility=shared").json()["images"]
        assert [doc["tags"] for doc in listed] == [expected]

    def test_listing_tags_costs_the_same_queries_for_more_images(self, world, sharer_api):
        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert sharer_api.call("get", "/v2/images").status_code == 200
            return len(captured.captured_queries)

        ImageTagFactory(image=ImageFactory(owner=world.sharer_de), key="a", value="1")
        few = queries()
        for n in range(5):
            ImageTagFactory(image=ImageFactory(owner=world.sharer_de), key=f"k{n}", value="v")
        assert queries() == few
