"""Sharer-side services: image_share, image_members_delete, image_delete (D1–D3, D5, D11)."""

from unittest import mock

import pytest
from django.db.models import QuerySet

from console.audit.models import Message, Trace
from console.compute.models import Disk, Server
from console.errors import MESSAGES as ERROR_MESSAGES
from console.errors import ConsoleError, ImsError, RoleRefused, ShareRefused
from console.ids import new_hex32
from console.kms.models import Key, KeyGrant
from console.models import Project, Tenant, User
from ims.forms import parse_project_ids
from ims.models import Image, ImageMember
from ims.services import image_delete, image_members_delete, image_share, image_share_refusal
from tests.factories import (
    BackupFactory,
    DiskFactory,
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    KeyFactory,
    KeyGrantFactory,
    ProjectFactory,
    ServerFactory,
    UserFactory,
    VaultFactory,
)
from vaults.models import Backup, Vault

pytestmark = pytest.mark.django_db

PENDING = ImageMember.Status.PENDING
ACCEPTED = ImageMember.Status.ACCEPTED
REJECTED = ImageMember.Status.REJECTED


def share(world, images, project_ids, actor=None):
    return image_share(
        actor=actor or world.sharer_user,
        project=world.sharer_de,
        images=images,
        project_ids=project_ids,
    )


def refused(world, images, project_ids):
    """Share and return the refusal's problems as (subject, code) pairs."""
    with pytest.raises(ShareRefused) as info:
        share(world, images, project_ids)
    return [(p.subject, p.error.code) for p in info.value.problems]


def projects_in(region, count):
    """`count` projects of as many new tenants in `region`."""
    tenants = Tenant.objects.bulk_create(
        Tenant(name=f"Bulk {region.code} {n}", account_id=new_hex32()) for n in range(count)
    )
    return Project.objects.bulk_create(
        Project(tenant=t, region=region, project_id=new_hex32(), name=region.code) for t in tenants
    )


def own_image(world, **kwargs):
    return ImageFactory(owner=world.sharer_de, **kwargs)


class TestShareSucceeds:
    def test_creates_pending_members_traces_and_one_message_per_project(self, world):
        web, data = own_image(world, name="web"), own_image(world, name="data", data_disk=True)
        other = ProjectFactory(region=world.de, tenant__name="Third Co")
        result = share(world, [web, data], [world.recipient_de.project_id, other.project_id])

        members = ImageMember.objects.filter(image__in=[web, data])
        assert members.count() == 4
        assert set(members.values_list("status", flat=True)) == {PENDING}
        assert len(result.added) == 4 and not result.already_shared and not result.reshared
        traces = Trace.objects.filter(operation="addMember", result="success")
        assert traces.count() == 4
        assert {t.detail["project_id"] for t in traces} == {
            world.recipient_de.project_id,
            other.project_id,
        }
        assert all(t.tenant == world.sharer for t in traces)

        for project in (world.recipient_de, other):
            messages = Message.objects.filter(project=project)
            assert messages.count() == 1
            message = messages.get()
            assert message.title == "Sharer Co shared 2 images with you"
            assert "web" in message.body and "data" in message.body
            assert "Images Shared with Me" in message.body
        assert not Message.objects.filter(project=world.recipient_nl).exists()
        assert {p.pk for p in result.notified} == {world.recipient_de.pk, other.pk}

    def test_one_image_message_is_singular(self, world):
        share(world, [own_image(world, name="web")], [world.recipient_de.project_id])
        assert Message.objects.get().title == "Sharer Co shared 1 image with you"

    def test_ids_are_trimmed_lowercased_and_deduplicated(self, world):
        image = own_image(world)
        pid = world.recipient_de.project_id
        result = share(world, [image], [f"  {pid.upper()} ", pid, ""])
        assert len(result.added) == 1
        assert Message.objects.filter(project=world.recipient_de).count() == 1

    def test_textarea_tolerates_commas_spaces_and_line_breaks(self):
        a, b, c = new_hex32(), new_hex32(), new_hex32()
        assert parse_project_ids(f" {a},\n{b} ,, \r\n {c}\t,{a}") == [a, b, c]
        assert parse_project_ids(f"{a}\n{b}") == [a, b]

    def test_encrypted_image_with_custom_key_granted_is_shared(self, world):
        key = KeyFactory(project=world.sharer_de)
        KeyGrantFactory(key=key, grantee=world.recipient)
        image = own_image(world, kms_key=key)
        assert len(share(world, [image], [world.recipient_de.project_id]).added) == 1

    def test_full_ecs_from_cbr_is_shared(self, world):
        image = own_image(world, full_ecs=True)
        assert len(share(world, [image], [world.recipient_de.project_id]).added) == 1


