"""Images, full-ECS backups and image members: constraints, validation and scoping."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError

from console.compute.models import Disk, Server
from console.kms.models import Key
from ims.models import Image, ImageBackup, ImageMember
from tests.factories import (
    DiskFactory,
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    KeyFactory,
    KeyGrantFactory,
    ProjectFactory,
    ServerFactory,
)

pytestmark = pytest.mark.django_db

ACCEPTED = ImageMember.Status.ACCEPTED
PENDING = ImageMember.Status.PENDING
REJECTED = ImageMember.Status.REJECTED


def integrity_error(create):
    """Run `create` in a savepoint and return whether the database refused it."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


# ---------------------------------------------------------------------------------------------
# Database constraints


def test_image_disk_capacity_must_be_positive():
    assert integrity_error(lambda: ImageFactory(min_disk_gb=0))
    assert ImageFactory(min_disk_gb=1).min_disk_gb == 1


@pytest.mark.parametrize(
    ("image_type", "source", "refused"),
    [
        ("system", "cbr", True),
        ("data", "csbs", True),
        ("iso", "cbr", True),
        ("full_ecs", "", True),
        ("full_ecs", "other", True),
        ("full_ecs", "cbr", False),
        ("full_ecs", "csbs", False),
        ("system", "", False),
        ("data", "", False),
    ],
)
def test_full_ecs_source_only_for_full_ecs_images(image_type, source, refused):
    create = lambda: ImageFactory(image_type=image_type, full_ecs_source=source)  # noqa: E731
    assert integrity_error(create) is refused


def test_public_image_cannot_be_encrypted():
    key = KeyFactory()
    assert integrity_error(lambda: ImageFactory(owner=None, region=key.project.region, kms_key=key))
    public = ImageFactory(owner=None, region=key.project.region)
    assert public.is_public and not public.encrypted


def test_image_backup_size_positive_and_device_unique():
    image = ImageFactory(full_ecs=True)
    assert integrity_error(lambda: ImageBackupFactory(image=image, size_gb=0))
    ImageBackupFactory(image=image, device="/dev/vda")
    assert integrity_error(lambda: ImageBackupFactory(image=image, device="/dev/vda"))


def test_one_member_per_image_and_project():
    member = ImageMemberFactory()
    assert integrity_error(
        lambda: ImageMemberFactory(image=member.image, project=member.project, status=ACCEPTED)
    )
    ImageMemberFactory(image=member.image)  # another project
    assert member.image.members.count() == 2


@pytest.mark.parametrize("status", ["pending", "accepted", "rejected"])
def test_member_status_choices_accepted_by_database(status):
    assert ImageMemberFactory(status=status).status == status


@pytest.mark.parametrize("status", ["", "deleted", "Accepted", "PENDING"])
def test_member_status_outside_choices_refused_by_database(status):
    assert integrity_error(lambda: ImageMemberFactory(status=status))


def test_member_status_outside_choices_refused_by_validation():
    member = ImageMemberFactory.build(image=ImageFactory(), project=ProjectFactory())
    member.status = "deleted"
    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()
    assert "status" in excinfo.value.message_dict


# ---------------------------------------------------------------------------------------------
# Image.clean(): region and key ownership


def test_private_image_must_live_in_its_owners_region(world):
    image = ImageFactory.build(owner=world.sharer_de, region=world.nl)
    with pytest.raises(ValidationError) as excinfo:
        image.full_clean()
    assert "region" in excinfo.value.message_dict

    ImageFactory.build(owner=world.sharer_de, region=world.de).full_clean()


def test_image_key_must_belong_to_the_owner(world):
    foreign = KeyFactory(project=world.recipient_de)
    other_region = KeyFactory(project=world.sharer_nl)
    own = KeyFactory(project=world.sharer_de)

    for key in (foreign, other_region):
        image = ImageFactory.build(owner=world.sharer_de, region=world.de, kms_key=key)
        with pytest.raises(ValidationError) as excinfo:
            image.full_clean()
        assert "kms_key" in excinfo.value.message_dict

    ImageFactory.build(owner=world.sharer_de, region=world.de, kms_key=own).full_clean()


def test_public_image_has_any_region(world):
    ImageFactory.build(owner=None, region=world.nl).full_clean()


# ---------------------------------------------------------------------------------------------
# Scoping querysets


