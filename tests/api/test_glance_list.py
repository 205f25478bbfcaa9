"""GET /v2/images with every filter Glance documents (glance/api/v2/images.py
RequestDeserializer.index, glance/db/sqlalchemy/api.py _make_conditions_from_filters): the
operators, `in:` lists, ranges, tags, custom and IMS properties, sorting, paging and the cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ims.api import filters
from ims.models import Image
from tests.api.conftest import error_of
from tests.factories import ImageFactory, ImageMemberFactory, ImageTagFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 10, 0, 0, tzinfo=UTC)


@pytest.fixture
def images(world):
    """Four own images of alice's project, a day apart, and one public image."""
    made = {
        "alpha": ImageFactory(
            owner=world.sharer_de,
            name="alpha",
            os="Ubuntu 22.04 server 64bit",
            disk_format="qcow2",
            properties={"hw_disk_bus": "virtio"},
            size_gb="1.00",
        ),
        "beta": ImageFactory(
            owner=world.sharer_de,
            name="beta",
            os="Windows Server 2022 Standard 64bit",
            os_type="Windows",
            protected=True,
            size_gb="5.00",
        ),
        "gamma": ImageFactory(
            owner=world.sharer_de,
            name="gamma",
            os="CentOS 7.9 32bit",
            full_ecs=True,
            container_format="ovf",
            size_gb="10.00",
        ),
        "hidden": ImageFactory(owner=world.sharer_de, name="hidden", os_hidden=True),
        "public": ImageFactory(owner=None, region=world.de, name="public", os="Debian 12 64bit"),
    }
    for day, image in enumerate(made.values()):
        Image.objects.filter(pk=image.pk).update(
            created=T0 + timedelta(days=day), updated=T0 + timedelta(days=day, hours=1)
        )
    ImageTagFactory(image=made["alpha"], key="env", value="prod")
    ImageTagFactory(image=made["alpha"], key="web", value="")
    ImageTagFactory(image=made["beta"], key="env", value="prod")
    return made


def names(api, query=""):
    response = api.get(f"/v2/images?{query}")
    assert response.status_code == 200, response.content
    return [image["name"] for image in response.json()["images"]]


