"""IMS native routes: cloudimages, batch member jobs (on the task queue), v1 members, quota."""

from __future__ import annotations

import time

import pytest

from console.audit.models import Trace
from ims.models import ImageMember, Job
from tests.api.conftest import Api, error_of
from tests.factories import (
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    ImageQuotaFactory,
    ProjectFactory,
    VaultFactory,
)
from tests.workers import Worker
from vaults.models import Backup

pytestmark = pytest.mark.django_db
MEMBERS = "/v1/cloudimages/members"


def job_of(api, response):
    assert response.status_code == 200, response.content
    job_id = response.json()["job_id"]
    doc = api.get(f"/v1/{api.project.project_id}/jobs/{job_id}").json()
    assert doc == api.get(f"/v1/cloudimages/job/{job_id}").json()
    return doc


@pytest.fixture
def images(world):
    return [ImageFactory(owner=world.sharer_de, name=f"img-{n}") for n in range(2)]


class TestBatchAdd:
    def test_shares_every_image_with_every_project(self, world, images, sharer_api):
        other = ProjectFactory(region=world.de)
        body = {
            "images": [str(i.pk) for i in images],
            "projects": [world.recipient_de.project_id, other.project_id],
        }
        doc = job_of(sharer_api, sharer_api.call("post", MEMBERS, body))
        assert doc["status"] == "SUCCESS" and doc["job_type"] == "imsAddImageMembersJob"
        assert doc["error_code"] is None and doc["begin_time"] and doc["end_time"]
        assert len(doc["entities"]["results"]) == 4
        assert ImageMember.objects.filter(status="pending").count() == 4
        assert Trace.objects.filter(operation="addMember", result="success").count() == 4

    def test_one_bad_project_fails_the_whole_job(self, world, images, sharer_api):
        body = {
            "images": [str(i.pk) for i in images],
            "projects": [world.recipient_de.project_id, world.recipient_nl.project_id],
        }
        doc = job_of(sharer_api, sharer_api.call("post", MEMBERS, body))
        assert (doc["status"], doc["error_code"]) == ("FAIL", "IMG.0108")
        assert world.recipient_nl.project_id in doc["fail_reason"]
        assert not ImageMember.objects.exists()

    def test_another_tenants_image_fails_and_changes_nothing(self, world, recipient_api, images):
        body = {
            "images": [str(images[0].pk)],
            "projects": [ProjectFactory(region=world.de).project_id],
        }
        doc = job_of(recipient_api, recipient_api.call("post", MEMBERS, body))
        assert (doc["status"], doc["error_code"]) == ("FAIL", "IMG.0027")
        assert not ImageMember.objects.exists()

    @pytest.mark.parametrize(
        "body",
        [
            {"images": ["nope"], "projects": ["a" * 32]},
            {"images": [], "projects": ["a" * 32]},
            {"projects": ["a" * 32]},
            {"images": ["00000000-0000-0000-0000-000000000000"], "projects": [" "]},
        ],
    )
    def test_malformed_requests_are_400_without_a_job(self, sharer_api, body):
        assert error_of(sharer_api.call("post", MEMBERS, body))[0] == 400
        assert not Job.objects.exists()


