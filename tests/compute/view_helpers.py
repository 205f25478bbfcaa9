"""Helpers shared by test_views.py, test_change_os_and_disk_views.py."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    ImageFactory,
    ImageMemberFactory,
)

SERVER_LIST = reverse("compute:server_list")
SERVER_CREATE = reverse("compute:server_create")
DISK_LIST = reverse("compute:disk_list")
DISK_CREATE = reverse("compute:disk_create")


def share(world, status="accepted", **fields):
    image = ImageFactory(owner=world.sharer_de, **fields)
    ImageMemberFactory(image=image, project=world.recipient_de, status=status)
    return image


def queries(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(captured)


def server_post(image, **overrides):
    return {
        "image": str(image.pk),
        "name": "web",
        "availability_zone": "eu-de-01",
        "flavor": "s3.large.2",
        "system_disk_gb": "40",
        "quantity": "1",
    } | overrides
