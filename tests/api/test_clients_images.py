"""The image lifecycle with the real clients, unmodified, against a live server: create with
data, download, tags, deactivate and delete, each checked against the image's row."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ims.models import Image
from tests.api.test_clients import PASSWORD, keystone
from tests.factories import ImageFactory, ImageTagFactory

pytestmark = pytest.mark.django_db(transaction=True)
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
DATA = os.urandom(3 * 1024 * 1024 + 17)


def connect(live_server, user):
    import openstack

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


def test_openstacksdk(live_server, world, tmp_path):
    from openstack import exceptions

    disk = tmp_path / "disk.qcow2"
    disk.write_bytes(DATA)
    conn = connect(live_server, world.sharer_user)
    image = conn.image.create_image(
        "sdk-disk", filename=str(disk), disk_format="qcow2", tags=["env.prod"]
    )
    row = Image.objects.get(pk=image.id)
    assert (row.status, row.file_size, row.owner) == ("active", len(DATA), world.sharer_de)
    assert row.checksum == hashlib.md5(DATA).hexdigest()
    fetched = conn.image.get_image(image.id)
    assert fetched.hash_value == hashlib.sha512(DATA).hexdigest()
    assert fetched.tags == ["env.prod"]
    assert conn.image.download_image(image.id).content == DATA
    conn.image.add_tag(image.id, "web")
    assert sorted(conn.image.get_image(image.id).tags) == ["env.prod", "web"]
    conn.image.deactivate_image(image.id)
    assert Image.objects.get(pk=image.id).status == "deactivated"
    conn.image.reactivate_image(image.id)
    other = connect(live_server, world.recipient_user)
    with pytest.raises(exceptions.NotFoundException):
        other.image.get_image(image.id)
    conn.image.delete_image(image.id)
    assert not Image.objects.exists()


def test_glanceclient(live_server, world):
    import requests
    from glanceclient import Client as Glance
    from glanceclient import exc

    session = keystone(live_server, world.sharer_user)
    glance = Glance("2", session=session, region_name="eu-de")
    image = glance.images.create(name="gc-disk", disk_format="raw", container_format="bare")
    # glanceclient sends data chunked, which only gunicorn (make run) decodes; the test
    # server is Django's, so the data goes with a length.
    with pytest.raises(exc.HTTPBadRequest, match="Content-Length"):
        glance.images.upload(image.id, io.BytesIO(b"chunked"))
    assert Image.objects.get(pk=image.id).status == "queued"
    put = requests.put(
        f"{live_server.url}/api/ims/v2/images/{image.id}/file",
        data=DATA,
        headers={"X-Auth-Token": session.get_token(), "Content-Type": "application/octet-stream"},
        timeout=30,
    )
    assert put.status_code == 204, put.text
    row = Image.objects.get(pk=image.id)
    assert (row.status, row.checksum) == ("active", hashlib.md5(DATA).hexdigest())
    assert b"".join(glance.images.data(image.id)) == DATA
    glance.images.delete(image.id)
    assert not Image.objects.exists()


def test_openstack_cli(live_server, world, tmp_path):
    clouds = {
        "clouds": {
            "owner": {
                "auth": {
                    "auth_url": f"{live_server.url}/api/iam/v3",
                    "username": world.sharer_user.username,
                    "password": PASSWORD,
                    "user_domain_name": world.sharer_user.tenant.name,
                    "project_name": "eu-de",
                    "project_domain_name": world.sharer_user.tenant.name,
                },
                "region_name": "eu-de",
            }
        }
    }
    (tmp_path / "clouds.yaml").write_text(json.dumps(clouds))
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "OS_CLIENT_CONFIG_FILE": str(tmp_path / "clouds.yaml"),
        "PYTHONWARNINGS": "ignore",
    }
    command = str(Path(sys.executable).parent / "openstack")

    def run(*args):
        done = subprocess.run(
            [command, "--os-cloud", "owner", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    disk = tmp_path / "disk.qcow2"
    disk.write_bytes(DATA)
    created = json.loads(
        run("image", "create", "--file", str(disk), "--disk-format", "qcow2", "demo", "-f", "json")
    )
    row = Image.objects.get(pk=created["id"])
    assert (row.name, row.status, row.file_size) == ("demo", "active", len(DATA))
    saved = tmp_path / "saved.qcow2"
    run("image", "save", "--file", str(saved), created["id"])
    assert saved.read_bytes() == DATA
    run(
        "image",
        "set",
        "--name",
        "demo-2",
        "--property",
        "hw_disk_bus=virtio",
        "--tag",
        "env.prod",
        "--tag",
        "web",
        "--protected",
        "--min-ram",
        "1024",
        created["id"],
    )
    row = Image.objects.get(pk=row.pk)
    assert (row.name, row.protected, row.min_ram) == ("demo-2", True, 1024)
    assert row.properties["hw_disk_bus"] == "virtio"
    assert sorted(json.loads(run("image", "show", "demo-2", "-f", "json"))["tags"]) == [
        "env.prod",
        "web",
    ]
    run("image", "unset", "--property", "hw_disk_bus", "--tag", "web", created["id"])
    run("image", "set", "--unprotected", created["id"])
    row = Image.objects.get(pk=row.pk)
    assert "hw_disk_bus" not in row.properties and not row.protected
    assert list(row.tags.values_list("key", flat=True)) == ["env"]
    run("image", "set", "--deactivate", created["id"])
    assert Image.objects.get(pk=row.pk).status == "deactivated"
    run("image", "set", "--activate", created["id"])
    run("image", "delete", created["id"])
    assert not Image.objects.exists()


def test_updates_with_openstacksdk_and_glanceclient(live_server, world):
    from glanceclient import Client as Glance
    from openstack import exceptions

    conn = connect(live_server, world.sharer_user)
    image = conn.image.create_image("sdk-update", disk_format="qcow2", allow_duplicates=True)
    conn.image.update_image(
        image, name="sdk-renamed", min_ram=2048, protected=True, hw_disk_bus="virtio"
    )
    row = Image.objects.get(pk=image.id)
    assert (row.name, row.min_ram, row.protected) == ("sdk-renamed", 2048, True)
    assert row.properties["hw_disk_bus"] == "virtio"
    with pytest.raises(exceptions.BadRequestException):
        conn.image.update_image(image, min_ram=512)
    glance = Glance("2", session=keystone(live_server, world.sharer_user), region_name="eu-de")
    updated = glance.images.update(
        image.id,
        name="gc-renamed",
        protected=False,
        hw_rng_model="random",
        remove_props=["hw_disk_bus"],
    )
    assert (updated.name, updated.protected, updated.hw_rng_model) == (
        "gc-renamed",
        False,
        "random",
    )
    row = Image.objects.get(pk=image.id)
    assert (row.name, row.protected, row.properties["hw_rng_model"]) == (
        "gc-renamed",
        False,
        "random",
    )
    assert "hw_disk_bus" not in row.properties


def test_list_filters_with_every_client(live_server, world, tmp_path):
    import warnings

    from glanceclient import Client as Glance
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkims.v2 import ImsClient
    from huaweicloudsdkims.v2 import model as m

    from console.iam.services import access_key_create

    web = ImageFactory(
        owner=world.sharer_de,
        name="web-a",
        os="CentOS 7.9 64bit",
        properties={"hw_disk_bus": "virtio"},
    )
    ImageTagFactory(image=web, key="env", value="prod")
    ImageTagFactory(image=web, key="web", value="")
    other = ImageFactory(owner=world.sharer_de, name="web-b", full_ecs=True)
    ImageTagFactory(image=other, key="env", value="prod")
    ImageFactory(owner=world.sharer_de, name="hidden", os_hidden=True)

    conn = connect(live_server, world.sharer_user)
    listed = conn.image.images(tag=["env.prod", "web"], sort="name:asc", size_min=1)
    assert [i.name for i in listed] == ["web-a"]
    both = conn.image.images(tag=["env.prod"], sort_key="name", sort_dir="desc", limit=1)
    assert [i.name for i in both] == ["web-b", "web-a"]  # two pages, following `next`
    assert [i.name for i in conn.image.images(is_hidden=True)] == ["hidden"]

    glance = Glance("2", session=keystone(live_server, world.sharer_user), region_name="eu-de")
    found = glance.images.list(filters={"hw_disk_bus": "virtio", "tag": ["env.prod"]})
    assert [i.name for i in found] == ["web-a"]
    by_name = glance.images.list(filters={"name": "in:web-a,web-b"}, sort="name:desc")
    assert [i.name for i in by_name] == ["web-b", "web-a"]

    new = access_key_create(actor=world.sharer_user, project=world.sharer_de, password=PASSWORD)
    creds = BasicCredentials(new.key.access_key, new.secret, world.sharer_de.project_id)
    ims = ImsClient.new_builder().with_credentials(creds).with_endpoints([live_server.url]).build()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        glance_listed = ims.glance_list_images(
            m.GlanceListImagesRequest(platform="CentOS", tag="env.prod", sort_key="name")
        )
    assert [i.name for i in glance_listed.images] == ["web-a"]
    native = ims.list_images(
        m.ListImagesRequest(imagetype="private", tag="env.prod", sort_key="name", sort_dir="asc")
    )
    assert [i.name for i in native.images] == ["web-a", "web-b"]

    clouds = {
        "clouds": {
            "owner": {
                "auth": {
                    "auth_url": f"{live_server.url}/api/iam/v3",
                    "username": world.sharer_user.username,
                    "password": PASSWORD,
                    "user_domain_name": world.sharer_user.tenant.name,
                    "project_name": "eu-de",
                    "project_domain_name": world.sharer_user.tenant.name,
                },
                "region_name": "eu-de",
            }
        }
    }
    (tmp_path / "clouds.yaml").write_text(json.dumps(clouds))
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "OS_CLIENT_CONFIG_FILE": str(tmp_path / "clouds.yaml"),
    }
    env["PYTHONWARNINGS"] = "ignore"
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "openstack"),
            "--os-cloud",
            "owner",
            "image",
            "list",
            "--tag",
            "env.prod",
            "--property",
            "hw_disk_bus=virtio",
            "--sort",
            "name:asc",
            "-f",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [i["Name"] for i in json.loads(done.stdout)] == ["web-a"]
