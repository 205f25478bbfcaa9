"""A malformed htmx header is a 400 before any change, never a 500 after one."""

import pytest
from django.urls import reverse

from console.security import malformed_url
from ims.models import Image, ImageMember
from tests.factories import ImageFactory, ImageMemberFactory

pytestmark = pytest.mark.django_db

BAD_URLS = [
    "http://[::1",
    "http://[zz]/ims/",
    "https://[v1.bad/ims/?view=rejected",
    "http://a\x00b/",
]


def bad_htmx(url):
    return {"HX-Request": "true", "HX-Target": "banner", "HX-Current-URL": url}


@pytest.fixture
def pending(world):
    image = ImageFactory(owner=world.sharer_de)
    return ImageMemberFactory(image=image, project=world.recipient_de, status="pending")


@pytest.mark.parametrize("url", BAD_URLS)
def test_reject_with_a_malformed_current_url_is_400_and_rejects_nothing(
    world, recipient_client, pending, url
):
    response = recipient_client.post(
        reverse("ims:share_reject"), {"members": [pending.pk]}, headers=bad_htmx(url)
    )
    assert response.status_code == 400
    # Header names are case-insensitive; the refusal names it as Django spells it.
    assert "hx-current-url" in response.content.decode().lower()
    pending.refresh_from_db()
    assert pending.status == ImageMember.Status.PENDING


def test_accept_with_a_malformed_current_url_is_400_and_accepts_nothing(
    world, recipient_client, pending
):
    response = recipient_client.post(
        reverse("ims:share_accept"), {"members": [pending.pk]}, headers=bad_htmx("http://[::1")
    )
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == ImageMember.Status.PENDING


def test_image_delete_with_a_malformed_current_url_is_400_and_deletes_nothing(world, sharer_client):
    image = ImageFactory(owner=world.sharer_de)
    response = sharer_client.post(
        reverse("ims:image_delete", args=[image.pk]),
        headers={
            "HX-Request": "true",
            "HX-Target": "image-delete-panel",
            "HX-Current-URL": "http://[::1",
        },
    )
    assert response.status_code == 400
    assert Image.objects.filter(pk=image.pk).exists()


def test_a_uri_encoded_malformed_header_is_refused_too(world, recipient_client, pending):
    headers = bad_htmx("http%3A%2F%2F%5B%3A%3A1") | {"HX-Current-URL-URI-AutoEncoded": "true"}
    response = recipient_client.post(
        reverse("ims:share_reject"), {"members": [pending.pk]}, headers=headers
    )
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == ImageMember.Status.PENDING


def test_a_malformed_header_on_a_page_is_400_too(world, recipient_client):
    response = recipient_client.get(reverse("ims:shared_images"), headers=bad_htmx("http://[::1"))
    assert response.status_code == 400


def test_a_valid_current_url_still_keeps_the_list_filters(world, recipient_client, pending):
    url = "http://testserver/ims/?view=rejected&q=image"
    response = recipient_client.post(
        reverse("ims:share_reject"), {"members": [pending.pk]}, headers=bad_htmx(url)
    )
    assert response.status_code == 200
    assert response.context["view"] == "rejected"
    pending.refresh_from_db()
    assert pending.status == ImageMember.Status.REJECTED


@pytest.mark.parametrize(
    ("value", "malformed"),
    [
        ("http://testserver/ims/?q=a", False),
        ("/ims/", False),
        ("", False),
        ("http://[::1", True),
        ("http://[::1]/", False),
        ("http://x/\x7f", True),
        ("http://x/\n", True),
    ],
)
def test_malformed_url(value, malformed):
    assert malformed_url(value) is malformed
