"""The real clients, unmodified, against a live server: each runs the whole share procedure
and its refusals, and the console shows every step (DESIGN §8)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from console.iam.services import access_key_create
from ims.models import ImageMember
from tests.factories import ImageBackupFactory, ImageFactory, UserFactory, VaultFactory
from vaults.models import Backup

pytestmark = pytest.mark.django_db(transaction=True)
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
PASSWORD = "console-demo"


@pytest.fixture
def scene(world):
    """Two images of the sharer (one full-ECS from CBR) and two vaults of the recipient."""
    web = ImageFactory(owner=world.sharer_de, name="web")
    full = ImageFactory(owner=world.sharer_de, name="full-app", full_ecs=True)
    ImageBackupFactory(image=full, size_gb=40)
    ImageBackupFactory(image=full, role="data", size_gb=60)
    small = VaultFactory(project=world.recipient_de, name="small", capacity_gb=50)
    big = VaultFactory(project=world.recipient_de, name="big", capacity_gb=200)
    return web, full, small, big


def console(user) -> dict[str, str]:
    """What the recipient's console shows now: the banner and the accepted list."""
    client = Client()
    client.force_login(user)
    body = client.get(reverse("ims:shared_images")).content.decode()
    banner = body.split('id="banner"')[1].split("</section>")[0]
    accepted = body.split('id="accepted-images"')[1].split("</section>")[0]
    return {
        "pending": sorted(
            set(re.findall(r'aria-label="Select ([^"]+)"', banner)) - {"all pending images"}
        ),
        "accepted": accepted,
    }


def statuses():
    return dict(ImageMember.objects.values_list("image__name", "status"))


def keystone(live_server, user, project_name="eu-de"):
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    auth = v3.Password(
        auth_url=f"{live_server.url}/api/iam/v3",
        username=user.username,
        password=PASSWORD,
        user_domain_name=user.tenant.name,
        project_name=project_name,
        project_domain_name=user.tenant.name,
    )
    return session.Session(auth=auth)


def test_python_glanceclient(live_server, world, scene):
    from glanceclient import Client as Glance
    from glanceclient import exc

    web, full, _, _ = scene
    owner = Glance("2", session=keystone(live_server, world.sharer_user), region_name="eu-de")
    me = Glance("2", session=keystone(live_server, world.recipient_user), region_name="eu-de")
    pid = world.recipient_de.project_id

    member = owner.image_members.create(web.pk, pid)
    owner.image_members.create(full.pk, pid)
    assert member.status == "pending" and member.member_id == pid
    pending = me.images.list(filters={"visibility": "shared", "member_status": "pending"})
    assert sorted(i["name"] for i in pending) == ["full-app", "web"]
    assert console(world.recipient_user)["pending"] == ["full-app", "web"]

    assert me.image_members.update(web.pk, pid, "accepted").status == "accepted"
    assert "web" in console(world.recipient_user)["accepted"]
    assert [m.member_id for m in me.image_members.list(web.pk)] == [pid]
    me.image_members.update(full.pk, pid, "rejected")
    assert statuses() == {"web": "accepted", "full-app": "rejected"}
    assert console(world.recipient_user)["pending"] == []

    owner.image_members.delete(web.pk, pid)
    assert "web" not in console(world.recipient_user)["accepted"]
    assert statuses() == {"full-app": "rejected"}

    # Refusals change nothing.
    with pytest.raises(exc.HTTPBadRequest, match="IMG.0108"):
        owner.image_members.create(web.pk, "f" * 32)
    with pytest.raises(exc.HTTPBadRequest, match="IMG.0108"):
        owner.image_members.create(web.pk, world.recipient_nl.project_id)
    with pytest.raises(exc.HTTPNotFound):
        me.image_members.create(ImageFactory(owner=world.sharer_nl).pk, pid)
    with pytest.raises(exc.HTTPConflict):
        owner.image_members.create(full.pk, pid) and owner.image_members.create(full.pk, pid)
    viewer = Glance("2", session=keystone(live_server, world.readonly_user), region_name="eu-de")
    with pytest.raises(exc.HTTPForbidden, match="read-only"):
        viewer.image_members.update(full.pk, pid, "accepted")
    assert statuses() == {"full-app": "pending"}