class TestEachRefusalIsNamedWithItsCode:
    def test_malformed_project_id_is_img_0067(self, world):
        image = own_image(world)
        problems = refused(world, [image], ["not-a-project", "a" * 31, "g" * 32])
        assert problems == [
            ("Project ID not-a-project", "IMG.0067"),
            (f"Project ID {'a' * 31}", "IMG.0067"),
            (f"Project ID {'g' * 32}", "IMG.0067"),
        ]

    def test_unknown_project_is_img_0108(self, world):
        unknown = new_hex32()
        assert refused(world, [own_image(world)], [unknown]) == [
            (f"Project ID {unknown}", "IMG.0108")
        ]

    def test_project_of_another_region_is_not_found_in_the_current_region(self, world):
        nl = world.recipient_nl.project_id
        problems = refused(world, [own_image(world)], [nl])
        assert problems == [(f"Project ID {nl}", "IMG.0108")]

    def test_own_project_is_img_0076(self, world):
        own = world.sharer_de.project_id
        assert refused(world, [own_image(world)], [own]) == [(f"Project ID {own}", "IMG.0076")]

    def test_custom_key_without_grant_is_img_0099_per_project(self, world):
        key = KeyFactory(project=world.sharer_de, alias="cmk")
        image = own_image(world, name="enc", kms_key=key)
        granted = ProjectFactory(region=world.de)
        KeyGrantFactory(key=key, grantee=granted.tenant)
        problems = refused(world, [image], [world.recipient_de.project_id, granted.project_id])
        assert problems == [(f"Project ID {world.recipient_de.project_id}", "IMG.0099")]

    def test_grant_without_both_required_operations_is_img_0099(self, world):
        key = KeyFactory(project=world.sharer_de)
        KeyGrant.objects.create(
            key=key, grantee=world.recipient, operations=[KeyGrant.Operation.DESCRIBE_KEY]
        )
        image = own_image(world, kms_key=key)
        problems = refused(world, [image], [world.recipient_de.project_id])
        assert [code for _, code in problems] == ["IMG.0099"]

    def test_default_key_is_img_0098(self, world):
        key = KeyFactory(project=world.sharer_de, is_default=True)
        image = own_image(world, name="enc-default", kms_key=key)
        assert refused(world, [image], [world.recipient_de.project_id]) == [
            ("Image enc-default", "IMG.0098")
        ]

    def test_full_ecs_not_from_cbr_is_img_0135(self, world):
        image = own_image(world, name="csbs", image_type="full_ecs", full_ecs_source="csbs")
        assert refused(world, [image], [world.recipient_de.project_id]) == [
            ("Image csbs", "IMG.0135")
        ]

    @pytest.mark.parametrize(
        "fields",
        [
            {"image_type": "iso"},
            {"status": "saving"},
            {"status": "queued"},
            {"status": "error"},
        ],
    )
    def test_iso_or_not_normal_is_img_0046(self, world, fields):
        image = own_image(world, name="bad", **fields)
        assert refused(world, [image], [world.recipient_de.project_id]) == [
            ("Image bad", "IMG.0046")
        ]

    def test_disabled_key_is_img_0046(self, world):
        key = KeyFactory(project=world.sharer_de, state=Key.State.DISABLED)
        KeyGrantFactory(key=key, grantee=world.recipient)
        image = own_image(world, name="enc", kms_key=key)
        assert refused(world, [image], [world.recipient_de.project_id]) == [
            ("Image enc", "IMG.0046")
        ]

    def test_public_image_is_img_0089(self, world):
        image = ImageFactory(owner=None, region=world.de, name="pub")
        assert refused(world, [image], [world.recipient_de.project_id]) == [
            ("Image pub", "IMG.0089")
        ]

    def test_another_tenants_image_is_img_0047(self, world):
        image = ImageFactory(owner=world.recipient_de, name="theirs")
        other = ProjectFactory(region=world.de)
        assert refused(world, [image], [other.project_id]) == [("Image theirs", "IMG.0047")]

    def test_every_bad_id_is_named_in_one_refusal(self, world):
        unknown = new_hex32()
        problems = refused(
            world,
            [own_image(world)],
            ["bad", unknown, world.sharer_de.project_id, world.recipient_nl.project_id],
        )
        assert [code for _, code in problems] == ["IMG.0067", "IMG.0108", "IMG.0076", "IMG.0108"]

    def test_refusal_lists_image_and_project_problems_together(self, world):
        iso = own_image(world, name="disc", image_type="iso")
        problems = refused(world, [iso, own_image(world)], ["bad"])
        assert ("Image disc", "IMG.0046") in problems and ("Project ID bad", "IMG.0067") in problems