class TestBatchUpdate:
    def test_accept_full_ecs_into_a_vault_and_fail_on_a_small_one(self, world, recipient_api):
        image = ImageFactory(owner=world.sharer_de, full_ecs=True)
        ImageBackupFactory(image=image, size_gb=40)
        ImageBackupFactory(image=image, role="data", size_gb=60)
        plain = ImageFactory(owner=world.sharer_de)
        for i in (image, plain):
            ImageMemberFactory(image=i, project=world.recipient_de)
        small = VaultFactory(project=world.recipient_de, capacity_gb=50)
        big = VaultFactory(project=world.recipient_de, capacity_gb=200)
        body = {
            "images": [str(image.pk), str(plain.pk)],
            "project_id": world.recipient_de.project_id,
            "status": "accepted",
            "vault_id": str(small.vault_id),
        }
        failed = job_of(recipient_api, recipient_api.call("put", MEMBERS, body))
        assert (failed["status"], failed["error_code"]) == ("FAIL", "IMG.0182")
        assert "Insufficient vault capacity" in failed["fail_reason"]
        assert set(ImageMember.objects.values_list("status", flat=True)) == {"pending"}
        assert not Backup.objects.exists()
        assert Trace.objects.get(operation="updateMember").result == "failed"
        body["vault_id"] = str(big.vault_id)
        done = job_of(recipient_api, recipient_api.call("put", MEMBERS, body))
        assert done["status"] == "SUCCESS" and done["job_type"] == "imsUpdateImageMembersJob"
        assert set(ImageMember.objects.values_list("status", flat=True)) == {"accepted"}
        assert Backup.objects.filter(vault=big).count() == 2

    def test_reject(self, world, recipient_api):
        member = ImageMemberFactory(
            image=ImageFactory(owner=world.sharer_de), project=world.recipient_de
        )
        body = {
            "images": [str(member.image_id)],
            "project_id": world.recipient_de.project_id,
            "status": "rejected",
        }
        assert (
            job_of(recipient_api, recipient_api.call("put", MEMBERS, body))["status"] == "SUCCESS"
        )
        member.refresh_from_db()
        assert member.status == "rejected"

    @pytest.mark.parametrize(
        ("change", "code"),
        [
            ({"status": "pending"}, "IMG.0001"),
            ({"project_id": "f" * 32}, "IMG.0067"),
            ({"vault_id": "x"}, "IMG.0184"),
        ],
    )
    def test_refused_before_queueing(self, world, recipient_api, change, code):
        body = {
            "images": [str(ImageFactory().pk)],
            "project_id": world.recipient_de.project_id,
            "status": "accepted",
        }
        assert error_of(recipient_api.call("put", MEMBERS, {**body, **change})) == (400, code)
        assert not Job.objects.exists()


class TestBatchDelete:
    def test_all_or_nothing_over_several_images(self, world, images, sharer_api):
        ImageMemberFactory(image=images[0], project=world.recipient_de)
        body = {"images": [str(i.pk) for i in images], "projects": [world.recipient_de.project_id]}
        failed = job_of(sharer_api, sharer_api.call("delete", MEMBERS, body))
        assert failed["status"] == "FAIL" and failed["error_code"] == "IMG.0113"
        assert ImageMember.objects.count() == 1
        assert Trace.objects.filter(operation="deleteMember", result="failed").exists()
        ImageMemberFactory(image=images[1], project=world.recipient_de)
        done = job_of(sharer_api, sharer_api.call("delete", MEMBERS, body))
        assert done["status"] == "SUCCESS" and done["job_type"] == "imsDelImageMembersJob"
        assert not ImageMember.objects.exists()