class TestFilters:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("", ["public", "gamma", "beta", "alpha"]),
            ("name=beta", ["beta"]),
            ("name=eq:beta", ["beta"]),
            ("name=in:alpha,gamma", ["gamma", "alpha"]),
            ('name=in:"alpha",zeta', ["alpha"]),
            ("status=in:active,queued", ["public", "gamma", "beta", "alpha"]),
            ("status=queued", []),
            ("disk_format=qcow2", ["alpha"]),
            ("container_format=in:ovf,ova", ["gamma"]),
            ("os_hidden=true", ["hidden"]),
            ("os_hidden=false&name=hidden", []),
            ("protected=true", ["public", "beta"]),
            ("protected=false", ["gamma", "alpha"]),
            ("size_min=5368709120", ["gamma", "beta"]),
            ("size_max=5368709120&size_min=1", ["public", "beta", "alpha"]),
            ("min_disk=40&name=alpha", ["alpha"]),
            ("min_ram_max=0&name=alpha", ["alpha"]),
            ("tag=env.prod", ["beta", "alpha"]),
            ("tag=env.prod&tag=web", ["alpha"]),
            ("tag=env=prod&tag=web", ["alpha"]),
            ("tag=nope", []),
            ("created_at=gt:2026-11-02T10:00:00Z", ["public", "gamma"]),
            ("created_at=gte:2026-11-02T10:00:00Z", ["public", "gamma", "beta"]),
            ("created_at=lt:2026-11-02T10:00:00Z", ["alpha"]),
            ("created_at=lte:2026-11-02T10:00:00Z", ["beta", "alpha"]),
            ("created_at=eq:2026-11-02T10:00:00Z", ["beta"]),
            ("created_at=2026-11-02T10:00:00Z", ["beta"]),
            ("created_at=2026-11-02T11:00:00%2B01:00", ["beta"]),
            ("created_at=neq:2026-11-02T10:00:00Z", ["public", "gamma", "alpha"]),
            ("created_at=gte:2026-11-03&created_at=lt:2026-11-04", ["gamma"]),
            ("updated_at=gt:2026-11-03 10:30:00", ["public", "gamma"]),
            ("hw_disk_bus=virtio", ["alpha"]),
            ("hw_disk_bus=scsi", []),
            ("__platform=Ubuntu", ["alpha"]),
            ("__platform=Windows", ["beta"]),
            ("__platform=Other&protected=false", []),
            ("__os_version=CentOS%207.9%2032bit", ["gamma"]),
            ("__os_bit=32", ["gamma"]),
            ("__os_type=Windows", ["beta"]),
            ("__whole_image=true", ["gamma"]),
            ("__whole_image=false&protected=false", ["alpha"]),
            ("__imagetype=gold", ["public"]),
            ("__imagetype=private", ["gamma", "beta", "alpha"]),
            ("__imagetype=market", []),
            ("virtual_env_type=FusionCompute&protected=false", ["gamma", "alpha"]),
            ("__isregistered=true&name=alpha", ["alpha"]),
            ("size_min=99999999999999999999999", []),
            ("size_max=99999999999999999999999&name=alpha", ["alpha"]),
            ("created_at=lte:9999-12-31T23:59:59Z&name=alpha", ["alpha"]),
            ("visibility=public", ["public"]),
            ("visibility=private", ["gamma", "beta", "alpha"]),
        ],
    )
    def test_filter(self, sharer_api, images, query, expected):
        assert names(sharer_api, query) == expected

    def test_id_and_owner_and_checksum(self, sharer_api, images, world):
        alpha, beta = images["alpha"], images["beta"]
        assert names(sharer_api, f"id={alpha.pk}") == ["alpha"]
        assert names(sharer_api, f"id=in:{alpha.pk},{beta.pk},not-an-id") == ["beta", "alpha"]
        assert names(sharer_api, "id=not-an-id") == []
        assert names(sharer_api, f"owner={world.sharer_de.project_id}") == [
            "gamma",
            "beta",
            "alpha",
        ]
        Image.objects.filter(pk=beta.pk).update(checksum="0" * 32, file_name="x", file_size=3)
        assert names(sharer_api, f"checksum={'0' * 32}") == ["beta"]
        assert names(sharer_api, "size_max=3") == ["beta"]

    def test_shared_images_follow_their_member_status(self, recipient_api, images, world):
        ImageMemberFactory(image=images["alpha"], project=world.recipient_de, status="pending")
        ImageMemberFactory(image=images["beta"], project=world.recipient_de, status="accepted")
        assert names(recipient_api) == ["public", "beta"]
        assert names(recipient_api, "member_status=pending&visibility=shared") == ["alpha"]
        assert names(recipient_api, "member_status=all&tag=env.prod") == ["beta", "alpha"]
        assert names(recipient_api, "__imagetype=shared&member_status=all") == ["beta", "alpha"]

    def test_community_images_of_others_only_when_asked(self, recipient_api, images):
        Image.objects.filter(pk=images["gamma"].pk).update(visibility="community")
        assert "gamma" not in names(recipient_api)
        assert names(recipient_api, "visibility=community") == ["gamma"]
        assert names(recipient_api, "visibility=all") == ["public", "gamma"]

    @pytest.mark.parametrize(
        "query",
        [
            "limit=ten",
            "limit=-1",
            "os_hidden=yes",
            "protected=1",
            "size_min=big",
            "min_disk=forty",
            "name_min=1",
            "created_at=yesterday",
            "created_at=after:2026-11-01T00:00:00Z",
            "name=like:alp",
            'name=in:"alpha',
            'name=in:x"alpha"',
            "member_status=maybe",
            "visibility=everyone",
            "changes-since=2026-11-01T00:00:00Z",
            "sort=bogus",
            "sort=name:up",
            "sort=name&sort_key=id",
            "sort_key=min_ram",
            "sort_key=name&sort_key=id&sort_key=size&sort_dir=asc&sort_dir=desc",
            "sort_dir=sideways",
            "marker=00000000-0000-0000-0000-000000000000",
            "marker=not-an-id",
        ],
    )
    def test_bad_values_are_400(self, sharer_api, images, query):
        assert error_of(sharer_api.get(f"/v2/images?{query}")) == (400, "IMG.0001")


