"""Delete images (reference ims-lifecycle.md §3; D7, D11): the service, its rules, the dialog."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.audit.models import Trace
from console.compute.models import Server
from console.errors import BatchRefused, ConsoleError, RoleRefused
from console.models import User
from ims.models import Image, ImageBackup, ImageMember, MemberBackup
from ims.services import image_delete_refusal, images_delete
from ims.store import files
from tests.api.conftest import Api, error_of
from tests.conftest import htmx
from tests.factories import (
    BackupFactory,
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    ImageTagFactory,
    ProjectFactory,
    ServerFactory,
    UserFactory,
    VaultFactory,
)
from vaults.models import Backup, Vault

pytestmark = pytest.mark.django_db

PRIVATE = reverse("ims:private_images")
DELETE = reverse("ims:images_delete")


def own_image(world, **kwargs) -> Image:
    return ImageFactory(owner=world.sharer_de, **kwargs)


def full_ecs_in_vault(world, vault: Vault, name: str = "whole", sizes=(40, 60)) -> Image:
    """A full-ECS image of the sharer whose disk backups are stored in the sharer's `vault`,
    as Create Image stores them."""
    image = own_image(world, full_ecs=True, name=name)
    for index, size in enumerate(sizes):
        stored = Backup.objects.create(
            vault=vault,
            project=vault.project,
            name=f"{name} disk {index}",
            role="system" if index == 0 else "data",
            size_gb=size,
        )
        ImageBackupFactory(
            image=image, device=f"/dev/vd{'abcdefgh'[index]}", size_gb=size, vault_backup=stored
        )
    return image


def used(vault: Vault) -> int:
    return Vault.objects.with_usage().get(pk=vault.pk).used_gb


def delete(world, images, **kwargs):
    return images_delete(actor=world.sharer_user, project=world.sharer_de, images=images, **kwargs)


def codes(error: ConsoleError) -> list[str]:
    return [problem.error.code for problem in getattr(error, "problems", [])] or [error.code]


class TestImagesDelete:
    def test_deletes_every_image_with_its_shares_tags_and_one_trace_each(self, world):
        web, data = own_image(world, name="web"), own_image(world, name="data", data_disk=True)
        member = ImageMemberFactory(image=web, project=world.recipient_de, status="accepted")
        ImageTagFactory(image=data)
        result = delete(world, [web, data])

        assert {i.name for i in result.images} == {"web", "data"}
        assert [m.pk for m in result.members] == [member.pk]
        assert not Image.objects.filter(owner=world.sharer_de).exists()
        assert not ImageMember.objects.exists()
        traces = Trace.objects.filter(operation="deleteImage", result="success")
        assert {t.resource_name: t.detail["members"] for t in traces} == {
            "web": [world.recipient_de.project_id],
            "data": [],
        }

    def test_a_shared_image_can_be_deleted_and_recipients_lose_it_at_once(self, world):
        """D11: the owner deletes without the recipients; their vault copies go (D5)."""
        vault = VaultFactory(project=world.recipient_de)
        copy = BackupFactory(vault=vault, member__image__owner=world.sharer_de, size_gb=40)
        image = copy.member.image
        assert image_delete_refusal(image, world.sharer_de) is None
        delete(world, [image])
        assert used(vault) == 0
        assert not MemberBackup.objects.exists()
        assert not Image.objects.shared_with(world.recipient_de).exists()

    def test_servers_disks_and_replicas_stay(self, world):
        source = own_image(world, name="gold")
        replica = own_image(world, name="gold-copy", source_image=source)
        server = ServerFactory(project=world.sharer_de, image=source, image_name="gold")
        delete(world, [source])
        assert Image.objects.get(pk=replica.pk).source_image is None
        server = Server.objects.get(pk=server.pk)
        assert server.image is None and server.image_name == "gold"

    def test_with_delete_backups_the_owners_vault_frees_the_capacity(self, world):
        vault = VaultFactory(project=world.sharer_de, capacity_gb=200)
        image = full_ecs_in_vault(world, vault)
        assert used(vault) == 100
        result = delete(world, [image], delete_backups=True)
        assert (result.released_backups, result.released_gb, result.kept_backups) == (2, 100, 0)
        assert used(vault) == 0
        assert not Backup.objects.exists() and not ImageBackup.objects.exists()
        trace = Trace.objects.get(operation="deleteImage")
        assert trace.detail["backups"] == "deleted" and trace.detail["backup_gb"] == 100

    def test_without_delete_backups_they_stay_in_the_vault_as_its_own(self, world):
        vault = VaultFactory(project=world.sharer_de, capacity_gb=200)
        image = full_ecs_in_vault(world, vault)
        result = delete(world, [image])
        assert (result.released_backups, result.kept_backups) == (0, 2)
        assert used(vault) == 100
        assert not ImageBackup.objects.exists()
        assert Backup.objects.filter(vault=vault).count() == 2

    def test_files_leave_the_store_after_the_commit(
        self, world, image_store, django_capture_on_commit_callbacks
    ):
        names = []
        for _ in range(2):
            stored = files.receive([b"disk bytes"], extension="qcow2").file
            own_image(world, file_name=stored.name, file_size=stored.size)
            names.append(stored.name)
        with django_capture_on_commit_callbacks(execute=True):
            delete(world, list(Image.objects.owned_by(world.sharer_de)))
            assert all(files.exists(n) for n in names)
        assert not any(files.exists(n) for n in names)


class TestRefusals:
    """Each documented refusal (§3.1, §3.3), from the one function every caller asks."""

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"status": "saving"}, "IMG.0090"),
            ({"protected": True}, "IMG.0028"),
        ],
    )
    def test_state_refusals(self, world, fields, code):
        image = own_image(world, **fields)
        assert image_delete_refusal(image, world.sharer_de).code == code
        with pytest.raises(ConsoleError) as info:
            delete(world, [image])
        assert info.value.code == code
        assert Image.objects.filter(pk=image.pk).exists()

    @pytest.mark.parametrize("status", ["active", "error", "queued", "deactivated"])
    def test_images_not_being_created_can_be_deleted(self, world, status):
        assert image_delete_refusal(own_image(world, status=status), world.sharer_de) is None

    def test_public_image_is_img_0094(self, world):
        image = ImageFactory(owner=None, region=world.de)
        with pytest.raises(ConsoleError) as info:
            delete(world, [image])
        assert info.value.code == "IMG.0094"

    def test_another_projects_image_is_img_0092(self, world):
        for owner in (world.recipient_de, world.sharer_nl):
            image = ImageFactory(owner=owner)
            with pytest.raises(ConsoleError) as info:
                delete(world, [image])
            assert info.value.code == "IMG.0092"
            assert Image.objects.filter(pk=image.pk).exists()

    def test_read_only_user_is_refused(self, world):
        image = own_image(world)
        viewer = UserFactory(tenant=world.sharer, role=User.Role.READONLY)
        with pytest.raises(RoleRefused):
            images_delete(actor=viewer, project=world.sharer_de, images=[image])
        assert Image.objects.filter(pk=image.pk).exists()

    def test_nothing_selected_is_img_0086(self, world):
        with pytest.raises(ConsoleError) as info:
            delete(world, [])
        assert info.value.code == "IMG.0086"

    def test_a_batch_is_all_or_nothing_and_names_each_refused_image(self, world):
        """D7: one protected and one Creating image among four: nothing is deleted."""
        fine = [own_image(world, name="fine-1"), own_image(world, name="fine-2")]
        ImageMemberFactory(image=fine[0], project=world.recipient_de)
        locked = own_image(world, name="locked", protected=True)
        creating = own_image(world, name="creating", status="saving")
        with pytest.raises(BatchRefused) as info:
            delete(world, [*fine, locked, creating])
        assert sorted(codes(info.value)) == ["IMG.0028", "IMG.0090"]
        assert "locked" in str(info.value) and "creating" in str(info.value)
        assert Image.objects.filter(owner=world.sharer_de).count() == 4
        assert ImageMember.objects.count() == 1
        failed = Trace.objects.get(operation="deleteImage")
        assert failed.result == "failed" and "IMG.0028" in failed.detail["error"]

    def test_an_image_deleted_meanwhile_is_img_0144(self, world):
        gone, kept = own_image(world, name="gone"), own_image(world, name="kept")
        Image.objects.filter(pk=gone.pk).delete()
        with pytest.raises(BatchRefused) as info:
            delete(world, [gone, kept])
        assert codes(info.value) == ["IMG.0144"] and "gone" in str(info.value)
        assert Image.objects.filter(pk=kept.pk).exists()


def statements(call, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        call(*args, **kwargs)
    return len(captured)


def batch(world, count: int) -> list[Image]:
    """`count` images of every kind that takes something along: shares, tags, servers,
    a recipient's vault copy and the owner's own vault backups."""
    vault = VaultFactory(project=world.sharer_de, capacity_gb=10_000)
    recipient_vault = VaultFactory(project=world.recipient_de, capacity_gb=10_000)
    images = []
    for index in range(count):
        image = full_ecs_in_vault(world, vault, name=f"batch-{count}-{index}", sizes=(10,))
        BackupFactory(
            vault=recipient_vault,
            member=ImageMemberFactory(
                image=image, project=world.recipient_de, status="accepted", vault=recipient_vault
            ),
            source=image.backups.get(),
        )
        ImageMemberFactory(image=image, project=ProjectFactory(region=world.de))
        ImageTagFactory(image=image)
        ServerFactory(project=world.sharer_de, image=image)
        images.append(image)
    return images


class TestConstantStatements:
    @pytest.fixture(autouse=True)
    def _features_probed(self, db):
        # SQLite probes its JSON support once per connection; that query is not the service's.
        assert connection.features.supports_json_field

    def test_the_service_sends_as_many_statements_for_2_as_for_50(self, world):
        counts = {}
        for size in (2, 50):
            images = batch(world, size)
            counts[size] = statements(delete, world, images, delete_backups=True)
            assert not Image.objects.filter(pk__in=[i.pk for i in images]).exists()
        assert not Backup.objects.exists() and not MemberBackup.objects.exists()
        assert counts[2] == counts[50] <= 25

    def test_the_dialog_sends_as_many_statements_for_2_as_for_50(self, world, sharer_client):
        counts = {}
        for size in (2, 50):
            ids = [i.pk for i in batch(world, size)]
            counts[size, "get"] = statements(sharer_client.get, DELETE, {"image": ids})
            counts[size, "post"] = statements(
                sharer_client.post, DELETE, {"image": ids, "delete_backups": "on"}
            )
            assert not Image.objects.filter(pk__in=ids).exists()
            # Shows (and so consumes) the success message before the next round.
            assert "images deleted" in body(sharer_client.get(PRIVATE))
        assert counts[2, "get"] == counts[50, "get"]
        assert counts[2, "post"] == counts[50, "post"]


def body(response) -> str:
    return response.content.decode()


class TestDeleteDialog:
    def test_list_has_a_delete_button_for_the_checked_images(self, world, sharer_client):
        image = own_image(world, name="nope", status="saving")
        html = body(sharer_client.get(PRIVATE))
        assert f'formaction="{DELETE}"' in html and 'data-testid="delete-selected"' in html
        # Every row can be checked, even one that can be neither shared nor deleted now.
        assert f'name="image" value="{image.pk}" form="image-selection"' in html

    def test_lists_the_images_warns_about_shares_and_offers_the_backups(self, world, sharer_client):
        vault = VaultFactory(project=world.sharer_de)
        whole = full_ecs_in_vault(world, vault)
        web = own_image(world, name="web")
        ImageMemberFactory(image=web, project=world.recipient_de)
        response = sharer_client.get(DELETE, {"image": [whole.pk, web.pk]}, headers=htmx("dialogs"))
        html = body(response)
        assert html.lstrip().startswith('<dialog id="image-delete-dialog"')
        assert 'data-image="whole"' in html and 'data-image="web"' in html
        assert "delete the following 2 images" in html
        assert "1 of these images is shared with other projects" in html
        assert "Delete CSBS backups or cloud server backups of the full-ECS images" in html
        assert 'name="delete_backups" id="id_delete_backups" checked' in html
        assert "2 disk backups (100 GB)" in html
        assert "delete-refusal" not in html

    def test_no_backup_option_without_full_ecs_images(self, world, sharer_client):
        html = body(sharer_client.get(DELETE, {"image": [own_image(world).pk]}))
        assert "delete_backups" not in html

    def test_yes_deletes_them_all_and_goes_back_to_the_list(self, world, sharer_client):
        vault = VaultFactory(project=world.sharer_de)
        whole, web = full_ecs_in_vault(world, vault), own_image(world, name="web")
        response = sharer_client.post(
            DELETE,
            {"image": [whole.pk, web.pk], "delete_backups": "on"},
            headers=htmx("image-delete-panel")
            | {"HX-Current-URL": "http://testserver/ims/private/?type=full_ecs"},
        )
        assert response.status_code == 200
        assert response["HX-Redirect"] == f"{PRIVATE}?type=full_ecs"
        assert not Image.objects.filter(owner=world.sharer_de).exists()
        assert used(vault) == 0
        page = body(sharer_client.get(PRIVATE))
        assert "2 images deleted." in page
        assert "2 backups (100 GB) deleted from the server backup vaults." in page

    def test_unticked_the_backups_stay(self, world, sharer_client):
        vault = VaultFactory(project=world.sharer_de)
        whole = full_ecs_in_vault(world, vault)
        response = sharer_client.post(DELETE, {"image": [whole.pk]})
        assert response.status_code == 302 and response["Location"] == PRIVATE
        assert used(vault) == 100
        assert "2 backups stay in the server backup vaults." in body(sharer_client.get(PRIVATE))

    def test_a_refused_image_is_named_and_yes_is_disabled(self, world, sharer_client):
        fine = own_image(world, name="fine")
        locked = own_image(world, name="locked", protected=True)
        html = body(sharer_client.get(DELETE, {"image": [fine.pk, locked.pk]}))
        refusal = html.split('data-testid="delete-refusal">')[1].split("</p>")[0]
        assert refusal.startswith("locked cannot be deleted: IMG.0028")
        assert '<button type="submit" class="btn btn-danger" disabled>' in html

    def test_a_refused_post_deletes_nothing_and_says_why(self, world, sharer_client):
        fine = own_image(world, name="fine")
        creating = own_image(world, name="creating", status="saving")
        response = sharer_client.post(
            DELETE, {"image": [fine.pk, creating.pk]}, headers=htmx("image-delete-panel")
        )
        html = body(response)
        assert response.status_code == 200 and "Nothing was deleted." in html
        assert "creating: IMG.0090" in html
        assert Image.objects.filter(owner=world.sharer_de).count() == 2

    def test_nothing_selected_says_so(self, world, sharer_client):
        html = body(sharer_client.get(DELETE))
        assert "Select one or more images in the list first." in html
        assert '<button type="submit" class="btn btn-danger" disabled>' in html
        assert sharer_client.post(DELETE).status_code == 200

    def test_another_tenants_image_is_404_and_stays(self, world, sharer_client):
        theirs = ImageFactory(owner=world.recipient_de)
        mine = own_image(world)
        assert sharer_client.get(DELETE, {"image": [mine.pk, theirs.pk]}).status_code == 404
        assert sharer_client.post(DELETE, {"image": [mine.pk, theirs.pk]}).status_code == 404
        assert Image.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2

    def test_read_only_user_is_refused(self, world):
        client = Client()
        client.force_login(UserFactory(tenant=world.sharer, role=User.Role.READONLY))
        image = own_image(world)
        response = client.post(DELETE, {"image": [image.pk]}, headers=htmx("image-delete-panel"))
        assert response.status_code == 200 and "IMG.0026" in body(response)
        assert client.post(DELETE, {"image": [image.pk]}).status_code == 403
        assert Image.objects.filter(pk=image.pk).exists()

    def test_the_row_delete_uses_the_same_dialog_and_rules(self, world, sharer_client):
        vault = VaultFactory(project=world.sharer_de)
        whole = full_ecs_in_vault(world, vault)
        url = reverse("ims:image_delete", args=[whole.pk])
        html = body(sharer_client.get(url))
        assert "Are you sure you want to delete the image <strong>whole</strong>?" in html
        assert "id_delete_backups" in html
        sharer_client.post(url, {"delete_backups": "on"})
        assert used(vault) == 0 and not Image.objects.filter(pk=whole.pk).exists()
        creating = own_image(world, name="creating", status="saving")
        url = reverse("ims:image_delete", args=[creating.pk])
        assert "IMG.0090" in body(sharer_client.get(url))
        assert "IMG.0090" in body(sharer_client.post(url, headers=htmx("image-delete-panel")))
        assert Image.objects.filter(pk=creating.pk).exists()


class TestApi:
    """DELETE /v2/images/{id} (IMS native and Glance) asks the same service and rules."""

    @pytest.fixture
    def api(self, world):
        return Api(world.sharer_user, world.sharer_de)

    def test_delete_backup_true_frees_the_vault(self, world, api):
        vault = VaultFactory(project=world.sharer_de)
        image = full_ecs_in_vault(world, vault)
        response = api.call("delete", f"/v2/images/{image.pk}", {"delete_backup": True})
        assert response.status_code == 204
        assert used(vault) == 0 and not Image.objects.filter(pk=image.pk).exists()

    def test_without_a_body_the_backups_stay(self, world, api):
        vault = VaultFactory(project=world.sharer_de)
        image = full_ecs_in_vault(world, vault)
        assert api.call("delete", f"/v2/images/{image.pk}").status_code == 204
        assert used(vault) == 100 and not Image.objects.filter(pk=image.pk).exists()

    @pytest.mark.parametrize(
        ("fields", "status", "code"),
        [({"status": "saving"}, 409, "IMG.0090"), ({"protected": True}, 403, "IMG.0028")],
    )
    def test_refusals_keep_their_codes(self, world, api, fields, status, code):
        image = own_image(world, **fields)
        assert error_of(api.call("delete", f"/v2/images/{image.pk}")) == (status, code)
        assert Image.objects.filter(pk=image.pk).exists()

    def test_a_public_image_is_403_img_0094(self, world, api):
        image = ImageFactory(owner=None, region=world.de)
        assert error_of(api.call("delete", f"/v2/images/{image.pk}")) == (403, "IMG.0094")

    @pytest.mark.parametrize("payload", [[1], {"delete_backup": "yes"}])
    def test_a_malformed_body_is_400_and_deletes_nothing(self, world, api, payload):
        image = own_image(world)
        assert error_of(api.call("delete", f"/v2/images/{image.pk}", payload)) == (
            400,
            "IMG.0001",
        )
        assert Image.objects.filter(pk=image.pk).exists()