def test_openstacksdk(live_server, world, scene):
    import openstack
    from openstack import exceptions

    web, full, _, _ = scene

    def connect(user):
        return openstack.connect(
            auth_url=f"{live_server.url}/api/iam/v3",
            username=user.username,
            password=PASSWORD,
            user_domain_name=user.tenant.name,
            project_name="eu-de",
            project_domain_name=user.tenant.name,
            region_name="eu-de",
            load_yaml_config=False,
            load_envvars=False,
        )

    owner, me = connect(world.sharer_user), connect(world.recipient_user)
    pid = world.recipient_de.project_id
    assert owner.image.add_member(web.pk, member=pid).status == "pending"
    owner.image.add_member(full.pk, member=pid)
    names = [i.name for i in me.image.images(visibility="shared", member_status="pending")]
    assert sorted(names) == ["full-app", "web"]
    assert console(world.recipient_user)["pending"] == ["full-app", "web"]

    me.image.update_member(pid, web.pk, status="accepted")
    assert "web" in console(world.recipient_user)["accepted"]
    assert [i.name for i in me.image.images(visibility="shared")] == ["web"]
    me.image.update_member(pid, full.pk, status="rejected")
    owner.image.remove_member(pid, web.pk)
    assert statuses() == {"full-app": "rejected"}

    with pytest.raises(exceptions.BadRequestException, match="IMG.0108"):
        owner.image.add_member(web.pk, member="f" * 32)
    with pytest.raises(exceptions.NotFoundException):
        me.image.get_image(ImageFactory(owner=world.sharer_nl).pk)
    with pytest.raises(exceptions.ForbiddenException):
        owner.image.update_member(pid, full.pk, status="accepted")
    assert statuses() == {"full-app": "rejected"}


