"""The Create Image page: the form asks the services' rules, the image appears Creating."""

import pytest
from django.urls import reverse

from console.compute.models import Disk
from ims.models import Image
from tests.factories import DiskFactory, ServerFactory, VaultFactory

pytestmark = pytest.mark.django_db
URL = reverse("compute:image_create")


def server(world, system_gb=40):
    s = ServerFactory(project=world.sharer_de, name="web-01", status="stopped")
    DiskFactory(project=world.sharer_de, server=s, role=Disk.Role.SYSTEM, size_gb=system_gb)
    DiskFactory(project=world.sharer_de, server=s, role=Disk.Role.DATA, size_gb=60, name="d1")
    return s


def test_private_images_has_the_create_image_button(sharer_client):
    page = sharer_client.get(reverse("ims:private_images")).content.decode()
    assert URL in page and "Create Image" in page


def test_the_page_lists_the_projects_servers_disks_and_vaults(world, sharer_client):
    server(world)
    ServerFactory(project=world.recipient_de, name="not-mine")
    VaultFactory(project=world.sharer_de, name="srv-vault", capacity_gb=500)
    page = sharer_client.get(URL).content.decode()
    assert "web-01" in page and "d1" in page and "srv-vault" in page
    assert "not-mine" not in page


def test_a_system_disk_image_is_created(world, sharer_client, django_capture_on_commit_callbacks):
    s = server(world)
    with django_capture_on_commit_callbacks(execute=True):
        answer = sharer_client.post(
            URL, {"image_type": "system", "server": s.server_id, "name": "web-img"}
        )
    assert answer.status_code == 302 and answer.url == reverse("ims:private_images")
    image = Image.objects.get(owner=world.sharer_de, name="web-img")
    assert image.status == Image.Status.ACTIVE and image.min_disk_gb == 40


def test_the_form_asks_the_rules(world, sharer_client):
    s = server(world, system_gb=2000)
    answer = sharer_client.post(URL, {"image_type": "system", "server": s.server_id, "name": " x"})
    page = answer.content.decode()
    assert answer.status_code == 200 and "IMG.0111" in page and "IMG.0003" in page
    assert not Image.objects.filter(owner=world.sharer_de).exists()


def test_a_full_ecs_image_needs_a_vault_and_stores_its_backups(world, sharer_client):
    s = server(world)
    answer = sharer_client.post(URL, {"image_type": "full_ecs", "server": s.server_id, "name": "f"})
    assert answer.status_code == 200 and not Image.objects.filter(owner=world.sharer_de).exists()
    vault = VaultFactory(project=world.sharer_de, capacity_gb=100)
    answer = sharer_client.post(
        URL,
        {"image_type": "full_ecs", "server": s.server_id, "vault": vault.vault_id, "name": "f"},
    )
    assert answer.status_code == 302
    assert vault.free() == 0


def test_another_tenants_server_is_404(world, sharer_client):
    other = ServerFactory(project=world.recipient_de)
    data = {"image_type": "system", "server": other.server_id, "name": "x"}
    answer = sharer_client.post(URL, data)
    assert answer.status_code == 404


def test_a_data_disk_image(world, sharer_client):
    disk = server(world).disks.get(role=Disk.Role.DATA)
    answer = sharer_client.post(URL, {"image_type": "data", "disk": disk.disk_id, "name": "dd"})
    assert answer.status_code == 302
    assert Image.objects.get(name="dd").image_type == "data"