@pytest.fixture
def catalogue(world):
    """Images of every kind around the recipient's eu-de project."""
    me = world.recipient_de
    images = {
        "public_de": ImageFactory(owner=None, region=world.de),
        "public_nl": ImageFactory(owner=None, region=world.nl),
        "mine": ImageFactory(owner=me),
        "mine_nl": ImageFactory(owner=world.recipient_nl),
        "sharer_private": ImageFactory(owner=world.sharer_de),
        "accepted": ImageFactory(owner=world.sharer_de),
        "pending": ImageFactory(owner=world.sharer_de),
        "rejected": ImageFactory(owner=world.sharer_de),
        "accepted_nl": ImageFactory(owner=world.sharer_nl),
        "shared_elsewhere": ImageFactory(owner=world.sharer_de),
    }
    ImageMemberFactory(image=images["accepted"], project=me, status=ACCEPTED)
    ImageMemberFactory(image=images["pending"], project=me, status=PENDING)
    ImageMemberFactory(image=images["rejected"], project=me, status=REJECTED)
    ImageMemberFactory(image=images["accepted_nl"], project=world.recipient_nl, status=ACCEPTED)
    third = ProjectFactory(region=world.de)
    ImageMemberFactory(image=images["shared_elsewhere"], project=third, status=ACCEPTED)
    # My own image shared with several projects must still come back once.
    for _ in range(3):
        ImageMemberFactory(image=images["mine"], project=ProjectFactory(region=world.de))
    return images


def names(queryset, catalogue):
    by_pk = {image.pk: key for key, image in catalogue.items()}
    result = [by_pk[pk] for pk in queryset.values_list("pk", flat=True)]
    assert len(result) == len(set(result)), f"duplicates in {result}"
    return set(result)


def test_public_images_of_the_region_only(world, catalogue):
    assert names(Image.objects.public(world.de), catalogue) == {"public_de"}
    assert names(Image.objects.public(world.nl), catalogue) == {"public_nl"}


def test_owned_by_returns_only_the_projects_images(world, catalogue):
    assert names(Image.objects.owned_by(world.recipient_de), catalogue) == {"mine"}
    assert names(Image.objects.owned_by(world.recipient_nl), catalogue) == {"mine_nl"}


def test_shared_with_each_status(world, catalogue):
    me = world.recipient_de
    assert names(Image.objects.shared_with(me), catalogue) == {"accepted"}
    assert names(Image.objects.shared_with(me, PENDING), catalogue) == {"pending"}
    assert names(Image.objects.shared_with(me, REJECTED), catalogue) == {"rejected"}
    assert names(Image.objects.shared_with(world.recipient_nl), catalogue) == {"accepted_nl"}


def test_visible_to(world, catalogue):
    assert names(Image.objects.visible_to(world.recipient_de), catalogue) == {
        "public_de",
        "mine",
        "accepted",
        "pending",
        "rejected",
    }


def test_usable_by_excludes_pending_and_rejected(world, catalogue):
    assert names(Image.objects.usable_by(world.recipient_de), catalogue) == {
        "public_de",
        "mine",
        "accepted",
    }
    assert names(Image.objects.usable_by(world.recipient_nl), catalogue) == {
        "public_nl",
        "mine_nl",
        "accepted_nl",
    }


def test_a_tenant_never_sees_another_tenants_private_images(world, catalogue):
    sharer_only = {"sharer_private", "shared_elsewhere", "accepted_nl", "mine_nl"}
    for queryset in (
        Image.objects.visible_to(world.recipient_de),
        Image.objects.usable_by(world.recipient_de),
        Image.objects.owned_by(world.recipient_de),
        Image.objects.shared_with(world.recipient_de),
    ):
        assert not names(queryset, catalogue) & sharer_only


def test_member_querysets_by_status(world, catalogue):
    me = world.recipient_de
    members = ImageMember.objects.for_project(me)

    assert {m.image for m in members.pending()} == {catalogue["pending"]}
    assert {m.image for m in members.accepted()} == {catalogue["accepted"]}
    assert {m.image for m in members.rejected()} == {catalogue["rejected"]}
    assert members.count() == 3
    assert not ImageMember.objects.for_project(world.sharer_de).exists()
    assert list(ImageMember.objects.for_project(world.recipient_nl).pending()) == []


def test_member_with_image_joins_in_one_query(world, catalogue, django_assert_num_queries):
    with django_assert_num_queries(1):
        for member in ImageMember.objects.for_project(world.recipient_de).with_image():
            assert member.image.owner.tenant.name == "Sharer Co"
            assert member.image.kms_key is None


def test_with_backup_total(world):
    full = ImageFactory(owner=world.sharer_de, full_ecs=True)
    ImageBackupFactory(image=full, role="system", size_gb=40)
    ImageBackupFactory(image=full, role="data", size_gb=60)
    plain = ImageFactory(owner=world.sharer_de)

    totals = dict(Image.objects.with_backup_total().values_list("pk", "backup_total_gb"))
    assert totals == {full.pk: 100, plain.pk: 0}


# ---------------------------------------------------------------------------------------------
# Encrypted images: who can use them now (D10)


@pytest.fixture
def encrypted(world):
    key = KeyFactory(project=world.sharer_de)
    image = ImageFactory(owner=world.sharer_de, kms_key=key)
    ImageMemberFactory(image=image, project=world.recipient_de, status=ACCEPTED)
    return image