class TestWholeSubmission:
    def test_one_bad_id_among_good_ones_shares_nothing(self, world):
        images = [own_image(world), own_image(world)]
        good = ProjectFactory(region=world.de)
        with pytest.raises(ShareRefused):
            share(world, images, [world.recipient_de.project_id, "bad", good.project_id])
        assert not ImageMember.objects.exists()
        assert not Message.objects.exists()
        assert not Trace.objects.filter(result="success").exists()

    def test_one_bad_image_among_good_ones_shares_nothing(self, world):
        images = [own_image(world), own_image(world, image_type="iso")]
        with pytest.raises(ShareRefused):
            share(world, images, [world.recipient_de.project_id])
        assert not ImageMember.objects.exists()

    def test_a_refused_submission_is_traced_as_failed(self, world):
        image = own_image(world, name="web")
        with pytest.raises(ShareRefused):
            share(world, [image], ["bad"])
        trace = Trace.objects.get()
        assert (trace.operation, trace.result, trace.resource_name) == (
            "addMember",
            "failed",
            "web",
        )
        assert "IMG.0067" in trace.detail["error"]

    def test_at_most_100_project_ids(self, world):
        image = own_image(world)
        ids = [p.project_id for p in projects_in(world.de, 101)]
        with pytest.raises(ConsoleError, match="at most 100 project IDs"):
            share(world, [image], ids)
        assert not ImageMember.objects.exists()
        result = share(world, [image], ids[:100] + [ids[0]])
        assert len(result.added) == 100

    def test_at_least_one_project_id(self, world):
        with pytest.raises(ConsoleError, match="one or more project IDs"):
            share(world, [own_image(world)], [" ", ""])

    def test_readonly_user_is_refused_and_nothing_changes(self, world):
        viewer = UserFactory(tenant=world.sharer, role=User.Role.READONLY)
        with pytest.raises(RoleRefused):
            share(world, [own_image(world)], [world.recipient_de.project_id], actor=viewer)
        assert not ImageMember.objects.exists() and not Message.objects.exists()

    def test_image_rows_are_locked_while_limits_are_checked(self, world):
        image = own_image(world)
        locked_models = []
        original = QuerySet.select_for_update

        def spy(queryset, *args, **kwargs):
            locked_models.append(queryset.model)
            return original(queryset, *args, **kwargs)

        with mock.patch.object(QuerySet, "select_for_update", autospec=True, side_effect=spy):
            share(world, [image], [world.recipient_de.project_id])
        # The project row (its quotas) first, then the images, then their members.
        assert locked_models[:3] == [Project, Image, ImageMember]


class TestRecipientLimits:
    def test_system_image_at_most_256_recipients(self, world):
        image = own_image(world, name="web")
        ImageMember.objects.bulk_create(
            ImageMember(image=image, project=p) for p in projects_in(world.de, 255)
        )
        extra = ProjectFactory(region=world.de)
        problems = refused(world, [image], [world.recipient_de.project_id, extra.project_id])
        assert problems == [("Image web", "")]
        with pytest.raises(ShareRefused, match="at most 256 projects"):
            share(world, [image], [world.recipient_de.project_id, extra.project_id])
        assert ImageMember.objects.filter(image=image).count() == 255
        share(world, [image], [world.recipient_de.project_id])
        assert ImageMember.objects.filter(image=image).count() == 256

    def test_full_ecs_image_at_most_10_recipients(self, world):
        image = own_image(world, name="full", full_ecs=True)
        ImageMember.objects.bulk_create(
            ImageMember(image=image, project=p) for p in projects_in(world.de, 9)
        )
        extra = ProjectFactory(region=world.de)
        with pytest.raises(ShareRefused, match="Image full: .*at most 10 projects"):
            share(world, [image], [world.recipient_de.project_id, extra.project_id])
        share(world, [image], [world.recipient_de.project_id])
        assert ImageMember.objects.filter(image=image).count() == 10

    def test_a_full_image_can_still_be_reshared_to_a_rejected_member(self, world):
        image = own_image(world, full_ecs=True)
        ImageMember.objects.bulk_create(
            ImageMember(image=image, project=p) for p in projects_in(world.de, 9)
        )
        member = ImageMemberFactory(image=image, project=world.recipient_de, status=REJECTED)
        result = share(world, [image], [world.recipient_de.project_id])
        member.refresh_from_db()
        assert member.status == PENDING and result.reshared


