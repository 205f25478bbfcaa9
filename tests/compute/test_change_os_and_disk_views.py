"""Change OS and the EVS pages (Buy Disk); scoping, roles, htmx."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.audit.models import Trace
from console.compute.models import Disk
from tests.compute.view_helpers import (
    DISK_CREATE,
    DISK_LIST,
    SERVER_LIST,
    queries,
    share,
)
from tests.conftest import htmx
from tests.factories import (
    DiskFactory,
    ImageFactory,
    KeyFactory,
    ServerFactory,
)


@pytest.mark.django_db
class TestChangeOsPage:
    def server(self, world, status="stopped", project=None):
        server = ServerFactory(project=project or world.recipient_de, status=status)
        DiskFactory(project=server.project, server=server, role="system", size_gb=40)
        return server

    def url(self, server):
        return reverse("compute:server_change_os", args=[server.server_id])

    def test_changes_the_os_and_redirects(self, world, recipient_client):
        server = self.server(world)
        image = share(world, min_disk_gb=60)
        response = recipient_client.post(self.url(server), {"image": str(image.pk)})
        assert response.status_code == 302 and response.url == SERVER_LIST
        server.refresh_from_db()
        assert server.image == image
        assert server.disks.get(role="system").size_gb == 60

    def test_page_shows_the_server_and_system_and_full_ecs_images(self, world, recipient_client):
        server = self.server(world)
        share(world, name="sys-img")
        share(world, name="data-img", data_disk=True)
        share(world, name="full-img", full_ecs=True)
        response = recipient_client.get(f"{self.url(server)}?tab=shared")
        names = sorted(row["image"].name for row in response.context["rows"])
        assert names == ["full-img", "sys-img"]
        assert server.name in response.content.decode()

    def test_running_server_is_refused(self, world, recipient_client):
        server = self.server(world, status="running")
        page = recipient_client.get(self.url(server))
        assert page.context["stopped"] is False and b"not-stopped" in page.content
        response = recipient_client.post(self.url(server), {"image": str(share(world).pk)})
        assert response.status_code == 200 and b"Stop " in response.content
        server.refresh_from_db()
        assert server.image is None

    @pytest.mark.parametrize("status", ["pending", "rejected"])
    def test_pending_or_rejected_image_is_refused(self, world, recipient_client, status):
        server = self.server(world)
        image = share(world, status)
        response = recipient_client.post(self.url(server), {"image": str(image.pk)})
        assert b"IMG.0046" in response.content
        server.refresh_from_db()
        assert server.image is None

    def test_another_tenants_server_is_404(self, world, recipient_client):
        for project in (world.sharer_de, world.recipient_nl):
            server = self.server(world, project=project)
            image = ImageFactory(owner=None, region=world.de)
            assert recipient_client.get(self.url(server)).status_code == 404
            response = recipient_client.post(self.url(server), {"image": str(image.pk)})
            assert response.status_code == 404
            server.refresh_from_db()
            assert server.image is None

    def test_another_tenants_image_is_404(self, world, recipient_client):
        server = self.server(world)
        image = ImageFactory(owner=world.sharer_de)
        response = recipient_client.post(self.url(server), {"image": str(image.pk)})
        assert response.status_code == 404
        assert recipient_client.get(f"{self.url(server)}?image={image.pk}").status_code == 404
        server.refresh_from_db()
        assert server.image is None
        assert not Trace.objects.exists()

    def test_htmx_post_rerenders_the_form_partial(self, world, recipient_client):
        server = self.server(world)
        response = recipient_client.post(self.url(server), {}, headers=htmx("change-os-form"))
        assert response.template_name == "compute/server_change_os.html#change-os-form"
        assert b"Select an image." in response.content

    def test_readonly_is_refused(self, world, readonly_client):
        server = self.server(world)
        response = readonly_client.post(self.url(server), {"image": str(share(world).pk)})
        assert b"IMG.0026" in response.content
        server.refresh_from_db()
        assert server.image is None


@pytest.mark.django_db
class TestDiskPages:
    def test_list_shows_the_projects_disks_with_server_and_image(self, world, recipient_client):
        image = share(world, data_disk=True, name="data-img")
        server = ServerFactory(project=world.recipient_de, name="srv")
        DiskFactory(project=world.recipient_de, name="attached", server=server, status="in-use")
        DiskFactory(project=world.recipient_de, name="from-image", image=image)
        DiskFactory(project=world.sharer_de, name="theirs")
        content = recipient_client.get(DISK_LIST).content.decode()
        assert "attached" in content and "srv" in content
        assert "from-image" in content and "data-img" in content
        assert "theirs" not in content

    def test_list_partial_and_constant_queries(self, world, recipient_client):
        image = share(world, data_disk=True)
        for _ in range(3):
            server = ServerFactory(project=world.recipient_de)
            DiskFactory(project=world.recipient_de, server=server, image=image)
        few = queries(recipient_client, DISK_LIST)
        for _ in range(27):
            server = ServerFactory(project=world.recipient_de)
            DiskFactory(project=world.recipient_de, server=server, image=image)
        assert queries(recipient_client, DISK_LIST) == few
        response = recipient_client.get(DISK_LIST, headers=htmx("disk-table"))
        assert response.template_name == "compute/disk_list.html#disk-table"

    def test_preselected_data_image_and_its_capacity(self, world, recipient_client):
        image = share(world, data_disk=True, min_disk_gb=150)
        response = recipient_client.get(f"{DISK_CREATE}?image={image.pk}")
        assert response.context["selected_image"] == str(image.pk)
        assert response.context["form"]["size_gb"].value() == 150
        assert f'value="{image.pk}" selected' in response.content.decode()

    def test_options_are_usable_data_images_only(self, world, recipient_client):
        accepted = share(world, data_disk=True, name="accepted-data")
        own = ImageFactory(owner=world.recipient_de, data_disk=True, name="own-data")
        share(world, "pending", data_disk=True, name="pending-data")
        share(world, name="system-img")
        response = recipient_client.get(DISK_CREATE)
        names = {row["image"].name for row in response.context["options"]}
        assert names == {accepted.name, own.name}

    def test_image_options_use_constant_queries(self, world, recipient_client):
        for _ in range(3):
            share(world, data_disk=True, kms_key=KeyFactory(project=world.sharer_de))
        few = queries(recipient_client, DISK_CREATE)
        for _ in range(27):
            share(world, data_disk=True, kms_key=KeyFactory(project=world.sharer_de))
            ImageFactory(owner=world.recipient_de, data_disk=True)
        assert queries(recipient_client, DISK_CREATE) == few

    def test_creates_a_disk_from_an_image(self, world, recipient_client):
        image = share(world, data_disk=True, min_disk_gb=100)
        data = {"name": "vol", "availability_zone": "eu-de-02", "size_gb": "120"}
        response = recipient_client.post(DISK_CREATE, data | {"image": str(image.pk)})
        assert response.status_code == 302 and response.url == DISK_LIST
        disk = Disk.objects.get()
        assert (disk.image, disk.size_gb, disk.availability_zone) == (image, 120, "eu-de-02")

    def test_disk_smaller_than_the_image_is_a_form_error(self, world, recipient_client):
        image = share(world, data_disk=True, min_disk_gb=100)
        data = {"name": "vol", "availability_zone": "eu-de-01", "size_gb": "50"}
        response = recipient_client.post(
            DISK_CREATE, data | {"image": str(image.pk)}, headers=htmx("disk-form")
        )
        assert response.status_code == 200
        assert response.template_name == "compute/disk_form.html#disk-form"
        assert "at least 100 GB" in response.content.decode()
        assert not Disk.objects.exists()

    @pytest.mark.parametrize("status", ["pending", "rejected"])
    def test_pending_or_rejected_image_is_refused(self, world, recipient_client, status):
        image = share(world, status, data_disk=True)
        data = {"name": "vol", "availability_zone": "eu-de-01", "size_gb": "100"}
        response = recipient_client.post(DISK_CREATE, data | {"image": str(image.pk)})
        assert b"IMG.0046" in response.content
        assert not Disk.objects.exists()
        page = recipient_client.get(f"{DISK_CREATE}?image={image.pk}")
        assert page.context["preselect_refusal"].code == "IMG.0046"

    def test_another_tenants_image_is_404(self, world, recipient_client):
        image = ImageFactory(owner=world.sharer_de, data_disk=True)
        data = {"name": "vol", "availability_zone": "eu-de-01", "size_gb": "100"}
        response = recipient_client.post(DISK_CREATE, data | {"image": str(image.pk)})
        assert response.status_code == 404
        assert recipient_client.get(f"{DISK_CREATE}?image={image.pk}").status_code == 404
        assert not Disk.objects.exists()

    def test_readonly_is_refused(self, world, readonly_client):
        data = {"name": "vol", "availability_zone": "eu-de-01", "size_gb": "100"}
        response = readonly_client.post(DISK_CREATE, data)
        assert b"IMG.0026" in response.content
        assert not Disk.objects.exists()
