"""Sharer-side pages: Private/Public Images, the Share Image dialog, details, recipients, delete."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from console.audit.models import Message
from console.compute.models import Server
from console.ids import new_hex32
from console.kms.models import Key
from console.models import User
from ims.models import Image, ImageMember
from tests.conftest import htmx
from tests.factories import (
    BackupFactory,
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    KeyFactory,
    ProjectFactory,
    ServerFactory,
    UserFactory,
    VaultFactory,
)
from vaults.models import Backup

pytestmark = pytest.mark.django_db

PRIVATE = reverse("ims:private_images")
PUBLIC = reverse("ims:public_images")
SHARE = reverse("ims:image_share")


def detail_url(image):
    return reverse("ims:image_detail", args=[image.pk])


def add_url(image):
    return reverse("ims:image_member_add", args=[image.pk])


def members_delete_url(image):
    return reverse("ims:image_members_delete", args=[image.pk])


def delete_url(image):
    return reverse("ims:image_delete", args=[image.pk])


def own_image(world, **kwargs):
    return ImageFactory(owner=world.sharer_de, **kwargs)


def body(response):
    return response.content.decode()


def triggers(response):
    return json.loads(response.headers.get("HX-Trigger", "{}"))


@pytest.fixture
def sharer_readonly_client(world):
    client = Client()
    client.force_login(UserFactory(tenant=world.sharer, role=User.Role.READONLY))
    return client


class TestPrivateImages:
    def test_lists_only_the_projects_own_images_with_the_columns(self, world, sharer_client):
        own_image(world, name="web-image")
        own_image(world, name="full-image", full_ecs=True)
        ImageFactory(owner=world.sharer_nl, name="nl-image")
        ImageFactory(owner=world.recipient_de, name="their-image")
        ImageFactory(owner=None, region=world.de, name="public-image")
        response = sharer_client.get(PRIVATE)
        html = body(response)
        assert response.status_code == 200
        assert "web-image" in html and "full-image" in html
        for hidden in ("nl-image", "their-image", "public-image"):
            assert hidden not in html
        for column in ("Name", "Status", "OS Type", "OS", "Image Type", "Disk Capacity (GB)"):
            assert f"<th>{column}</th>" in html or f'num">{column}</th>' in html
        assert "Encrypted" in html and "Created" in html and "Operation" in html
        row = html.split('data-image="full-image"')[1].split("</tr>")[0]
        assert '<td class="num">--</td>' in row

    def test_name_links_to_the_detail_page(self, world, sharer_client):
        image = own_image(world)
        assert f'href="{detail_url(image)}"' in body(sharer_client.get(PRIVATE))

    def test_apply_for_server_only_for_system_and_full_ecs_images(self, world, sharer_client):
        images = {
            "sys": own_image(world, name="sys"),
            "full": own_image(world, name="full", full_ecs=True),
            "data": own_image(world, name="data", data_disk=True),
            "saving": own_image(world, name="saving", status="saving"),
        }
        html = body(sharer_client.get(PRIVATE))
        create = reverse("compute:server_create")

        def link(name):
            return f'href="{create}?image={images[name].pk}">Apply for Server</a>'

        def row(name):
            return html.split(f'data-image="{name}"')[1].split("</tr>")[0]

        assert link("sys") in row("sys") and link("full") in row("full")
        assert link("data") not in row("data") and 'op-disabled" title="Servers' in row("data")
        assert link("saving") not in row("saving")

    def test_shareable_images_offer_share_and_a_checkbox(self, world, sharer_client):
        image = own_image(world, name="ok")
        html = body(sharer_client.get(PRIVATE))
        row = html.split('data-image="ok"')[1].split("</tr>")[0]
        assert f'name="image" value="{image.pk}" form="image-selection"' in row
        assert f'hx-get="{SHARE}?image={image.pk}"' in row

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"image_type": "iso"}, "IMG.0046"),
            ({"status": "saving"}, "IMG.0046"),
            ({"image_type": "full_ecs", "full_ecs_source": "csbs"}, "IMG.0135"),
            ({"default_key": True}, "IMG.0098"),
        ],
    )
    def test_unshareable_images_offer_no_share_and_say_why(
        self, world, sharer_client, fields, code
    ):
        if fields.pop("default_key", False):
            fields["kms_key"] = KeyFactory(project=world.sharer_de, is_default=True)
        image = own_image(world, name="nope", **fields)
        html = body(sharer_client.get(PRIVATE))
        row = html.split('data-image="nope"')[1].split("</tr>")[0]
        # It can still be checked (for Delete); the checkbox says why it cannot be shared.
        assert f'value="{image.pk}" form="image-selection"' in row
        assert f"{SHARE}?image=" not in row
        assert f'title="Cannot be shared: {code}' in row
        # No Share action at all: the image's detail page names the reason.
        assert ">Share<" not in row

    def test_search_by_name_and_filter_by_type(self, world, sharer_client):
        own_image(world, name="web-front")
        own_image(world, name="db-back")
        own_image(world, name="web-data", data_disk=True)
        html = body(sharer_client.get(PRIVATE, {"q": "web"}))
        assert "web-front" in html and "web-data" in html and "db-back" not in html
        html = body(sharer_client.get(PRIVATE, {"q": "web", "type": "data"}))
        assert "web-data" in html and "web-front" not in html
        html = body(sharer_client.get(PRIVATE, {"type": "bogus"}))
        assert "web-front" in html and "db-back" in html

    def test_paging_keeps_the_filters(self, world, sharer_client):
        for n in range(12):
            own_image(world, name=f"img-{n:02d}", data_disk=True)
        html = body(sharer_client.get(PRIVATE, {"type": "data"}))
        assert "Total records: 12" in html and "?type=data&amp;page=2" in html
        assert html.count('data-image="img-') == 10
        html = body(sharer_client.get(PRIVATE, {"type": "data", "page": "2"}))
        assert html.count('data-image="img-') == 2

    def test_htmx_target_gets_the_list_partial_else_the_full_page(self, world, sharer_client):
        own_image(world, name="web")
        partial = sharer_client.get(PRIVATE, headers=htmx("image-list"))
        assert body(partial).lstrip().startswith('<section id="image-list"')
        assert "<html" not in body(partial) and "web" in body(partial)
        assert "HX-Request" in partial["Vary"]
        full = sharer_client.get(PRIVATE)
        assert "<html" in body(full) and 'id="image-list"' in body(full)

    def test_constant_number_of_queries(self, world, sharer_client, django_assert_max_num_queries):
        key = KeyFactory(project=world.sharer_de)
        for n in range(3):
            own_image(world, kms_key=key if n % 2 else None)
        # Thirteen: the quota hint (the quota row, the image count) and the rows' tags.
        with django_assert_max_num_queries(13) as few:
            sharer_client.get(PRIVATE)
        for n in range(27):
            own_image(world, kms_key=key if n % 2 else None)
        with django_assert_max_num_queries(len(few.captured_queries)):
            sharer_client.get(PRIVATE, {"page": "3"})


class TestPublicImages:
    def test_lists_the_regions_public_images_with_apply_for_server(self, world, sharer_client):
        image = ImageFactory(owner=None, region=world.de, name="Standard_Ubuntu")
        ImageFactory(owner=None, region=world.nl, name="Standard_NL")
        own_image(world, name="private-one")
        html = body(sharer_client.get(PUBLIC))
        assert "Standard_Ubuntu" in html and "Standard_NL" not in html
        assert "private-one" not in html
        assert f"?image={image.pk}" in html and "Apply for Server" in html

    def test_search_and_paging(self, world, sharer_client):
        for n in range(11):
            ImageFactory(owner=None, region=world.de, name=f"Standard_Debian_{n:02d}")
        ImageFactory(owner=None, region=world.de, name="Standard_Windows")
        html = body(sharer_client.get(PUBLIC, {"q": "debian"}))
        assert "Standard_Windows" not in html and "Total records: 11" in html
        assert "?q=debian&amp;page=2" in html
        partial = body(sharer_client.get(PUBLIC, {"q": "windows"}, headers=htmx("image-list")))
        assert "<html" not in partial and "Standard_Windows" in partial

    def test_constant_number_of_queries(self, world, sharer_client, django_assert_max_num_queries):
        for _ in range(3):
            ImageFactory(owner=None, region=world.de)
        with django_assert_max_num_queries(10) as few:
            sharer_client.get(PUBLIC)
        for _ in range(27):
            ImageFactory(owner=None, region=world.de)
        with django_assert_max_num_queries(len(few.captured_queries)):
            sharer_client.get(PUBLIC)


def post_share(client, images, ids, headers=None):
    data = {"image": [i.pk for i in images], "tab": "share", "project_ids": ids}
    return client.post(SHARE, data, headers=headers or htmx("share-panel"))


class TestShareDialog:
    def test_htmx_gets_the_dialog_else_a_full_page(self, world, sharer_client):
        image = own_image(world, name="web", os="Ubuntu 22.04 server 64bit", size_gb="3.21")
        dialog = body(sharer_client.get(SHARE, {"image": image.pk}, headers=htmx("dialogs")))
        assert dialog.lstrip().startswith('<dialog id="share-dialog"')
        assert "data-onload-showmodal" in dialog and "<html" not in dialog
        for text in ("An image can be shared only inside its region.", "Image Name", "OS Type"):
            assert text in dialog
        assert "Ubuntu 22.04 server 64bit" in dialog and "3.21 GB" in dialog
        assert 'name="project_ids"' in dialog and "required" in dialog
        full = body(sharer_client.get(SHARE, {"image": image.pk}))
        assert "<html" in full and '<dialog id="share-dialog"' in full and " open>" in full

    def test_selection_of_several_images(self, world, sharer_client):
        a, b = own_image(world, name="img-a"), own_image(world, name="img-b")
        html = body(sharer_client.get(SHARE, {"image": [a.pk, b.pk]}, headers=htmx("dialogs")))
        assert "img-a" in html and "img-b" in html
        assert 'class="tab-disabled"' in html

    def test_no_selection_says_so(self, world, sharer_client):
        html = body(sharer_client.get(SHARE, headers=htmx("dialogs")))
        assert "Select one or more images in the list first." in html

    @pytest.mark.parametrize("which", ["other-tenant", "other-region", "public", "garbage"])
    def test_an_image_that_is_not_the_projects_is_404(self, world, sharer_client, which):
        image_id = {
            "other-tenant": lambda: ImageFactory(owner=world.recipient_de).pk,
            "other-region": lambda: ImageFactory(owner=world.sharer_nl).pk,
            "public": lambda: ImageFactory(owner=None, region=world.de).pk,
            "garbage": lambda: "not-a-uuid",
        }[which]()
        mine = own_image(world)
        assert sharer_client.get(SHARE, {"image": [mine.pk, image_id]}).status_code == 404
        response = sharer_client.post(
            SHARE,
            {"image": [mine.pk, image_id], "project_ids": world.recipient_de.project_id},
            headers=htmx("share-panel"),
        )
        assert response.status_code == 404
        assert not ImageMember.objects.exists()

    def test_success_closes_the_dialog_and_announces_it(self, world, sharer_client):
        image = own_image(world, name="web")
        response = post_share(sharer_client, [image], world.recipient_de.project_id)
        assert response.status_code == 200
        assert response["HX-Reswap"] == "none"
        assert set(triggers(response)) == {"modal-close", "image-shared"}
        assert "Image web shared with 1 project." in body(response)
        assert 'hx-swap-oob="true"' in body(response)
        member = ImageMember.objects.get()
        assert (member.image, member.project, member.status) == (
            image,
            world.recipient_de,
            "pending",
        )
        assert Message.objects.filter(project=world.recipient_de).count() == 1

    def test_success_without_htmx_redirects(self, world, sharer_client):
        image = own_image(world)
        response = sharer_client.post(
            SHARE,
            {"image": [image.pk], "tab": "share", "project_ids": world.recipient_de.project_id},
        )
        assert response.status_code == 302 and response["Location"] == detail_url(image)
        a, b = own_image(world), own_image(world)
        response = sharer_client.post(
            SHARE,
            {"image": [a.pk, b.pk], "tab": "share", "project_ids": world.recipient_de.project_id},
        )
        assert response["Location"] == PRIVATE
        assert ImageMember.objects.count() == 3

    def test_bad_ids_are_each_named_and_nothing_is_shared(self, world, sharer_client):
        image = own_image(world)
        unknown = new_hex32()
        ids = (
            f"{world.recipient_de.project_id},\n not-an-id , {unknown}\n"
            f"{world.recipient_nl.project_id}, {world.sharer_de.project_id}"
        )
        response = post_share(sharer_client, [image], ids)
        html = body(response)
        assert response.status_code == 200
        assert html.lstrip().startswith('<form id="share-panel"')
        assert "Nothing was shared." in html
        assert "Project ID not-an-id: IMG.0067" in html
        assert f"Project ID {unknown}: IMG.0108" in html
        assert f"Project ID {world.recipient_nl.project_id}: IMG.0108" in html
        assert f"Project ID {world.sharer_de.project_id}: IMG.0076" in html
        assert f"Project ID {world.recipient_de.project_id}:" not in html
        assert "not-an-id" in html.split("<textarea")[1]
        assert not ImageMember.objects.exists() and not Message.objects.exists()

    def test_more_than_100_ids_is_refused_by_the_form(self, world, sharer_client):
        image = own_image(world)
        ids = ",".join(new_hex32() for _ in range(101))
        html = body(post_share(sharer_client, [image], ids))
        assert "Enter at most 100 project IDs at a time; you entered 101." in html
        assert not ImageMember.objects.exists()

    def test_empty_textarea_is_required(self, world, sharer_client):
        html = body(post_share(sharer_client, [own_image(world)], " , \n"))
        assert "Enter one or more project IDs." in html

    def test_image_problem_is_named(self, world, sharer_client):
        key = KeyFactory(project=world.sharer_de, alias="cmk")
        image = own_image(world, name="enc", kms_key=key)
        html = body(post_share(sharer_client, [image], world.recipient_de.project_id))
        assert f"Project ID {world.recipient_de.project_id}: IMG.0099" in html
        assert "Image enc is encrypted with KMS key cmk" in html

    def test_already_shared_is_reported(self, world, sharer_client):
        member = ImageMemberFactory(
            image=own_image(world, name="web"), project=world.recipient_de, status="accepted"
        )
        response = post_share(sharer_client, [member.image], world.recipient_de.project_id)
        html = body(response)
        assert "Already shared, unchanged: web with" in html and "(accepted)" in html
        assert not Message.objects.exists()

    def test_readonly_user_is_refused_with_no_change(self, world, sharer_readonly_client):
        image = own_image(world)
        response = post_share(sharer_readonly_client, [image], world.recipient_de.project_id)
        assert response.status_code == 200 and "IMG.0026" in body(response)
        response = sharer_readonly_client.post(
            SHARE,
            {"image": [image.pk], "tab": "share", "project_ids": world.recipient_de.project_id},
        )
        assert response.status_code == 403 and "read-only" in body(response)
        assert not ImageMember.objects.exists()


class TestStopSharingTab:
    def test_lists_the_recipients(self, world, sharer_client):
        member = ImageMemberFactory(image=own_image(world), project=world.recipient_de)
        html = body(
            sharer_client.get(
                SHARE, {"image": member.image.pk, "tab": "stop"}, headers=htmx("share-panel")
            )
        )
        assert html.lstrip().startswith('<form id="share-panel"')
        assert world.recipient_de.project_id in html and "Recipient Co" in html
        assert "Pending" in html
        assert f'name="recipients" value="{world.recipient_de.project_id}"' in html

    def test_stops_sharing_and_releases_the_vault(self, world, sharer_client):
        vault = VaultFactory(project=world.recipient_de)
        backup = BackupFactory(
            vault=vault,
            member__image=own_image(world, full_ecs=True),
            member__project=world.recipient_de,
        )
        image = backup.member.image
        response = sharer_client.post(
            SHARE,
            {"image": image.pk, "tab": "stop", "recipients": world.recipient_de.project_id},
            headers=htmx("share-panel"),
        )
        assert response.status_code == 200
        assert set(triggers(response)) == {"modal-close", "members-deleted"}
        assert not ImageMember.objects.exists() and not Backup.objects.exists()
        assert not Message.objects.exists()

    def test_nothing_selected_is_an_error(self, world, sharer_client):
        member = ImageMemberFactory(image=own_image(world), project=world.recipient_de)
        response = sharer_client.post(
            SHARE, {"image": member.image.pk, "tab": "stop"}, headers=htmx("share-panel")
        )
        assert response.status_code == 200
        assert "Select at least one project to stop sharing with." in body(response)
        assert ImageMember.objects.exists()

    def test_a_project_that_is_not_a_recipient_is_404(self, world, sharer_client):
        member = ImageMemberFactory(image=own_image(world), project=world.recipient_de)
        elsewhere = ImageMemberFactory(
            image=ImageFactory(owner=world.recipient_de), project=ProjectFactory(region=world.de)
        )
        response = sharer_client.post(
            SHARE,
            {
                "image": member.image.pk,
                "tab": "stop",
                "recipients": [world.recipient_de.project_id, elsewhere.project.project_id],
            },
            headers=htmx("share-panel"),
        )
        assert response.status_code == 404
        assert ImageMember.objects.count() == 2


class TestImageDetail:
    def test_shows_attributes_and_recipients(self, world, sharer_client):
        key = KeyFactory(project=world.sharer_de, alias="acme-cmk")
        image = own_image(world, name="enc", kms_key=key, description="Hardened web image")
        ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")
        html = body(sharer_client.get(detail_url(image)))
        for text in (str(image.pk), "Normal", "ECS system disk image", "acme-cmk", "Hardened"):
            assert text in html
        table = html.split('id="recipient-table"')[1]
        assert world.recipient_de.project_id in table and "Recipient Co" in table
        assert "Accepted" in table
        assert f'hx-get="{add_url(image)}"' in html

    def test_unshareable_image_says_why_and_has_no_add_tenant(self, world, sharer_client):
        image = own_image(world, image_type="iso")
        html = body(sharer_client.get(detail_url(image)))
        assert "This image cannot be shared." in html and "IMG.0046" in html
        assert f'hx-get="{add_url(image)}"' not in html

    def test_backups_tab_of_a_full_ecs_image(self, world, sharer_client):
        image = own_image(world, full_ecs=True)
        ImageBackupFactory(image=image, device="/dev/vda", role="system", size_gb=40)
        ImageBackupFactory(image=image, device="/dev/vdb", role="data", size_gb=60)
        html = body(sharer_client.get(detail_url(image), {"tab": "backups"}))
        table = html.split('id="backup-table"')[1]
        assert "/dev/vda" in table and "System disk" in table and "Data disk" in table
        assert 'data-testid="backup-total">100<' in table
        plain = own_image(world)
        assert "?tab=backups" not in body(sharer_client.get(detail_url(plain)))

    def test_panel_partial_for_htmx(self, world, sharer_client):
        image = own_image(world)
        response = sharer_client.get(detail_url(image), headers=htmx("image-detail-panel"))
        assert body(response).lstrip().startswith('<section id="image-detail-panel"')
        assert "<html" not in body(response)

    @pytest.mark.parametrize("which", ["other-tenant", "other-region", "public"])
    def test_only_the_owner_sees_it(self, world, sharer_client, which):
        image = {
            "other-tenant": lambda: ImageFactory(owner=world.recipient_de),
            "other-region": lambda: ImageFactory(owner=world.sharer_nl),
            "public": lambda: ImageFactory(owner=None, region=world.de),
        }[which]()
        assert sharer_client.get(detail_url(image)).status_code == 404

    def test_recipient_of_a_share_cannot_open_the_owner_page(self, world, recipient_client):
        member = ImageMemberFactory(image=own_image(world), project=world.recipient_de)
        assert recipient_client.get(detail_url(member.image)).status_code == 404

    def test_constant_number_of_queries(self, world, sharer_client, django_assert_max_num_queries):
        image = own_image(world)
        for _ in range(3):
            ImageMemberFactory(image=image, project=ProjectFactory(region=world.de))
        with django_assert_max_num_queries(12) as few:
            sharer_client.get(detail_url(image))
        for _ in range(27):
            ImageMemberFactory(image=image, project=ProjectFactory(region=world.de))
        with django_assert_max_num_queries(len(few.captured_queries)):
            sharer_client.get(detail_url(image))


class TestAddTenant:
    def test_dialog_and_success(self, world, sharer_client):
        image = own_image(world, name="web")
        dialog = body(sharer_client.get(add_url(image), headers=htmx("dialogs")))
        assert dialog.lstrip().startswith('<dialog id="member-add-dialog"')
        response = sharer_client.post(
            add_url(image),
            {"project_ids": world.recipient_de.project_id},
            headers=htmx("member-add-panel"),
        )
        assert set(triggers(response)) == {"modal-close", "image-shared"}
        assert ImageMember.objects.get().project == world.recipient_de

    def test_same_validation_as_share(self, world, sharer_client):
        image = own_image(world)
        ids = f"{world.recipient_de.project_id}, {world.recipient_nl.project_id}"
        response = sharer_client.post(
            add_url(image), {"project_ids": ids}, headers=htmx("member-add-panel")
        )
        html = body(response)
        assert response.status_code == 200
        assert html.lstrip().startswith('<form id="member-add-panel"')
        assert f"Project ID {world.recipient_nl.project_id}: IMG.0108" in html
        assert not ImageMember.objects.exists()

    def test_another_tenants_image_is_404(self, world, sharer_client):
        image = ImageFactory(owner=world.recipient_de)
        response = sharer_client.post(
            add_url(image), {"project_ids": ProjectFactory(region=world.de).project_id}
        )
        assert response.status_code == 404 and not ImageMember.objects.exists()

    def test_readonly_user_is_refused(self, world, sharer_readonly_client):
        image = own_image(world)
        response = sharer_readonly_client.post(
            add_url(image),
            {"project_ids": world.recipient_de.project_id},
            headers=htmx("member-add-panel"),
        )
        assert "IMG.0026" in body(response) and not ImageMember.objects.exists()


class TestDeleteRecipients:
    def test_row_delete_confirms_that_one_and_yes_deletes_it(self, world, sharer_client):
        image = own_image(world)
        one = ImageMemberFactory(image=image, project=world.recipient_de)
        other = ImageMemberFactory(image=image, project=ProjectFactory(region=world.de))
        html = body(
            sharer_client.get(
                members_delete_url(image),
                {"recipients": world.recipient_de.project_id},
                headers=htmx("dialogs"),
            )
        )
        assert html.lstrip().startswith('<dialog id="members-delete-dialog"')
        assert f'value="{world.recipient_de.project_id}" data-group="delete-recipients"' in html
        checked = html.split(f'value="{world.recipient_de.project_id}"')[1].split(">")[0]
        assert "checked" in checked
        unchecked = html.split(f'value="{other.project.project_id}"')[1].split(">")[0]
        assert "checked" not in unchecked
        response = sharer_client.post(
            members_delete_url(image),
            {"recipients": world.recipient_de.project_id},
            headers=htmx("members-delete-panel"),
        )
        assert set(triggers(response)) == {"modal-close", "members-deleted"}
        assert list(ImageMember.objects.all()) == [other]
        assert not ImageMember.objects.filter(pk=one.pk).exists()

    def test_delete_all_selects_every_recipient(self, world, sharer_client):
        image = own_image(world)
        members = [
            ImageMemberFactory(image=image, project=ProjectFactory(region=world.de))
            for _ in range(3)
        ]
        html = body(sharer_client.get(members_delete_url(image), headers=htmx("dialogs")))
        for member in members:
            box = html.split(f'value="{member.project.project_id}"')[1].split(">")[0]
            assert "checked" in box
        sharer_client.post(
            members_delete_url(image),
            {"recipients": [m.project.project_id for m in members]},
        )
        assert not ImageMember.objects.exists()

    def test_foreign_recipient_or_image_is_404(self, world, sharer_client):
        image = own_image(world)
        ImageMemberFactory(image=image, project=world.recipient_de)
        stranger = new_hex32()
        assert (
            sharer_client.get(members_delete_url(image), {"recipients": stranger}).status_code
            == 404
        )
        assert (
            sharer_client.post(members_delete_url(image), {"recipients": stranger}).status_code
            == 404
        )
        theirs = ImageMemberFactory(image=ImageFactory(owner=world.recipient_de))
        response = sharer_client.post(
            members_delete_url(theirs.image), {"recipients": theirs.project.project_id}
        )
        assert response.status_code == 404
        assert ImageMember.objects.count() == 2

    def test_readonly_user_is_refused(self, world, sharer_readonly_client):
        member = ImageMemberFactory(image=own_image(world), project=world.recipient_de)
        response = sharer_readonly_client.post(
            members_delete_url(member.image),
            {"recipients": world.recipient_de.project_id},
            headers=htmx("members-delete-panel"),
        )
        assert response.status_code == 200 and "IMG.0026" in body(response)
        response = sharer_readonly_client.post(
            members_delete_url(member.image), {"recipients": world.recipient_de.project_id}
        )
        assert response.status_code == 403
        assert ImageMember.objects.filter(pk=member.pk).exists()


class TestDeleteImage:
    def test_confirm_then_delete_keeps_servers(self, world, sharer_client):
        image = own_image(world, name="web")
        ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")
        server = ServerFactory(project=world.recipient_de, image=image, image_name="web")
        dialog = body(sharer_client.get(delete_url(image), headers=htmx("dialogs")))
        assert dialog.lstrip().startswith('<dialog id="image-delete-dialog"')
        assert "shared with 1 project" in dialog
        response = sharer_client.post(
            delete_url(image),
            headers=htmx("image-delete-panel")
            | {"HX-Current-URL": "http://testserver/ims/private/?q=w"},
        )
        assert response.status_code == 200 and response["HX-Redirect"] == f"{PRIVATE}?q=w"
        assert not Image.objects.filter(pk=image.pk).exists()
        assert not ImageMember.objects.exists()
        server = Server.objects.get(pk=server.pk)
        assert server.image is None and server.image_name == "web"

    def test_without_htmx_redirects_to_the_list(self, world, sharer_client):
        image = own_image(world)
        response = sharer_client.post(delete_url(image))
        assert response.status_code == 302 and response["Location"] == PRIVATE
        assert not Image.objects.filter(pk=image.pk).exists()

    def test_another_tenants_image_is_404_and_stays(self, world, sharer_client):
        image = ImageFactory(owner=world.recipient_de)
        assert sharer_client.get(delete_url(image)).status_code == 404
        assert sharer_client.post(delete_url(image)).status_code == 404
        assert Image.objects.filter(pk=image.pk).exists()

    def test_readonly_user_is_refused(self, world, sharer_readonly_client):
        image = own_image(world)
        response = sharer_readonly_client.post(
            delete_url(image), headers=htmx("image-delete-panel")
        )
        assert response.status_code == 200 and "IMG.0026" in body(response)
        assert sharer_readonly_client.post(delete_url(image)).status_code == 403
        assert Image.objects.filter(pk=image.pk).exists()


@pytest.mark.parametrize(
    "url",
    [
        lambda image: detail_url(image),
        lambda image: add_url(image),
        lambda image: members_delete_url(image),
        lambda image: delete_url(image),
        lambda image: f"{SHARE}?image={image.pk}",
        lambda image: f"{SHARE}?image={image.pk}&tab=stop",
    ],
)
def test_every_url_with_another_tenants_image_is_404(world, sharer_client, url):
    image = ImageFactory(owner=world.recipient_de)
    assert sharer_client.get(url(image)).status_code == 404
    assert sharer_client.get(url(image), headers=htmx("dialogs")).status_code == 404


def test_a_key_state_change_shows_in_the_list(world, sharer_client):
    key = KeyFactory(project=world.sharer_de, state=Key.State.PENDING_DELETION)
    own_image(world, name="enc", kms_key=key)
    html = body(sharer_client.get(PRIVATE))
    assert "pending deletion" in html.split('data-image="enc"')[1].split("</tr>")[0]