class TestResharing:
    @pytest.mark.parametrize("status", [PENDING, ACCEPTED])
    def test_pending_or_accepted_is_unchanged_and_reported(self, world, status):
        member = ImageMemberFactory(
            image=own_image(world), project=world.recipient_de, status=status
        )
        before = ImageMember.objects.get(pk=member.pk).updated
        result = share(world, [member.image], [world.recipient_de.project_id])
        after = ImageMember.objects.get(pk=member.pk)
        assert after.status == status and after.updated == before
        assert [m.pk for m in result.already_shared] == [member.pk]
        assert not result.added and not result.notified
        assert not Message.objects.exists()
        assert not Trace.objects.exists()

    def test_rejected_goes_back_to_pending_with_a_message(self, world):
        member = ImageMemberFactory(
            image=own_image(world, name="web"), project=world.recipient_de, status=REJECTED
        )
        result = share(world, [member.image], [world.recipient_de.project_id])
        member.refresh_from_db()
        assert member.status == PENDING
        assert [m.pk for m in result.reshared] == [member.pk]
        assert Message.objects.get(project=world.recipient_de).title.endswith("1 image with you")
        trace = Trace.objects.get(operation="addMember")
        assert trace.detail["previous_status"] == REJECTED

    def test_mixed_submission_counts_only_the_new_shares_in_the_message(self, world):
        old = own_image(world, name="old")
        ImageMemberFactory(image=old, project=world.recipient_de, status=ACCEPTED)
        new = own_image(world, name="new")
        share(world, [old, new], [world.recipient_de.project_id])
        message = Message.objects.get(project=world.recipient_de)
        assert message.title == "Sharer Co shared 1 image with you"
        assert "new" in message.body and "old" not in message.body

    def test_sharing_again_after_stop_starts_at_pending(self, world):
        member = ImageMemberFactory(
            image=own_image(world), project=world.recipient_de, status=ACCEPTED
        )
        image_members_delete(
            actor=world.sharer_user,
            project=world.sharer_de,
            image=member.image,
            project_ids=[world.recipient_de.project_id],
        )
        share(world, [member.image], [world.recipient_de.project_id])
        assert ImageMember.objects.get(image=member.image).status == PENDING


class TestShareRefusalHelper:
    def test_shareable_image_has_no_refusal(self, world):
        assert image_share_refusal(own_image(world), world.sharer_de) is None

    def test_custom_key_is_not_refused_before_a_recipient_is_known(self, world):
        image = own_image(world, kms_key=KeyFactory(project=world.sharer_de))
        assert image_share_refusal(image, world.sharer_de) is None


def stop(world, image, project_ids, actor=None):
    return image_members_delete(
        actor=actor or world.sharer_user,
        project=world.sharer_de,
        image=image,
        project_ids=project_ids,
    )


def accepted_full_ecs(world, project=None):
    """A full-ECS image of the sharer accepted into a vault of `project` (40 + 60 GB)."""
    project = project or world.recipient_de
    vault = VaultFactory(project=project, capacity_gb=200)
    image = own_image(world, full_ecs=True, name="full")
    member = ImageMemberFactory(image=image, project=project, status=ACCEPTED, vault=vault)
    for device, size in (("/dev/vda", 40), ("/dev/vdb", 60)):
        BackupFactory(
            vault=vault,
            member=member,
            source=ImageBackupFactory(image=image, device=device, size_gb=size),
        )
    return image, member, vault


def used(vault):
    return Vault.objects.with_usage().get(pk=vault.pk).used_gb