class TestSortingAndPaging:
    def test_sort_lists_and_sort_keys(self, sharer_api, images):
        ImageFactory(owner=images["alpha"].owner, name="alpha")
        assert names(sharer_api, "sort=name:asc,created_at:desc&protected=false") == [
            "alpha",
            "alpha",
            "gamma",
        ]
        assert names(sharer_api, "sort=size:desc,name&protected=false")[0] == "gamma"
        assert names(sharer_api, "sort_key=name&sort_dir=asc&protected=false") == [
            "alpha",
            "alpha",
            "gamma",
        ]
        both = "sort_key=container_format&sort_key=name&sort_dir=desc&sort_dir=asc"
        assert names(sharer_api, both + "&protected=false") == ["gamma", "alpha", "alpha"]
        assert names(sharer_api, "sort_key=updated_at&sort_dir=asc")[0] == "alpha"

    def test_pages_follow_next_through_equal_sort_values(self, sharer_api, images, world):
        for _n in range(5):
            ImageFactory(owner=world.sharer_de, name="same", size_gb="2.00")
        query = "sort=name:asc,size:desc&limit=2&protected=false"
        seen, body = [], sharer_api.get(f"/v2/images?{query}").json()
        assert body["first"] == "/v2/images?" + query.replace(":", "%3A").replace(",", "%2C")
        while True:
            seen += [image["name"] for image in body["images"]]
            if "next" not in body:
                break
            body = sharer_api.get(body["next"]).json()
        assert seen == ["alpha", "gamma"] + ["same"] * 5

    def test_repeated_tags_stay_in_next(self, sharer_api, images):
        body = sharer_api.get("/v2/images?tag=env.prod&tag=web&limit=1").json()
        assert [i["name"] for i in body["images"]] == ["alpha"]
        assert "next" not in body
        body = sharer_api.get("/v2/images?tag=env.prod&limit=1").json()
        assert "tag=env.prod" in body["next"]
        assert [i["name"] for i in sharer_api.get(body["next"]).json()["images"]] == ["alpha"]

    def test_a_limit_above_the_maximum_is_capped(self, sharer_api, images, monkeypatch):
        assert len(names(sharer_api, "limit=5000")) == 4
        monkeypatch.setattr(filters, "LIMIT_MAX", 2)
        body = sharer_api.get("/v2/images?limit=5000").json()
        assert len(body["images"]) == 2 and "next" in body
        assert names(sharer_api, "limit=0") == []

    def test_the_default_page_is_25(self, sharer_api, world):
        for n in range(26):
            ImageFactory(owner=world.sharer_de, name=f"i{n:02}")
        body = sharer_api.get("/v2/images").json()
        assert len(body["images"]) == 25 and "next" in body


class TestCost:
    def test_constant_queries_whatever_the_filters_match(self, sharer_api, world):
        query = (
            "tag=env.prod&tag=web&hw_disk_bus=virtio&__platform=Ubuntu&size_min=1"
            "&created_at=gte:2020-01-01T00:00:00Z&name=in:a,b,img&sort=name:asc,size:desc"
            "&limit=60"
        )
        counts = []
        for count in (2, 50):
            Image.objects.all().delete()
            for _n in range(count):
                image = ImageFactory(
                    owner=world.sharer_de, name="img", properties={"hw_disk_bus": "virtio"}
                )
                ImageTagFactory(image=image, key="env", value="prod")
                ImageTagFactory(image=image, key="web", value="")
                ImageMemberFactory(image=image)
            first = sharer_api.get(f"/v2/images?{query}&limit=1").json()
            with CaptureQueriesContext(connection) as queries:
                body = sharer_api.get(
                    f"/v2/images?{query}&marker={quote(first['images'][0]['id'])}"
                ).json()
            assert len(body["images"]) == count - 1
            counts.append(len(queries))
        assert counts[0] == counts[1], counts
