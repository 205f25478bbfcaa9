"""Images Shared with Me: pages, partials, actions and tenant isolation (D1, D4–D7, D13)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.audit.models import Trace
from console.kms.models import Key
from ims.models import ImageMember
from tests.conftest import htmx
from tests.factories import (
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    KeyFactory,
    KeyGrantFactory,
    VaultFactory,
)
from vaults.models import Backup

pytestmark = pytest.mark.django_db

URL = reverse("ims:shared_images")
ACCEPT = reverse("ims:share_accept")
REJECT = reverse("ims:share_reject")


def share(world, status="pending", project=None, **image_kwargs):
    project = project or world.recipient_de
    owner = world.sharer_de if project.region == world.de else world.sharer_nl
    image = ImageFactory(owner=owner, **image_kwargs)
    return ImageMemberFactory(image=image, project=project, status=status)


def full_ecs_share(world, sizes=(40, 60)):
    member = share(world, full_ecs=True, name="full-app")
    for i, size in enumerate(sizes):
        ImageBackupFactory(image=member.image, size_gb=size, device=f"/dev/vd{'ab'[i]}")
    return member


def status(member):
    return ImageMember.objects.get(pk=member.pk).status


class TestSharedImagesPage:
    def test_banner_lists_pending_shares_of_the_current_region_only(self, world, recipient_client):
        de = share(world, name="de-image")
        share(world, project=world.recipient_nl, name="nl-image")
        share(world, status="accepted", name="accepted-image")
        response = recipient_client.get(URL)
        body = response.content.decode()
        assert response.status_code == 200
        assert 'id="banner"' in body and "Select de-image" in body
        assert "nl-image" not in body
        assert "Select accepted-image" not in body and "accepted-image" in body
        assert 'data-testid="pending-dot"' in body
        assert de.image.owner.tenant.name in body

    def test_switching_region_shows_that_regions_pending_shares(self, world, recipient_client):
        share(world, project=world.recipient_nl, name="nl-image")
        assert "Select nl-image" not in recipient_client.get(URL).content.decode()
        recipient_client.post(reverse("console:region_switch"), {"region": "eu-nl"})
        assert "Select nl-image" in recipient_client.get(URL).content.decode()

    def test_no_banner_and_no_red_dot_without_pending_shares(self, world, recipient_client):
        share(world, status="accepted")
        body = recipient_client.get(URL).content.decode()
        assert "Select " not in body.split('id="banner"')[1].split("</section>")[0]
        assert 'data-testid="pending-dot"' not in body

    def test_pending_and_rejected_are_hidden_from_the_list(self, world, recipient_client):
        share(world, status="rejected", name="rejected-image")
        share(world, name="pending-image")
        response = recipient_client.get(URL)
        table = response.content.decode().split('id="accepted-table"')[1]
        assert "rejected-image" not in table and "pending-image" not in table

    def test_banner_holds_only_pending_and_rejected_view_only_rejected(
        self, world, recipient_client
    ):
        share(world, name="pending-image")
        share(world, status="rejected", name="rejected-image")
        share(world, status="accepted", name="accepted-image")
        body = recipient_client.get(URL).content.decode()
        banner = body.split('id="banner"')[1].split("</section>")[0]
        assert "Select pending-image" in banner
        assert "rejected-image" not in banner and "accepted-image" not in banner
        body = recipient_client.get(URL, {"view": "rejected"}).content.decode()
        table = body.split('id="rejected-table"')[1]
        assert "Select rejected-image" in table
        assert "pending-image" not in table and "accepted-image" not in table

    def test_red_dot_on_every_image_tab_counts_this_regions_pending_shares(
        self, world, recipient_client
    ):
        tabs = [URL, reverse("ims:private_images"), reverse("ims:public_images")]
        share(world, project=world.recipient_nl)
        share(world, status="accepted")
        share(world, status="rejected")
        for url in tabs:
            assert 'data-testid="pending-dot"' not in recipient_client.get(url).content.decode()
        share(world)
        for url in tabs:
            assert 'data-testid="pending-dot"' in recipient_client.get(url).content.decode()

    def test_encrypted_share_is_unavailable_while_the_owners_key_cannot_serve_it(
        self, world, recipient_client
    ):
        key = KeyFactory(project=world.sharer_de)
        share(world, status="accepted", name="enc-image", kms_key=key)
        # A grant for another tenant does not count (D10).
        KeyGrantFactory(key=key)

        def row():
            body = recipient_client.get(URL).content.decode()
            return body.split('data-image="enc-image"')[1].split("</tr>")[0]

        assert "Unavailable" in row() and "Apply for Server</a>" not in row()
        assert "no longer grants your account access" in row()
        KeyGrantFactory(key=key, grantee=world.recipient)
        assert "Unavailable" not in row() and "Apply for Server</a>" in row()
        Key.objects.filter(pk=key.pk).update(state=Key.State.DISABLED)
        assert "Unavailable" in row() and "Apply for Server</a>" not in row()
        assert "is disabled" in row()

    def test_rejected_view_lists_rejected_images(self, world, recipient_client):
        share(world, status="rejected", name="rejected-image")
        share(world, status="accepted", name="accepted-image")
        body = recipient_client.get(URL, {"view": "rejected"}).content.decode()
        table = body.split('id="rejected-table"')[1]
        assert "Select rejected-image" in table and "accepted-image" not in table

    def test_search_and_type_filter(self, world, recipient_client):
        share(world, status="accepted", name="web-frontend")
        share(world, status="accepted", name="db-backend")
        share(world, status="accepted", name="web-data", data_disk=True)
        body = recipient_client.get(URL, {"q": "web"}).content.decode()
        assert "web-frontend" in body and "web-data" in body and "db-backend" not in body
        body = recipient_client.get(URL, {"q": "web", "type": "data"}).content.decode()
        assert "web-data" in body and "web-frontend" not in body

    def test_invalid_filters_are_ignored_not_an_error(self, world, recipient_client):
        share(world, status="accepted", name="web-frontend")
        response = recipient_client.get(URL, {"type": "bogus", "page": "x", "view": "nope"})
        assert response.status_code == 200 and "web-frontend" in response.content.decode()

    def test_paging(self, world, recipient_client):
        for i in range(12):
            share(world, status="accepted", name=f"img-{i:02d}")
        body = recipient_client.get(URL).content.decode()
        assert "Total records: 12" in body and "1 / 2" in body
        assert "2 / 2" in recipient_client.get(URL, {"page": 2}).content.decode()

    def test_banner_pages_through_many_pending_shares(self, world, recipient_client):
        for i in range(12):
            share(world, name=f"pending-{i:02d}")
        body = recipient_client.get(URL).content.decode()
        banner = body.split('id="banner"')[1].split("</section>")[0]
        assert banner.count("Select pending-") == 10
        assert "shared 12 images with you" in banner and "1–10 of 12 waiting" in banner
        second = recipient_client.get(URL, {"pending_page": 2}, headers=htmx("banner"))
        assert second.content.decode().count("Select pending-") == 2

    def test_empty_state_reminds_to_check_the_region(self, world, recipient_client):
        body = recipient_client.get(URL).content.decode()
        assert "check the region selected" in body

    @pytest.mark.parametrize("target", ["banner", "shared-list", "accepted-images"])
    def test_htmx_request_gets_only_its_partial(self, world, recipient_client, target):
        share(world)
        response = recipient_client.get(URL, headers=htmx(target))
        assert response.template_name == f"ims/shared_images.html#{target}"
        body = response.content.decode()
        assert f'id="{target}"' in body and "<html" not in body
        assert "HX-Request" in response["Vary"]

    def test_rejected_images_partial(self, world, recipient_client):
        share(world, status="rejected", name="rejected-image")
        response = recipient_client.get(URL, {"view": "rejected"}, headers=htmx("shared-list"))
        body = response.content.decode()
        assert 'id="rejected-images"' in body and "<html" not in body

    def test_unknown_target_gets_the_full_page(self, world, recipient_client):
        response = recipient_client.get(URL, headers=htmx("main"))
        assert "<html" in response.content.decode()

    @pytest.mark.parametrize("rows", [5, 500])
    def test_constant_queries(self, world, recipient_client, django_assert_max_num_queries, rows):
        images = ImageFactory.create_batch(rows, owner=world.sharer_de)
        statuses = ["pending", "accepted", "rejected"]
        ImageMember.objects.bulk_create(
            ImageMember(image=img, project=world.recipient_de, status=statuses[i % 3])
            for i, img in enumerate(images)
        )
        # Eleven: the tags of the listed images are one more query, whatever the rows.
        with django_assert_max_num_queries(11):
            response = recipient_client.get(URL)
        assert response.status_code == 200
        with django_assert_max_num_queries(10):
            recipient_client.get(URL, headers=htmx("banner"))

    def test_the_banner_partial_reads_only_waiting_shares(self, world, recipient_client):
        for status in ("pending", "accepted", "rejected"):
            share(world, status=status)
        with CaptureQueriesContext(connection) as captured:
            body = recipient_client.get(URL, headers=htmx("banner")).content.decode()
        assert 'id="banner"' in body
        member_queries = [q["sql"] for q in captured if '"ims_imagemember"' in q["sql"]]
        assert member_queries and all("'pending'" in sql for sql in member_queries)
        assert not any("'accepted'" in sql or "'rejected'" in sql for sql in member_queries)

    def test_the_rejected_view_does_not_count_the_accepted_shares(self, world, recipient_client):
        share(world, status="rejected", name="gone")
        share(world, status="accepted")
        with CaptureQueriesContext(connection) as captured:
            response = recipient_client.get(f"{URL}?view=rejected")
        assert "gone" in response.content.decode()
        counts = [q["sql"] for q in captured if "COUNT(" in q["sql"] and "imagemember" in q["sql"]]
        assert len(counts) == 1 and "'accepted'" not in counts[0]


class TestAccept:
    def test_accepts_selection_and_refreshes_regions(self, world, recipient_client):
        a, b, c = share(world, name="a"), share(world, name="b"), share(world, name="c")
        response = recipient_client.post(ACCEPT, {"members": [a.pk, b.pk]}, headers=htmx("dialogs"))
        assert response.status_code == 200
        assert [status(a), status(b), status(c)] == ["accepted", "accepted", "pending"]
        body = response.content.decode()
        assert 'id="banner"' in body and 'id="shared-list"' in body and 'id="image-tabs"' in body
        assert body.count('hx-swap-oob="true"') >= 3
        assert "2 images accepted." in body
        assert response["HX-Reswap"] == "none"
        assert "modal-close" in response["HX-Trigger"]

    def test_accept_all(self, world, recipient_client):
        members = [share(world) for _ in range(3)]
        recipient_client.post(ACCEPT, {"all": "1"}, headers=htmx("dialogs"))
        assert [status(m) for m in members] == ["accepted"] * 3

    def test_accept_all_takes_the_pending_shares_beyond_the_banner_page(
        self, world, recipient_client
    ):
        members = [share(world) for _ in range(12)]
        recipient_client.post(ACCEPT, {"all": "1"}, headers=htmx("dialogs"))
        assert [status(m) for m in members] == ["accepted"] * 12

    def test_without_htmx_redirects_back_with_a_message(self, world, recipient_client):
        a = share(world)
        response = recipient_client.post(ACCEPT, {"members": [a.pk]}, follow=True)
        assert response.redirect_chain[-1][0] == URL
        assert "1 image accepted." in response.content.decode()

    def test_empty_selection_is_an_error_not_a_change(self, world, recipient_client):
        a = share(world)
        response = recipient_client.post(ACCEPT, {}, headers=htmx("dialogs"))
        assert response.status_code == 200
        assert "Select at least one image." in response.content.decode()
        assert status(a) == "pending"

    def test_malformed_member_id_is_an_error_not_a_500(self, world, recipient_client):
        response = recipient_client.post(ACCEPT, {"members": ["abc"]}, headers=htmx("dialogs"))
        assert response.status_code == 200

    def test_another_tenants_member_is_404_and_nothing_changes(self, world, recipient_client):
        mine = share(world)
        theirs = ImageMemberFactory(
            image=ImageFactory(owner=world.recipient_de), project=world.sharer_de
        )
        for data in ({"members": [theirs.pk]}, {"members": [mine.pk, theirs.pk]}):
            assert recipient_client.post(ACCEPT, data, headers=htmx("dialogs")).status_code == 404
            assert recipient_client.post(REJECT, data).status_code == 404
        assert recipient_client.get(REJECT, {"members": theirs.pk}).status_code == 404
        assert status(mine) == "pending" and status(theirs) == "pending"

    @pytest.mark.parametrize("member_id", [str(2**63), "9" * 30])
    def test_member_id_beyond_the_id_range_is_404_not_a_500(
        self, world, recipient_client, member_id
    ):
        a = share(world)
        for url in (ACCEPT, REJECT):
            data = {"members": [a.pk, member_id]}
            assert recipient_client.post(url, data, headers=htmx("dialogs")).status_code == 404
            assert recipient_client.get(url, {"members": member_id}).status_code == 404
        assert recipient_client.get(URL, {"accept": member_id}).status_code == 404
        assert status(a) == "pending"

    def test_other_regions_member_of_my_tenant_is_404(self, world, recipient_client):
        nl = share(world, project=world.recipient_nl)
        assert recipient_client.post(ACCEPT, {"members": [nl.pk]}).status_code == 404
        assert status(nl) == "pending"

    def test_readonly_user_is_refused_with_a_message(self, world, readonly_client):
        a = share(world)
        response = readonly_client.post(ACCEPT, {"members": [a.pk]}, headers=htmx("dialogs"))
        assert response.status_code == 200
        assert "read-only" in response.content.decode()
        # The documented code once, not repeated inside the message.
        assert response.content.decode().count("IMG.0026") == 1
        assert status(a) == "pending"
        full_page = readonly_client.post(ACCEPT, {"all": "1"})
        assert full_page.status_code == 403 and "read-only" in full_page.content.decode()
        assert "IMG.0026" in full_page.content.decode()
        assert status(a) == "pending"


class TestAcceptFullEcsDialog:
    def test_full_ecs_in_selection_opens_the_dialog(self, world, recipient_client):
        full = full_ecs_share(world)
        plain = share(world)
        VaultFactory(project=world.recipient_de, name="big", capacity_gb=500)
        VaultFactory(project=world.recipient_de, name="small", capacity_gb=50)
        VaultFactory(project=world.recipient_de, name="disky", resource_type="disk")
        VaultFactory(project=world.recipient_de, name="repl", protection_type="replication")
        response = recipient_client.post(
            ACCEPT, {"members": [full.pk, plain.pk]}, headers=htmx("dialogs")
        )
        body = response.content.decode()
        assert response["HX-Retarget"] == "#dialogs"
        assert 'id="accept-dialog"' in body and "Accept Full-ECS Image" in body
        assert 'data-testid="required-capacity">100 GB' in body
        assert "small has 50 GB free; 100 GB are required. (IMG.0182)" in body
        assert "(IMG.0193)" in body and body.count(" disabled") == 3
        assert [status(full), status(plain)] == ["pending", "pending"]

    def test_accept_all_with_full_ecs_opens_the_dialog(self, world, recipient_client):
        full = full_ecs_share(world)
        response = recipient_client.post(ACCEPT, {"all": "1"}, headers=htmx("dialogs"))
        assert 'id="accept-dialog"' in response.content.decode()
        assert 'name="all" value="1"' in response.content.decode()
        assert 'data-testid="dialog-error"' not in response.content.decode()
        assert status(full) == "pending" and not Trace.objects.exists()

    def test_ok_with_a_vault_accepts_and_stores_backups(self, world, recipient_client):
        full = full_ecs_share(world)
        plain = share(world)
        vault = VaultFactory(project=world.recipient_de, capacity_gb=200)
        response = recipient_client.post(
            ACCEPT,
            {"members": [full.pk, plain.pk], "vault": vault.vault_id, "from_dialog": "1"},
            headers=htmx("dialogs"),
        )
        assert response["HX-Reswap"] == "none"
        assert "2 images accepted. Backups stored in" in response.content.decode()
        assert [status(full), status(plain)] == ["accepted", "accepted"]
        assert Backup.objects.filter(vault=vault).count() == 2

    def test_ok_without_a_vault_shows_img_0184_in_the_dialog(self, world, recipient_client):
        full = full_ecs_share(world)
        response = recipient_client.post(
            ACCEPT, {"members": [full.pk], "from_dialog": "1"}, headers=htmx("dialogs")
        )
        body = response.content.decode()
        assert 'data-testid="dialog-error"' in body and "IMG.0184" in body
        assert status(full) == "pending"

    def test_too_small_vault_shows_img_0182_and_accepts_nothing(self, world, recipient_client):
        full = full_ecs_share(world)
        plain = share(world)
        vault = VaultFactory(project=world.recipient_de, capacity_gb=50)
        response = recipient_client.post(
            ACCEPT,
            {"members": [full.pk, plain.pk], "vault": vault.vault_id, "from_dialog": "1"},
            headers=htmx("dialogs"),
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "IMG.0182" in body and "Insufficient vault capacity" in body
        assert [status(full), status(plain)] == ["pending", "pending"]
        assert not Backup.objects.exists()

    @pytest.mark.parametrize("owner", ["sharer_de", "recipient_nl"])
    def test_another_tenants_or_regions_vault_is_404(self, world, recipient_client, owner):
        full = full_ecs_share(world)
        vault = VaultFactory(project=getattr(world, owner), capacity_gb=500)
        response = recipient_client.post(
            ACCEPT, {"members": [full.pk], "vault": vault.vault_id, "from_dialog": "1"}
        )
        assert response.status_code == 404
        assert status(full) == "pending" and not Backup.objects.exists()

    def test_unknown_vault_is_404(self, world, recipient_client):
        full = full_ecs_share(world)
        response = recipient_client.post(
            ACCEPT,
            {"members": [full.pk], "vault": "00000000-0000-0000-0000-000000000000"},
        )
        assert response.status_code == 404

    def test_dialog_works_as_a_full_page(self, world, recipient_client):
        full = full_ecs_share(world)
        response = recipient_client.get(ACCEPT, {"members": full.pk})
        body = response.content.decode()
        assert response.status_code == 200 and "<html" in body and "Accept Full-ECS Image" in body
        assert (
            '<dialog id="accept-dialog" class="wide" aria-labelledby="accept-dialog-title" open>'
            in body
        )

    def test_create_vault_round_trip_reopens_the_dialog(self, world, recipient_client):
        full = full_ecs_share(world)
        body = recipient_client.post(
            ACCEPT, {"members": [full.pk]}, headers=htmx("dialogs")
        ).content.decode()
        assert reverse("vaults:vault_create") + "?next=" in body
        reopened = recipient_client.get(URL, {"accept": str(full.pk)}).content.decode()
        assert 'id="accept-dialog"' in reopened and "data-onload-showmodal" in reopened
        reopened_all = recipient_client.get(URL, {"accept": "all"}).content.decode()
        assert 'name="all" value="1"' in reopened_all

    def test_reopen_with_foreign_member_is_404(self, world, recipient_client):
        theirs = ImageMemberFactory(
            image=ImageFactory(owner=world.recipient_de), project=world.sharer_de
        )
        assert recipient_client.get(URL, {"accept": str(theirs.pk)}).status_code == 404


class TestReject:
    def test_row_reject_asks_for_confirmation(self, world, recipient_client):
        a = share(world, status="accepted", name="to-reject")
        response = recipient_client.get(REJECT, {"members": a.pk}, headers=htmx("dialogs"))
        body = response.content.decode()
        assert 'id="reject-dialog"' in body and "to-reject" in body
        assert "Servers and disks already created from it are not affected." in body
        assert status(a) == "accepted"

    def test_confirmation_works_as_a_full_page(self, world, recipient_client):
        a = share(world, status="accepted")
        body = recipient_client.get(REJECT, {"members": a.pk}).content.decode()
        assert "<html" in body and ">Yes</button>" in body

    def test_yes_rejects(self, world, recipient_client):
        a = share(world, status="accepted")
        response = recipient_client.post(REJECT, {"members": [a.pk]}, headers=htmx("dialogs"))
        assert "1 image rejected." in response.content.decode()
        assert status(a) == "rejected"

    def test_reject_pending_selection_from_the_banner(self, world, recipient_client):
        a, b = share(world), share(world)
        recipient_client.post(REJECT, {"members": [a.pk, b.pk]}, headers=htmx("dialogs"))
        assert [status(a), status(b)] == ["rejected", "rejected"]

    def test_reject_all_is_not_a_thing(self, world, recipient_client):
        a = share(world)
        recipient_client.post(REJECT, {"all": "1"}, headers=htmx("dialogs"))
        assert status(a) == "pending"

    def test_readonly_user_is_refused(self, world, readonly_client):
        a = share(world, status="accepted")
        response = readonly_client.post(REJECT, {"members": [a.pk]}, headers=htmx("dialogs"))
        assert "read-only" in response.content.decode()
        assert status(a) == "accepted"

    def test_list_keeps_its_view_after_an_action(self, world, recipient_client):
        a = share(world, status="rejected", name="again")
        share(world, status="rejected", name="still-rejected")
        response = recipient_client.post(
            ACCEPT,
            {"members": [a.pk]},
            headers=htmx("dialogs") | {"HX-Current-URL": "http://testserver/ims/?view=rejected"},
        )
        body = response.content.decode()
        assert 'id="rejected-images"' in body and "still-rejected" in body