class TestStopSharing:
    def test_deletes_the_member_and_traces_it_without_notifying(self, world):
        member = ImageMemberFactory(image=own_image(world, name="web"), project=world.recipient_de)
        deleted = stop(world, member.image, [world.recipient_de.project_id])
        assert [m.pk for m in deleted] == [member.pk]
        assert not ImageMember.objects.exists()
        trace = Trace.objects.get(operation="deleteMember")
        assert trace.resource_name == "web"
        assert trace.detail["project_id"] == world.recipient_de.project_id
        assert not Message.objects.exists()

    def test_releases_the_backups_in_the_recipients_vault(self, world):
        image, member, vault = accepted_full_ecs(world)
        assert used(vault) == 100
        stop(world, image, [world.recipient_de.project_id])
        assert used(vault) == 0
        assert not Backup.objects.exists()
        assert Trace.objects.get(operation="deleteMember").detail["released_backup_gb"] == 100

    def test_other_members_stay(self, world):
        image = own_image(world)
        keep = ImageMemberFactory(image=image, project=ProjectFactory(region=world.de))
        ImageMemberFactory(image=image, project=world.recipient_de)
        stop(world, image, [world.recipient_de.project_id])
        assert list(ImageMember.objects.all()) == [keep]

    def test_servers_created_from_the_image_stay(self, world):
        member = ImageMemberFactory(image=own_image(world), project=world.recipient_de)
        server = ServerFactory(project=world.recipient_de, image=member.image, image_name="x")
        stop(world, member.image, [world.recipient_de.project_id])
        assert Server.objects.get(pk=server.pk).image_id == member.image_id

    def test_a_project_that_is_no_recipient_changes_nothing(self, world):
        member = ImageMemberFactory(image=own_image(world), project=world.recipient_de)
        stranger = ProjectFactory(region=world.de)
        with pytest.raises(ConsoleError, match=stranger.project_id):
            stop(world, member.image, [world.recipient_de.project_id, stranger.project_id])
        assert ImageMember.objects.filter(pk=member.pk).exists()

    def test_another_tenants_image_is_img_0047(self, world):
        member = ImageMemberFactory(
            image=ImageFactory(owner=world.recipient_de), project=world.sharer_de
        )
        with pytest.raises(ImsError) as info:
            stop(world, member.image, [world.sharer_de.project_id])
        assert info.value.code == "IMG.0047"
        assert ImageMember.objects.filter(pk=member.pk).exists()

    def test_readonly_user_is_refused(self, world):
        member = ImageMemberFactory(image=own_image(world), project=world.recipient_de)
        viewer = UserFactory(tenant=world.sharer, role=User.Role.READONLY)
        with pytest.raises(RoleRefused):
            stop(world, member.image, [world.recipient_de.project_id], actor=viewer)
        assert ImageMember.objects.filter(pk=member.pk).exists()


class TestImageDelete:
    def test_removes_members_releases_vaults_and_keeps_servers_and_disks(self, world):
        image, member, vault = accepted_full_ecs(world)
        pending = ImageMemberFactory(image=image, project=ProjectFactory(region=world.de))
        server = ServerFactory(project=world.recipient_de, image=image, image_name="full")
        disk = DiskFactory(project=world.recipient_de, image=image, server=server)
        deleted = image_delete(actor=world.sharer_user, project=world.sharer_de, image=image)

        assert {m.pk for m in deleted} == {member.pk, pending.pk}
        assert not Image.objects.filter(pk=image.pk).exists()
        assert not ImageMember.objects.exists()
        assert used(vault) == 0
        server = Server.objects.get(pk=server.pk)
        assert server.image is None and server.image_name == "full"
        assert Disk.objects.get(pk=disk.pk).image is None
        trace = Trace.objects.get(operation="deleteImage")
        assert trace.resource_id == str(image.pk)
        assert set(trace.detail["members"]) == {
            world.recipient_de.project_id,
            pending.project.project_id,
        }
        assert not Message.objects.exists()

    def test_another_tenants_image_is_img_0092(self, world):
        image = ImageFactory(owner=world.recipient_de)
        with pytest.raises(ImsError) as info:
            image_delete(actor=world.sharer_user, project=world.sharer_de, image=image)
        assert info.value.code == "IMG.0092"
        assert Image.objects.filter(pk=image.pk).exists()

    def test_public_image_is_img_0094(self, world):
        image = ImageFactory(owner=None, region=world.de)
        with pytest.raises(ImsError, match="IMG.0094"):
            image_delete(actor=world.sharer_user, project=world.sharer_de, image=image)

    def test_readonly_user_is_refused(self, world):
        image = own_image(world)
        viewer = UserFactory(tenant=world.sharer, role=User.Role.READONLY)
        with pytest.raises(RoleRefused):
            image_delete(actor=viewer, project=world.sharer_de, image=image)
        assert Image.objects.filter(pk=image.pk).exists()


