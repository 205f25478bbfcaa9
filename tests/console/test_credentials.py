"""My Credentials: the account and, per region, the project ID to give a sharer."""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.html import Element, parse_html
from django.urls import reverse

from console.models import Project
from tests.factories import ProjectFactory, RegionFactory, TenantFactory, UserFactory

URL = reverse("console:credentials")


def elements(node, name):
    """Every element called `name` under `node`."""
    if not isinstance(node, Element):
        return []
    found = [node] if node.name == name else []
    for child in node.children:
        found += elements(child, name)
    return found


def text(node):
    """The text inside `node`, whitespace collapsed."""
    if isinstance(node, str):
        return node
    return " ".join(" ".join(text(c) for c in node.children).split())


def project_rows(response):
    """The rows of the project table as dicts: region, text, copy value, current."""
    doc = parse_html(response.content.decode())
    (table,) = [t for t in elements(doc, "table") if ("id", "project-table") in t.attributes]
    rows = []
    for tr in elements(table, "tr"):
        attrs = dict(tr.attributes)
        if "data-region" not in attrs:
            continue  # the header row
        copies = [dict(b.attributes).get("data-copy") for b in elements(tr, "button")]
        rows.append(
            {
                "region": attrs["data-region"],
                "text": text(tr),
                "copy": copies,
                "current": "current" in attrs.get("class", "").split(),
            }
        )
    return rows


def test_shows_account_name_and_id(world, recipient_client):
    response = recipient_client.get(URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "My Credentials" in content
    assert world.recipient.name in content
    assert f'<code data-testid="account-id">{world.recipient.account_id}</code>' in content
    assert f'data-copy="{world.recipient.account_id}"' in content
    assert world.recipient_user.username in content


def test_lists_every_region_with_its_project_id_and_a_copy_button(world, recipient_client):
    rows = project_rows(recipient_client.get(URL))

    assert [r["region"] for r in rows] == ["eu-de", "eu-nl"]
    for row, project, region in zip(
        rows, [world.recipient_de, world.recipient_nl], [world.de, world.nl], strict=True
    ):
        assert project.project_id in row["text"]
        assert region.name in row["text"]
        assert project.name in row["text"]
        assert row["copy"] == [project.project_id]


def test_marks_the_current_project(world, recipient_client):
    rows = project_rows(recipient_client.get(URL))
    assert [r["region"] for r in rows if r["current"]] == ["eu-de"]
    assert "current" in rows[0]["text"] and "current" not in rows[1]["text"]

    recipient_client.post(reverse("console:region_switch"), {"region": "eu-nl"})
    rows = project_rows(recipient_client.get(URL))
    assert [r["region"] for r in rows if r["current"]] == ["eu-nl"]


def test_another_tenants_ids_never_appear(world, recipient_client):
    content = recipient_client.get(URL).content.decode()

    assert world.sharer.account_id not in content
    assert world.sharer.name not in content
    for project in Project.objects.filter(tenant=world.sharer):
        assert project.project_id not in content


def test_sharer_sees_its_own_ids(world, sharer_client):
    content = sharer_client.get(URL).content.decode()

    assert world.sharer.account_id in content
    assert world.sharer_de.project_id in content and world.sharer_nl.project_id in content
    assert world.recipient.account_id not in content
    assert world.recipient_de.project_id not in content


def test_regions_where_the_tenant_has_no_project_are_not_listed(world, recipient_client):
    other = ProjectFactory(tenant=world.sharer, region=RegionFactory(code="eu-fr", name="France"))
    response = recipient_client.get(URL)

    assert [r["region"] for r in project_rows(response)] == ["eu-de", "eu-nl"]
    assert other.project_id not in response.content.decode()


def test_readonly_user_sees_the_tenants_credentials(world, readonly_client):
    rows = project_rows(readonly_client.get(URL))
    assert [r["copy"] for r in rows] == [
        [world.recipient_de.project_id],
        [world.recipient_nl.project_id],
    ]


def test_tenant_with_one_project(world):
    tenant = TenantFactory(name="Solo")
    project = ProjectFactory(tenant=tenant, region=world.nl)
    client = Client()
    client.force_login(UserFactory(tenant=tenant))

    (row,) = project_rows(client.get(URL))
    assert (row["region"], row["copy"], row["current"]) == ("eu-nl", [project.project_id], True)


def test_user_menu_links_to_my_credentials(recipient_client):
    content = recipient_client.get(reverse("ims:shared_images")).content.decode()
    assert f'href="{URL}"' in content


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_read_methods(recipient_client, method):
    assert getattr(recipient_client, method)(URL).status_code == 405


def test_constant_queries_whatever_the_number_of_regions(
    world, recipient_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20) as few:
        recipient_client.get(URL)
    for n in range(5):
        ProjectFactory(tenant=world.recipient, region=RegionFactory(code=f"ap-{n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = recipient_client.get(URL)
    assert len(project_rows(response)) == 7
