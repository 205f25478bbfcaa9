"""A follow-up racing the owner or the recipient: locked rows decide (D7, D8, D10).

On PostgreSQL the follow-up waits on the image, share, key and grant rows it locks with
select_for_update; on SQLite on the immediate write transaction. Either way it sees the
committed answer, never the state from before it.
"""

import pytest

from console.compute.models import Server
from console.compute.services import servers_create
from console.errors import ImsError
from console.kms.models import Key, KeyGrant
from ims.models import Image, ImageMember
from tests.factories import ImageFactory, ImageMemberFactory, KeyFactory, KeyGrantFactory
from tests.races import while_locked

pytestmark = pytest.mark.django_db(transaction=True)


def create(world, image, project=None, actor=None):
    return servers_create(
        actor=actor or world.recipient_user,
        project=project or world.recipient_de,
        image=image,
        name="web",
        availability_zone="eu-de-01",
        flavor="s3.medium.2",
        system_disk_gb=40,
    )


def test_create_waits_for_a_reject_in_progress(world):
    image = ImageFactory(owner=world.sharer_de)
    member = ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")

    def reject():
        locked = ImageMember.objects.select_for_update().get(pk=member.pk)
        locked.status = "rejected"
        locked.save(update_fields=["status"])

    outcome = while_locked(reject, lambda: create(world, image))
    assert isinstance(outcome, ImsError) and outcome.code == "IMG.0046", outcome
    assert not Server.objects.exists()


def test_create_waits_for_a_revoke_in_progress(world):
    key = KeyFactory(project=world.sharer_de)
    grant = KeyGrantFactory(key=key, grantee=world.recipient)
    image = ImageFactory(owner=world.sharer_de, kms_key=key)
    ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")

    def revoke():
        KeyGrant.objects.select_for_update().get(pk=grant.pk).delete()

    outcome = while_locked(revoke, lambda: create(world, image))
    assert isinstance(outcome, ImsError) and outcome.code == "IMG.0046", outcome
    assert not Server.objects.exists()


def test_create_waits_for_a_key_disable_in_progress(world):
    key = KeyFactory(project=world.sharer_de)
    KeyGrantFactory(key=key, grantee=world.recipient)
    image = ImageFactory(owner=world.sharer_de, kms_key=key)
    ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")

    def disable():
        Key.objects.select_for_update().filter(pk=key.pk).update(state=Key.State.DISABLED)

    outcome = while_locked(disable, lambda: create(world, image))
    assert isinstance(outcome, ImsError) and outcome.code == "IMG.0046", outcome
    assert not Server.objects.exists()


def test_create_waits_for_the_owner_deleting_the_image(world):
    image = ImageFactory(owner=world.sharer_de)

    def delete():
        Image.objects.select_for_update().get(pk=image.pk).delete()

    outcome = while_locked(
        delete, lambda: create(world, image, project=world.sharer_de, actor=world.sharer_user)
    )
    assert isinstance(outcome, ImsError) and outcome.code == "IMG.0144", outcome
    assert not Server.objects.exists()
