"""ECS pages: the server list, power actions and Buy ECS; scoping, roles, htmx."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from console.audit.models import Trace
from console.compute.models import Disk, Server
from tests.compute.view_helpers import (
    SERVER_CREATE,
    SERVER_LIST,
    queries,
    server_post,
    share,
)
from tests.conftest import htmx
from tests.factories import (
    ImageBackupFactory,
    ImageFactory,
    KeyFactory,
    KeyGrantFactory,
    ServerFactory,
)


@pytest.mark.django_db
class TestServerList:
    def test_lists_only_the_current_projects_servers(self, world, recipient_client):
        ServerFactory(project=world.recipient_de, name="mine")
        ServerFactory(project=world.recipient_nl, name="other-region")
        ServerFactory(project=world.sharer_de, name="other-tenant")
        response = recipient_client.get(SERVER_LIST)
        content = response.content.decode()
        assert "mine" in content
        assert "other-region" not in content and "other-tenant" not in content
        assert response.template_name == "compute/server_list.html"

    def test_htmx_gets_the_table_partial(self, world, recipient_client):
        ServerFactory(project=world.recipient_de, name="mine")
        response = recipient_client.get(SERVER_LIST, headers=htmx("server-table"))
        assert response.template_name == "compute/server_list.html#server-table"
        assert b'id="server-table"' in response.content
        assert b"<html" not in response.content

    def test_constant_queries(self, world, recipient_client):
        ServerFactory.create_batch(3, project=world.recipient_de)
        few = queries(recipient_client, SERVER_LIST)
        ServerFactory.create_batch(27, project=world.recipient_de)
        assert queries(recipient_client, SERVER_LIST) == few

    def test_stopped_servers_offer_change_os(self, world, recipient_client):
        stopped = ServerFactory(project=world.recipient_de, status="stopped")
        running = ServerFactory(project=world.recipient_de)
        content = recipient_client.get(SERVER_LIST).content.decode()
        assert reverse("compute:server_change_os", args=[stopped.server_id]) in content
        assert reverse("compute:server_change_os", args=[running.server_id]) not in content


@pytest.mark.django_db
class TestServerPower:
    def test_without_htmx_redirects(self, world, recipient_client):
        server = ServerFactory(project=world.recipient_de, status="stopped")
        url = reverse("compute:server_start", args=[server.server_id])
        response = recipient_client.post(url)
        assert response.status_code == 302 and response.url == SERVER_LIST
        server.refresh_from_db()
        assert server.status == "running"

    @pytest.mark.parametrize("action", ["server_stop", "server_start"])
    def test_another_tenants_or_regions_server_is_404(self, world, recipient_client, action):
        for project in (world.sharer_de, world.recipient_nl):
            status = "running" if action == "server_stop" else "stopped"
            server = ServerFactory(project=project, status=status)
            response = recipient_client.post(reverse(f"compute:{action}", args=[server.server_id]))
            assert response.status_code == 404
            server.refresh_from_db()
            assert server.status == status

    def test_start_is_a_post(self, world, recipient_client):
        server = ServerFactory(project=world.recipient_de, status="stopped")
        response = recipient_client.get(reverse("compute:server_start", args=[server.server_id]))
        assert response.status_code == 405

    def test_readonly_is_refused(self, world, readonly_client):
        server = ServerFactory(project=world.recipient_de)
        url = reverse("compute:server_stop", args=[server.server_id])
        assert readonly_client.post(url).status_code == 403
        response = readonly_client.post(url, headers=htmx("server-stop-form"))
        assert response.status_code == 200 and b"IMG.0026" in response.content
        server.refresh_from_db()
        assert server.status == "running"


@pytest.mark.django_db
class TestServerCreatePage:
    def test_preselects_an_accepted_shared_image_on_the_shared_tab(self, world, recipient_client):
        image = share(world, min_disk_gb=60)
        response = recipient_client.get(f"{SERVER_CREATE}?image={image.pk}")
        assert response.context["tab"] == "shared"
        assert response.context["selected_image"] == str(image.pk)
        assert response.context["form"]["system_disk_gb"].value() == 60
        content = response.content.decode()
        assert f'value="{image.pk}" checked' in content

    def test_preselected_public_and_private_images_open_their_tabs(self, world, recipient_client):
        public = ImageFactory(owner=None, region=world.de)
        own = ImageFactory(owner=world.recipient_de)
        assert recipient_client.get(f"{SERVER_CREATE}?image={public.pk}").context["tab"] == "public"
        assert recipient_client.get(f"{SERVER_CREATE}?image={own.pk}").context["tab"] == "private"

    def test_shared_tab_lists_only_accepted_shares(self, world, recipient_client):
        accepted = share(world, name="accepted-img")
        share(world, "pending", name="pending-img")
        share(world, "rejected", name="rejected-img")
        ImageFactory(owner=world.sharer_de, name="not-shared-img")
        response = recipient_client.get(f"{SERVER_CREATE}?tab=shared")
        names = [row["image"].name for row in response.context["rows"]]
        assert names == [accepted.name]

    @pytest.mark.parametrize("status", ["pending", "rejected"])
    def test_preselected_pending_or_rejected_image_is_refused(
        self, world, recipient_client, status
    ):
        image = share(world, status)
        response = recipient_client.get(f"{SERVER_CREATE}?image={image.pk}")
        assert response.status_code == 200
        assert response.context["preselect_refusal"].code == "IMG.0046"
        assert response.context["selected_image"] == ""
        assert b"IMG.0046" in response.content

    def test_unavailable_encrypted_image_is_shown_as_unavailable(self, world, recipient_client):
        key = KeyFactory(project=world.sharer_de)
        image = share(world, kms_key=key, name="enc-img")
        response = recipient_client.get(f"{SERVER_CREATE}?tab=shared")
        (row,) = response.context["rows"]
        assert row["refusal"].code == "IMG.0046"
        assert b"Unavailable" in response.content
        KeyGrantFactory(key=key, grantee=world.recipient)
        (row,) = recipient_client.get(f"{SERVER_CREATE}?tab=shared").context["rows"]
        assert row["refusal"] is None and row["image"] == image

    def test_another_tenants_image_in_the_query_is_404(self, world, recipient_client):
        image = ImageFactory(owner=world.sharer_de)
        assert recipient_client.get(f"{SERVER_CREATE}?image={image.pk}").status_code == 404
        assert recipient_client.get(f"{SERVER_CREATE}?image={uuid.uuid4()}").status_code == 404

    def test_tab_switch_is_an_image_picker_partial(self, world, recipient_client):
        share(world, name="accepted-img")
        response = recipient_client.get(f"{SERVER_CREATE}?tab=shared", headers=htmx("image-picker"))
        assert response.template_name == "compute/server_form.html#image-picker"
        assert b'id="image-picker"' in response.content and b"<form" not in response.content
        assert b"accepted-img" in response.content

    def test_choosing_an_image_refreshes_the_system_disk(self, world, recipient_client):
        image = share(world, full_ecs=True, min_disk_gb=40)
        ImageBackupFactory(image=image, role="system", size_gb=50)
        ImageBackupFactory(image=image, role="data", size_gb=70)
        response = recipient_client.get(
            f"{SERVER_CREATE}?image={image.pk}&system_disk_gb=40", headers=htmx("system-disk")
        )
        assert response.template_name == "compute/server_form.html#system-disk"
        assert response.context["system_disk_min"] == 50
        assert b'value="50"' in response.content and b"70 GB" in response.content

    def test_picker_tabs_use_constant_queries(self, world, recipient_client):
        for _ in range(3):
            share(world, kms_key=KeyFactory(project=world.sharer_de))
        url = f"{SERVER_CREATE}?tab=shared"
        few = queries(recipient_client, url)
        for _ in range(27):
            share(world, kms_key=KeyFactory(project=world.sharer_de))
        assert queries(recipient_client, url) == few
        assert queries(recipient_client, f"{SERVER_CREATE}?tab=private") <= few


@pytest.mark.django_db
class TestServerCreatePost:
    def test_creates_servers_and_redirects(self, world, recipient_client):
        image = share(world)
        response = recipient_client.post(SERVER_CREATE, server_post(image, quantity="2"))
        assert response.status_code == 302 and response.url == SERVER_LIST
        assert sorted(Server.objects.values_list("name", flat=True)) == ["web-0001", "web-0002"]
        assert set(Server.objects.values_list("project", flat=True)) == {world.recipient_de.pk}

    def test_htmx_success_is_a_client_redirect(self, world, recipient_client):
        response = recipient_client.post(
            SERVER_CREATE, server_post(share(world)), headers=htmx("server-form")
        )
        assert response.headers["HX-Redirect"] == SERVER_LIST
        assert Server.objects.count() == 1

    def test_invalid_form_comes_back_bound_with_200(self, world, recipient_client):
        image = share(world, min_disk_gb=60)
        response = recipient_client.post(
            SERVER_CREATE, server_post(image, system_disk_gb="40"), headers=htmx("server-form")
        )
        assert response.status_code == 200
        assert response.template_name == "compute/server_form.html#server-form"
        assert "at least 60 GB" in response.content.decode()
        assert response.context["tab"] == "shared"
        assert not Server.objects.exists()

    @pytest.mark.parametrize("status", ["pending", "rejected"])
    def test_pending_or_rejected_image_is_refused(self, world, recipient_client, status):
        response = recipient_client.post(SERVER_CREATE, server_post(share(world, status)))
        assert response.status_code == 200
        assert "IMG.0046" in response.content.decode()
        assert not Server.objects.exists() and not Disk.objects.exists()

    def test_revoked_grant_is_refused_with_img_0046(self, world, recipient_client):
        key = KeyFactory(project=world.sharer_de)
        image = share(world, kms_key=key)
        response = recipient_client.post(SERVER_CREATE, server_post(image))
        assert response.status_code == 200
        assert response.context["form"].errors["image"][0].startswith("IMG.0046")
        assert not Server.objects.exists()

    def test_another_tenants_image_in_the_form_is_404(self, world, recipient_client):
        for image in (ImageFactory(owner=world.sharer_de), ImageFactory(owner=world.sharer_nl)):
            response = recipient_client.post(SERVER_CREATE, server_post(image))
            assert response.status_code == 404
        assert not Server.objects.exists()
        # The form refuses it before the service is tried: no trace of the foreign image.
        assert not Trace.objects.exists()

    def test_malformed_values_are_form_errors(self, world, recipient_client):
        data = server_post(share(world)) | {"image": "x", "quantity": "many", "flavor": "zz"}
        response = recipient_client.post(SERVER_CREATE, data)
        assert response.status_code == 200
        assert set(response.context["form"].errors) >= {"image", "quantity", "flavor"}
        assert not Server.objects.exists()

    def test_zone_of_another_region_is_a_form_error(self, world, recipient_client):
        data = server_post(share(world), availability_zone="eu-nl-01")
        response = recipient_client.post(SERVER_CREATE, data)
        assert "availability_zone" in response.context["form"].errors
        assert not Server.objects.exists()

    def test_readonly_is_refused_without_change(self, world, readonly_client):
        refused = readonly_client.post(SERVER_CREATE, server_post(share(world)))
        assert refused.status_code == 403 and b"IMG.0026" in refused.content
        response = readonly_client.post(
            SERVER_CREATE, server_post(share(world)), headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        assert response.context["error_summary"].startswith("Not done: IMG.0026")
        assert 'data-testid="bar-error"' in response.content.decode()
        assert not Server.objects.exists()
        assert not Trace.objects.filter(result="success").exists()

    def test_anonymous_is_sent_to_login(self, world, client):
        response = client.post(SERVER_CREATE, server_post(share(world)))
        assert response.status_code == 302 and "/login/" in response.url
        assert not Server.objects.exists()