class TestJobsAndMembers:
    def test_another_projects_job_is_404(self, world, images, sharer_api, recipient_api):
        body = {"images": [str(images[0].pk)], "projects": [world.recipient_de.project_id]}
        job_id = sharer_api.call("post", MEMBERS, body).json()["job_id"]
        assert error_of(recipient_api.get(f"/v1/cloudimages/job/{job_id}"))[0] == 404
        path = f"/v1/{world.sharer_de.project_id}/jobs/{job_id}"
        assert error_of(recipient_api.get(path))[0] == 404
        nl = Api(world.sharer_user, world.sharer_nl)
        assert error_of(nl.get(f"/v1/cloudimages/job/{job_id}"))[0] == 404

    def test_v1_members_list_and_detail(self, world, images, sharer_api, recipient_api):
        for _ in range(3):
            ImageMemberFactory(image=images[0], project=ProjectFactory(region=world.de))
        mine = ImageMemberFactory(image=images[0], project=world.recipient_de)
        base = f"/v1/{world.sharer_de.project_id}/cloudimages/{images[0].pk}/members"
        first = sharer_api.get(base + "?limit=3").json()
        assert len(first["members"]) == 3 and first["members"][0]["member_type"] == "project"
        rest = sharer_api.get(base + f"?limit=3&marker={first['page_info']['next_marker']}").json()
        assert len(rest["members"]) == 1 and "next_marker" not in rest["page_info"]
        own = f"/v1/{world.recipient_de.project_id}/cloudimages/{images[0].pk}/members"
        assert [m["member_id"] for m in recipient_api.get(own).json()["members"]] == [
            mine.project.project_id
        ]
        assert recipient_api.get(f"{own}/{mine.project.project_id}").json()["status"] == "pending"
        assert error_of(recipient_api.get(base))[0] == 404
        assert error_of(sharer_api.get(base + "?marker=***"))[0] == 400

    def test_cloudimages_filters(self, world, recipient_api):
        shared = ImageFactory(owner=world.sharer_de, name="shared-one", os_type="Windows")
        ImageMemberFactory(image=shared, project=world.recipient_de)
        ImageFactory(owner=None, region=world.de, name="public-one")
        ImageFactory(owner=world.recipient_de, name="own-one")

        def names(query):
            return [
                i["name"] for i in recipient_api.get(f"/v2/cloudimages?{query}").json()["images"]
            ]

        assert names("__imagetype=shared&visibility=shared&member_status=pending") == ["shared-one"]
        assert names("__imagetype=gold") == ["public-one"]
        assert names("__imagetype=private") == ["own-one"]
        assert names("__os_type=Windows&member_status=pending") == ["shared-one"]
        doc = recipient_api.get("/v2/cloudimages?member_status=pending&visibility=shared").json()
        assert (
            doc["images"][0]["__imagetype"] == "shared"
            and doc["images"][0]["__os_type"] == "Windows"
        )
        assert error_of(recipient_api.get("/v2/cloudimages?__imagetype=bogus"))[0] == 400

    def test_quota(self, world, images, sharer_api):
        ImageMemberFactory(image=images[0], project=world.recipient_de, status="accepted")
        # A share still pending does not consume the sharing quotas (reference §2).
        ImageMemberFactory(image=images[1], project=world.recipient_de)
        ImageQuotaFactory(project=world.sharer_de, shared_images=5)
        resources = {
            r["type"]: r
            for r in sharer_api.get("/v1/cloudimages/quota").json()["quotas"]["resources"]
        }
        image = resources["image"]
        assert (image["used"], image["quota"], image["min"], image["max"]) == (2, 20, 1, 1000)
        assert (resources["image_shared"]["used"], resources["image_shared"]["quota"]) == (1, 5)
        assert resources["image_member"]["used"] == 1


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_read_only_users_batch_call_is_refused_at_once(world, readonly_api, method):
    # The read-only user's own project's image, shared with the sharer; and a share to it.
    own = ImageFactory(owner=world.recipient_de)
    ImageMemberFactory(image=own, project=world.sharer_de)
    shared = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de), project=world.recipient_de
    )
    bodies = {
        "post": {"images": [str(own.pk)], "projects": [world.sharer_nl.project_id]},
        "put": {
            "images": [str(shared.image_id)],
            "project_id": world.recipient_de.project_id,
            "status": "accepted",
        },
        "delete": {"images": [str(own.pk)], "projects": [world.sharer_de.project_id]},
    }
    members = set(ImageMember.objects.values_list("pk", "status"))
    response = readonly_api.call(method, MEMBERS, bodies[method])
    assert error_of(response) == (403, "IMG.0026")
    assert "read-only" in response.json()["error"]["message"]
    assert not Job.objects.exists()
    assert set(ImageMember.objects.values_list("pk", "status")) == members


def test_a_read_only_users_single_member_call_is_refused_the_same_way(world, readonly_api):
    shared = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de), project=world.recipient_de
    )
    response = readonly_api.call(
        "put",
        f"/v2/images/{shared.image_id}/members/{world.recipient_de.project_id}",
        {"status": "accepted"},
    )
    assert error_of(response) == (403, "IMG.0026")


def test_a_task_that_died_reads_as_a_failed_job(world, images, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sharer = Api(world.sharer_user, world.sharer_de)
    body = {"images": [str(images[0].pk)], "projects": [world.recipient_de.project_id]}
    job_id = sharer.call("post", MEMBERS, body).json()["job_id"]
    assert sharer.get(f"/v1/cloudimages/job/{job_id}").json()["status"] == "INIT"
    DBTaskResult.objects.filter(id=Job.objects.get().task_id).update(status="FAILED")
    doc = sharer.get(f"/v1/cloudimages/job/{job_id}").json()
    assert (doc["status"], doc["error_code"]) == ("FAIL", "IMG.0112")
    assert not ImageMember.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_job(world, images, settings):
    """The job waits in INIT on the database queue until a db_worker process runs it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sharer = Api(world.sharer_user, world.sharer_de)
    body = {"images": [str(images[0].pk)], "projects": [world.recipient_de.project_id]}
    job_id = sharer.call("post", MEMBERS, body).json()["job_id"]
    assert sharer.get(f"/v1/cloudimages/job/{job_id}").json()["status"] == "INIT"
    worker = Worker()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            doc = sharer.get(f"/v1/cloudimages/job/{job_id}").json()
            if doc["status"] in ("SUCCESS", "FAIL"):
                break
            time.sleep(0.3)
    finally:
        output = worker.stop()
    assert doc["status"] == "SUCCESS", output
    assert ImageMember.objects.get().project == world.recipient_de
