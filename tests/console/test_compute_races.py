"""A follow-up racing the owner or the recipient: locked rows decide (D7, D8, D10).

On PostgreSQL the follow-up waits on the share, key and grant rows it locks with
select_for_update; on SQLite on the immediate write transaction. Either way it sees the
committed answer, never the state from before it.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from console.models import KeyGrant, Server
from console.services import servers_create
from ims.errors import ImsError
from ims.models import ImageMember
from tests.factories import ImageFactory, ImageMemberFactory, KeyFactory, KeyGrantFactory

pytestmark = pytest.mark.django_db(transaction=True)


def create(world, image):
    return servers_create(
        actor=world.recipient_user,
        project=world.recipient_de,
        image=image,
        name="web",
        availability_zone="eu-de-01",
        flavor="s3.medium.2",
        system_disk_gb=40,
    )


def while_locked(lock_and_change, follow_up):
    """Run `follow_up` while another connection holds a transaction that changes rows."""
    locked = threading.Event()
    outcome: dict[str, object] = {}

    def owner():
        try:
            with transaction.atomic():
                lock_and_change()
                locked.set()
                time.sleep(0.5)
        finally:
            locked.set()
            connection.close()

    thread = threading.Thread(target=owner)
    thread.start()
    assert locked.wait(10)
    try:
        outcome["result"] = follow_up()
    except ImsError as error:
        outcome["error"] = error
    thread.join(30)
    return outcome


def test_create_waits_for_a_reject_in_progress(world):
    image = ImageFactory(owner=world.sharer_de)
    member = ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")

    def reject():
        locked = ImageMember.objects.select_for_update().get(pk=member.pk)
        locked.status = "rejected"
        locked.save(update_fields=["status"])

    outcome = while_locked(reject, lambda: create(world, image))
    assert outcome["error"].code == "IMG.0046"
    assert not Server.objects.exists()


def test_create_waits_for_a_revoke_in_progress(world):
    key = KeyFactory(project=world.sharer_de)
    grant = KeyGrantFactory(key=key, grantee=world.recipient)
    image = ImageFactory(owner=world.sharer_de, kms_key=key)
    ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")

    def revoke():
        KeyGrant.objects.select_for_update().get(pk=grant.pk).delete()

    outcome = while_locked(revoke, lambda: create(world, image))
    assert outcome["error"].code == "IMG.0046"
    assert not Server.objects.exists()