def test_openstack_cli(live_server, world, scene, tmp_path):
    web, _, _, _ = scene
    clouds = {"clouds": {}}
    for name, user in (
        ("owner", world.sharer_user),
        ("me", world.recipient_user),
        ("viewer", world.readonly_user),
    ):
        clouds["clouds"][name] = {
            "auth": {
                "auth_url": f"{live_server.url}/api/iam/v3",
                "username": user.username,
                "password": PASSWORD,
                "user_domain_name": user.tenant.name,
                "project_name": "eu-de",
                "project_domain_name": user.tenant.name,
            },
            "region_name": "eu-de",
        }
    (tmp_path / "clouds.yaml").write_text(json.dumps(clouds))
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "OS_CLIENT_CONFIG_FILE": str(tmp_path / "clouds.yaml"),
        "PYTHONWARNINGS": "ignore",
    }
    command = str(Path(sys.executable).parent / "openstack")

    def run(cloud, *args):
        return subprocess.run(
            [command, "--os-cloud", cloud, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    pid = world.recipient_de.project_id
    added = run("owner", "image", "add", "project", str(web.pk), pid, "-f", "json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["status"] == "pending"
    listed = run("me", "image", "list", "--shared", "--member-status", "pending", "-f", "json")
    assert [i["Name"] for i in json.loads(listed.stdout)] == ["web"]
    assert console(world.recipient_user)["pending"] == ["web"]

    refused = run("viewer", "image", "set", "--accept", str(web.pk))
    assert refused.returncode != 0 and "read-only" in refused.stderr
    assert statuses() == {"web": "pending"}
    accepted = run("me", "image", "set", "--accept", str(web.pk))
    assert accepted.returncode == 0, accepted.stderr
    assert "web" in console(world.recipient_user)["accepted"]
    shared = run("me", "image", "list", "--shared", "-f", "json")
    assert [i["Name"] for i in json.loads(shared.stdout)] == ["web"]

    for project in ("f" * 32, world.recipient_nl.project_id):
        bad = run("owner", "image", "add", "project", str(web.pk), project)
        assert bad.returncode != 0 and "IMG.0108" in bad.stderr
    foreign = run("me", "image", "add", "project", str(ImageFactory(owner=world.sharer_nl).pk), pid)
    assert foreign.returncode != 0
    removed = run("owner", "image", "remove", "project", str(web.pk), pid)
    assert removed.returncode == 0, removed.stderr
    assert statuses() == {} and "web" not in console(world.recipient_user)["accepted"]


def test_huawei_cloud_sdk(live_server, world, scene):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    from huaweicloudsdkims.v2 import ImsClient
    from huaweicloudsdkims.v2 import model as m

    web, full, small, big = scene

    def client(user, project, secret=None):
        new = access_key_create(actor=user, project=project, password=PASSWORD)
        creds = BasicCredentials(new.key.access_key, secret or new.secret, project.project_id)
        return (
            ImsClient.new_builder()
            .with_credentials(creds)
            .with_endpoints([live_server.url])
            .build()
        )

    def wait(sdk, job_id):
        for _ in range(100):
            job = sdk.show_job_progress(m.ShowJobProgressRequest(job_id=job_id))
            if job.status in ("SUCCESS", "FAIL"):
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not finish")

    owner = client(world.sharer_user, world.sharer_de)
    me = client(world.recipient_user, world.recipient_de)
    pid = world.recipient_de.project_id
    add = m.BatchAddMembersRequestBody(images=[str(web.pk), str(full.pk)], projects=[pid])
    job = wait(owner, owner.batch_add_members(m.BatchAddMembersRequest(body=add)).job_id)
    assert job.status == "SUCCESS" and job.job_type == "imsAddImageMembersJob"
    listed = me.list_images(
        m.ListImagesRequest(imagetype="shared", visibility="shared", member_status="pending")
    )
    assert sorted(i.name for i in listed.images) == ["full-app", "web"]
    assert console(world.recipient_user)["pending"] == ["full-app", "web"]

    def accept(vault):
        body = m.BatchUpdateMembersRequestBody(
            images=[str(full.pk), str(web.pk)],
            project_id=pid,
            status="accepted",
            vault_id=str(vault.vault_id),
        )
        return wait(me, me.batch_update_members(m.BatchUpdateMembersRequest(body=body)).job_id)

    failed = accept(small)
    assert (failed.status, failed.error_code) == ("FAIL", "IMG.0182")
    assert statuses() == {"web": "pending", "full-app": "pending"} and not Backup.objects.exists()
    assert accept(big).status == "SUCCESS"
    assert statuses() == {"web": "accepted", "full-app": "accepted"}
    assert Backup.objects.filter(vault=big).count() == 2
    shown = console(world.recipient_user)
    assert shown["pending"] == [] and "full-app" in shown["accepted"]
    job = me.show_job(m.ShowJobRequest(job_id=failed.job_id))
    assert job.fail_reason.startswith("Insufficient vault capacity")

    me.glance_update_image_member(
        m.GlanceUpdateImageMemberRequest(
            image_id=str(web.pk),
            member_id=pid,
            body=m.GlanceUpdateImageMemberRequestBody(status="rejected"),
        )
    )
    delete = m.BatchAddMembersRequestBody(images=[str(full.pk)], projects=[pid])
    job = wait(owner, owner.batch_delete_members(m.BatchDeleteMembersRequest(body=delete)).job_id)
    assert job.status == "SUCCESS" and statuses() == {"web": "rejected"}
    assert (
        not Backup.objects.exists() and "full-app" not in console(world.recipient_user)["accepted"]
    )

    # Refusals: a made-up project, another region's, a wrong secret key, another tenant's
    # image, a read-only user; none changes anything.
    for project in ("f" * 32, world.recipient_nl.project_id):
        body = m.BatchAddMembersRequestBody(images=[str(web.pk)], projects=[project])
        job = wait(owner, owner.batch_add_members(m.BatchAddMembersRequest(body=body)).job_id)
        assert (job.status, job.error_code) == ("FAIL", "IMG.0108")
    wrong = client(world.recipient_user, world.recipient_de, secret="x" * 40)
    with pytest.raises(ClientRequestException) as refused:
        wrong.list_images(m.ListImagesRequest(limit=1))
    assert (refused.value.status_code, refused.value.error_code) == (401, "IAM.0006")
    other = ImageFactory(owner=world.sharer_nl)
    with pytest.raises(ClientRequestException) as hidden:
        me.glance_list_image_members(m.GlanceListImageMembersRequest(image_id=str(other.pk)))
    assert (hidden.value.status_code, hidden.value.error_code) == (404, "IMG.0027")
    viewer = client(UserFactory(tenant=world.recipient, role="readonly"), world.recipient_de)
    body = m.BatchUpdateMembersRequestBody(images=[str(web.pk)], project_id=pid, status="accepted")
    with pytest.raises(ClientRequestException) as read_only:
        viewer.batch_update_members(m.BatchUpdateMembersRequest(body=body))
    assert (read_only.value.status_code, read_only.value.error_code) == (403, "IMG.0026")
    assert statuses() == {"web": "rejected"}
