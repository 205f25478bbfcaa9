"""D13 across the whole console: another tenant's object is 404 in every URL, GET and POST.

Every URL pattern with an object in its path is found automatically; a new kind of path
argument fails the test until it is given an object here.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from console.audit.models import Trace
from console.compute.models import Disk, Server
from console.kms.models import Key, KeyGrant
from ims.models import Image, ImageMember
from tests.factories import (
    AccessKeyFactory,
    ImageFactory,
    ImageMemberFactory,
    KeyFactory,
    KeyGrantFactory,
    ServerFactory,
    TraceFactory,
    VaultFactory,
)
from vaults.models import Vault

pytestmark = pytest.mark.django_db


def object_routes():
    """(URL name, path argument names) of every console route with an object in its path."""
    routes = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                # The APIs' own isolation tests are in tests/api.
                if pattern.namespace in ("admin", "iam_api", "ims_api"):
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                converters = pattern.pattern.converters
                if converters:
                    routes.append((f"{namespace}:{pattern.name}", sorted(converters)))

    walk(get_resolver().url_patterns, None)
    return routes


ROUTES = object_routes()


@pytest.fixture
def foreign(world):
    """Objects of the sharer tenant, some of them in the recipient's own region."""
    key = KeyFactory(project=world.sharer_de)
    grant = KeyGrantFactory(
        key=key,
        grantee=world.sharer_nl.tenant.__class__.objects.create(name="Third", account_id="f" * 32),
    )
    return {
        "image_id": ImageFactory(owner=world.sharer_de).pk,
        "vault_id": VaultFactory(project=world.sharer_de).vault_id,
        "server_id": ServerFactory(project=world.sharer_de).server_id,
        "key_id": key.key_id,
        "grant_id": grant.grant_id,
        "access_key": AccessKeyFactory(user=world.sharer_user).access_key,
        "trace_id": TraceFactory(project=world.sharer_de).pk,
    }


def snapshot():
    return (
        list(Image.objects.order_by("pk").values()),
        list(ImageMember.objects.order_by("pk").values()),
        list(Vault.objects.order_by("pk").values()),
        list(Server.objects.order_by("pk").values()),
        list(Disk.objects.order_by("pk").values()),
        list(Key.objects.order_by("pk").values()),
        list(KeyGrant.objects.order_by("pk").values()),
        Trace.objects.filter(result="success").count(),
    )


def test_every_object_route_is_covered():
    assert ROUTES, "no routes found"
    known = {"image_id", "vault_id", "server_id", "key_id", "grant_id", "access_key", "trace_id"}
    for name, args in ROUTES:
        assert set(args) <= known, f"{name} takes {args}: give the test a foreign object"


@pytest.mark.parametrize(("name", "args"), ROUTES, ids=[r[0] for r in ROUTES])
def test_foreign_objects_are_404(world, recipient_client, foreign, name, args):
    url = reverse(name, kwargs={arg: foreign[arg] for arg in args})
    before = snapshot()
    assert recipient_client.get(url).status_code in (404, 405)
    assert recipient_client.post(url, {"confirm": "1", "name": "x"}).status_code in (404, 405)
    assert recipient_client.get(url, headers={"HX-Request": "true"}).status_code in (404, 405)
    assert snapshot() == before


def test_foreign_image_in_query_parameters_is_404_or_ignored(world, recipient_client, foreign):
    image = Image.objects.get(pk=foreign["image_id"])
    image.name = "sharer-secret-image"
    image.save()
    for name in ("compute:server_create", "compute:disk_create", "ims:image_share"):
        response = recipient_client.get(reverse(name), {"image": image.pk})
        assert response.status_code in (200, 404)
        assert image.name not in response.content.decode()


def test_a_member_of_the_recipient_is_still_404_for_the_owner_routes(world, recipient_client):
    """Being shared an image does not give access to the owner's pages of it."""
    member = ImageMemberFactory(
        image=ImageFactory(owner=world.sharer_de), project=world.recipient_de, status="accepted"
    )
    for name in ("ims:image_detail", "ims:image_delete", "ims:image_member_add"):
        url = reverse(name, kwargs={"image_id": member.image_id})
        assert recipient_client.get(url).status_code == 404
        assert recipient_client.post(url).status_code in (404, 405)