def test_unencrypted_active_image_available_to_anyone(world):
    image = ImageFactory(owner=world.sharer_de)
    assert image.available_to(world.recipient.pk)
    assert image.available_to(world.sharer.pk)


@pytest.mark.parametrize("status", ["queued", "saving", "error"])
def test_image_not_in_normal_status_is_not_available(world, status):
    image = ImageFactory(owner=world.sharer_de, status=status)
    assert not image.available_to(world.sharer.pk)


def test_encrypted_image_needs_grant_for_recipient(world, encrypted):
    assert not encrypted.available_to(world.recipient.pk)

    KeyGrantFactory(key=encrypted.kms_key, grantee=world.recipient)
    encrypted.refresh_from_db()
    assert encrypted.available_to(world.recipient.pk)


def test_grant_to_another_tenant_does_not_help(world, encrypted):
    KeyGrantFactory(key=encrypted.kms_key, grantee=ProjectFactory(region=world.de).tenant)
    assert not encrypted.available_to(world.recipient.pk)


def test_owner_needs_no_grant(world, encrypted):
    assert encrypted.available_to(world.sharer.pk)


@pytest.mark.parametrize("state", [Key.State.DISABLED, Key.State.PENDING_DELETION])
def test_unusable_key_makes_image_unavailable_even_with_grant(world, encrypted, state):
    KeyGrantFactory(key=encrypted.kms_key, grantee=world.recipient)
    Key.objects.filter(pk=encrypted.kms_key_id).update(state=state)
    encrypted.refresh_from_db()
    encrypted.kms_key.refresh_from_db()

    assert not encrypted.available_to(world.recipient.pk)
    assert not encrypted.available_to(world.sharer.pk)


def test_revoked_grant_makes_image_unavailable_again(world, encrypted):
    grant = KeyGrantFactory(key=encrypted.kms_key, grantee=world.recipient)
    assert encrypted.available_to(world.recipient.pk)
    grant.delete()
    assert not encrypted.available_to(world.recipient.pk)


def test_with_key_access_annotation_matches_available_to(world, encrypted):
    plain = ImageFactory(owner=world.sharer_de)
    rows = {
        i.pk: i
        for i in Image.objects.with_key_access(world.recipient).select_related("kms_key", "owner")
    }
    assert rows[encrypted.pk].key_granted is False
    assert not rows[encrypted.pk].available_to(
        world.recipient.pk, key_granted=rows[encrypted.pk].key_granted
    )
    assert rows[plain.pk].available_to(world.recipient.pk, key_granted=rows[plain.pk].key_granted)

    KeyGrantFactory(key=encrypted.kms_key, grantee=world.recipient)
    row = Image.objects.with_key_access(world.recipient).get(pk=encrypted.pk)
    assert row.key_granted is True
    assert row.available_to(world.recipient.pk, key_granted=row.key_granted)
    # The annotation is per tenant: the sharer has no grant on its own key, yet may use it.
    owner_row = Image.objects.with_key_access(world.sharer).get(pk=encrypted.pk)
    assert owner_row.key_granted is False
    assert owner_row.available_to(world.sharer.pk, key_granted=owner_row.key_granted)


def test_a_key_in_use_cannot_be_deleted_alone(world, encrypted):
    with pytest.raises(RestrictedError), transaction.atomic():
        encrypted.kms_key.delete()


# ---------------------------------------------------------------------------------------------
# Limits, display and lifecycle


def test_member_limits_by_image_type():
    assert ImageFactory.build(image_type="full_ecs").max_members == 10
    assert ImageFactory.build(image_type="system").max_members == 256
    assert ImageFactory.build(image_type="data").max_members == 256


def test_disk_capacity_display():
    assert ImageFactory.build(full_ecs=True, min_disk_gb=40).disk_capacity_display == "--"
    assert ImageFactory.build(min_disk_gb=40).disk_capacity_display == "40"


def test_status_active_is_shown_as_normal():
    assert ImageFactory.build(status="active").get_status_display() == "Normal"


def test_deleting_an_image_keeps_servers_and_disks_created_from_it(world):
    image = ImageFactory(owner=world.sharer_de)
    ImageMemberFactory(image=image, project=world.recipient_de, status=ACCEPTED)
    server = ServerFactory(project=world.recipient_de, image=image, image_name=image.name)
    disk = DiskFactory(project=world.recipient_de, image=image)

    image.delete()

    assert not ImageMember.objects.filter(image_id=image.pk).exists()
    server = Server.objects.get(pk=server.pk)
    assert server.image is None and server.image_name == image.name
    assert Disk.objects.get(pk=disk.pk).image is None


def test_deleting_a_full_ecs_image_deletes_its_backups():
    backup = ImageBackupFactory()
    backup.image.delete()
    assert not ImageBackup.objects.filter(pk=backup.pk).exists()


def test_image_size_is_decimal():
    image = ImageFactory(size_gb="3.21")
    image.refresh_from_db()
    assert image.size_gb == Decimal("3.21")
