"""Helpers shared by test_services.py, test_os_power_disk_services.py."""

from __future__ import annotations

from console.compute.services import (
    disk_create,
    servers_create,
)
from tests.factories import (
    ImageFactory,
    ImageMemberFactory,
    KeyFactory,
    KeyGrantFactory,
)


def share(world, status="accepted", **fields):
    image = ImageFactory(owner=world.sharer_de, **fields)
    ImageMemberFactory(image=image, project=world.recipient_de, status=status)
    return image


def encrypted_share(world, status="accepted"):
    key = KeyFactory(project=world.sharer_de, alias="sharer-cmk")
    grant = KeyGrantFactory(key=key, grantee=world.recipient)
    return share(world, status, kms_key=key), key, grant


def create(world, image, user=None, **overrides):
    args = {
        "actor": user or world.recipient_user,
        "project": world.recipient_de,
        "image": image,
        "name": "web",
        "availability_zone": "eu-de-01",
        "flavor": "s3.medium.2",
        "system_disk_gb": 40,
        "quantity": 1,
    } | overrides
    return servers_create(**args)


def make_disk(world, image, user=None, **overrides):
    args = {
        "actor": user or world.recipient_user,
        "project": world.recipient_de,
        "name": "data",
        "availability_zone": "eu-de-01",
        "size_gb": 100,
        "image": image,
    } | overrides
    return disk_create(**args)