# reference/ims-sharing.md §11 (and §7 for IMG.0190), word for word (D12).
DOCUMENTED_ERRORS = {
    "IMG.0001": "The request message format is invalid.",
    "IMG.0026": (
        "The role is invalid. You need to apply for the required permissions or pass the "
        "real-name authentication."
    ),
    "IMG.0027": "The image ID in the request does not exist.",
    "IMG.0046": "The image is unavailable.",
    "IMG.0047": "This operation can be performed only by the image owner.",
    "IMG.0059": "The size of the image file exceeds the maximum allowed.",
    "IMG.0066": "The image ID is incorrect.",
    "IMG.0067": "The project ID is incorrect.",
    "IMG.0076": "You cannot share an image with yourself.",
    "IMG.0086": "No image was found.",
    "IMG.0088": "The number of shared images has reached the maximum allowed.",
    "IMG.0089": "The public image cannot be shared.",
    "IMG.0092": "The image can only be deleted by the owner.",
    "IMG.0098": "The encrypted image cannot be shared.",
    "IMG.0099": "You do not have the permission to access the key.",
    "IMG.0106": "The image owner is another tenant.",
    "IMG.0108": "The tenant ID was not found in the current region.",
    "IMG.0112": "Failed to add the tenant.",
    "IMG.0135": "The full-ECS image cannot be shared.",
    "IMG.0144": "The image does not exist.",
    "IMG.0177": "The source and target tenants reside in different regions.",
    "IMG.0178": "The target tenant is the same as the source tenant.",
    "IMG.0182": "Insufficient vault capacity. Please expand the capacity.",
    "IMG.0184": "Failed to obtain the vault.",
    "IMG.0188": "Vault is unavailable.",
    "IMG.0190": "Full-ECS images can be created only from CBR backups.",
    "IMG.0193": "The vault is not a cloud server backup vault.",
    "IMG.0196": "The image cannot be replicated because it is not accepted by the recipient.",
    "IMG.0197": "Failed to replicate the shared image because it is encrypted using KMS.",
    # Create Image (ims-lifecycle.md §10).
    "IMG.0005": "The ECS does not exist.",
    "IMG.0015": "The number of private images has reached the maximum allowed.",
    "IMG.0022": "The disk in the current state cannot be used to create images.",
    "IMG.0057": (
        "The image file is empty, not found, or in incorrect format, or you do not have "
        "enough permission to access the file."
    ),
    "IMG.0095": "The KMS key does not exist.",
    "IMG.0097": "The key is not enabled.",
    "IMG.0111": "The size of the system disk exceeds the maximum allowed.",
    "IMG.0119": "The VM does not have a system disk.",
    "IMG.0120": "The specified data disk ID is unavailable.",
    "IMG.0122": "The OS type is invalid.",
    "IMG.0126": "The VM in the current stage cannot be used to create a full-ECS image.",
    "IMG.0166": "OS information must be contained in the ISO files used to create images.",
    "IMG.0175": "The folder name and image file name cannot contain spaces.",
    "IMG.1075": "Failed to register the image file.",
    # The image lifecycle (ims-lifecycle.md §10).
    "IMG.0002": "The image name contains more than 128 characters.",
    "IMG.0003": "The image name format is invalid.",
    "IMG.0004": "The description contains more than 1024 characters.",
    "IMG.0013": "The image name is not specified.",
    "IMG.0054": "The image description format is invalid.",
    "IMG.0055": "The memory or disk size is invalid.",
    "IMG.0028": "The image in the request is protected.",
    "IMG.0090": "The image being created cannot be deleted.",
    "IMG.0094": "The public image cannot be deleted.",
}


class TestDocumentedErrors:
    def test_only_documented_codes_exist(self):
        assert {c for c in ERROR_MESSAGES if c.startswith("IMG.")} <= set(DOCUMENTED_ERRORS)

    @pytest.mark.parametrize("code", sorted(c for c in ERROR_MESSAGES if c.startswith("IMG.")))
    def test_each_error_carries_its_documented_code_and_message(self, code):
        error = ImsError(code, "What the console adds.")
        assert error.code == code
        assert error.message == f"{DOCUMENTED_ERRORS[code]} What the console adds."
        assert str(error) == f"{code} {DOCUMENTED_ERRORS[code]} What the console adds."

    def test_role_refusal_is_img_0026(self):
        assert RoleRefused().code == "IMG.0026"
        assert RoleRefused().message == DOCUMENTED_ERRORS["IMG.0026"]
