"""Django admin: every registered model's pages render; search and autocomplete work."""

from __future__ import annotations

import io
import json

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from console.ids import stable_hex32
from console.models import Project
from tests import factories
from tests.test_factories import FACTORIES

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
MODEL_IDS = [model._meta.label for model, _ in REGISTERED]
FACTORY_FOR = {f._meta.model: f for f in FACTORIES}
# Registered models without a factory of ours (Django's and django-axes' own).
LOGIN_ATTEMPT = {
    "username": "bob",
    "ip_address": "10.0.0.1",
    "user_agent": "test",
    "path_info": "/login/",
}
EXTRA_BUILDERS = {
    Group: lambda: Group.objects.create(name="operators"),
    AccessAttempt: lambda: AccessAttempt.objects.create(
        **LOGIN_ATTEMPT, get_data="", post_data="", failures_since_start=5
    ),
    AccessFailureLog: lambda: AccessFailureLog.objects.create(**LOGIN_ATTEMPT, locked_out=True),
}


def autocomplete_fields():
    """(source model, field name) of every autocomplete field, on admins and their inlines."""
    found = set()
    for model, model_admin in admin.site._registry.items():
        found |= {(model, name) for name in model_admin.autocomplete_fields}
        for inline in model_admin.inlines:
            found |= {(inline.model, name) for name in inline.autocomplete_fields}
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1]))


AUTOCOMPLETE = autocomplete_fields()


@pytest.fixture
def operator() -> Client:
    """The demo world, and its superuser `admin` logged in through the admin login form."""
    call_command("seed_demo", stdout=io.StringIO())
    client = Client()
    response = client.post(
        reverse("admin:login"),
        {"username": "admin", "password": "console-demo", "next": reverse("admin:index")},
    )
    assert response.status_code == 302
    return client


def an_object(model):
    """A saved row of `model`: from the demo world, else built for the test."""
    obj = model._default_manager.order_by("pk").first()
    if obj is None:
        build = FACTORY_FOR.get(model) or EXTRA_BUILDERS.get(model)
        assert build, f"Add a factory for {model._meta.label} so its admin can be tested."
        obj = build()
    return obj


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_project_model_is_registered():
    registered = {model._meta.label for model in admin.site._registry}
    project_models = {f._meta.model._meta.label for f in FACTORIES}
    assert project_models <= registered


def test_admin_index_lists_every_model(operator):
    response = operator.get(reverse("admin:index"))
    assert response.status_code == 200
    for model, _ in REGISTERED:
        assert url(model, "changelist") in response.content.decode()


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_changelist_renders_and_sorts(operator, model, model_admin):
    an_object(model)
    response = operator.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1

    # Sorting by each column exercises every list_display entry against the database.
    for column in range(1, len(model_admin.list_display) + 1):
        for order in (str(column), f"-{column}"):
            sorted_page = operator.get(url(model, "changelist"), {"o": order})
            assert sorted_page.status_code == 200, f"o={order}"


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_changelist_search(operator, model, model_admin):
    an_object(model)
    assert model_admin.search_fields, f"{model._meta.label} has no search_fields"
    for term in ("x", "eu-de", "Beta Apps", "0"):
        response = operator.get(url(model, "changelist"), {"q": term})
        assert response.status_code == 200, f"q={term}"


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_changelist_filters(operator, model, model_admin):
    an_object(model)
    response = operator.get(url(model, "changelist"))
    for spec in response.context["cl"].filter_specs:
        for choice in list(spec.choices(response.context["cl"]))[1:3]:
            filtered = operator.get(url(model, "changelist") + choice["query_string"])
            assert filtered.status_code == 200, choice["query_string"]


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_add_page(operator, model, model_admin):
    response = operator.get(url(model, "add"))
    request = response.wsgi_request
    expected = 200 if model_admin.has_add_permission(request) else 403
    assert response.status_code == expected


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_change_page(operator, model, model_admin):
    obj = an_object(model)
    response = operator.get(url(model, "change", obj.pk))
    assert response.status_code == 200
    assert str(obj) in response.content.decode() or str(obj.pk) in response.content.decode()


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_delete_confirmation_page(operator, model, model_admin):
    obj = an_object(model)
    response = operator.get(url(model, "delete", obj.pk))
    request = response.wsgi_request
    expected = 200 if model_admin.has_delete_permission(request, obj) else 403
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("source", "field"),
    AUTOCOMPLETE,
    ids=[f"{m._meta.label}.{f}" for m, f in AUTOCOMPLETE],
)
def test_autocomplete_endpoint(operator, source, field):
    remote = source._meta.get_field(field).remote_field.model
    an_object(remote)
    response = operator.get(
        reverse("admin:autocomplete"),
        {
            "app_label": source._meta.app_label,
            "model_name": source._meta.model_name,
            "field_name": field,
            "term": "",
        },
    )
    assert response.status_code == 200
    results = json.loads(response.content)["results"]
    assert results, f"no {remote._meta.label} offered for {source._meta.label}.{field}"


def test_autocomplete_search_narrows_the_results(operator):
    response = operator.get(
        reverse("admin:autocomplete"),
        {"app_label": "ims", "model_name": "image", "field_name": "owner", "term": "Beta"},
    )
    results = json.loads(response.content)["results"]
    beta = Project.objects.filter(tenant__name="Beta Apps")
    assert {r["id"] for r in results} == {str(p.pk) for p in beta}


def test_admin_search_finds_a_project_by_project_id(operator):
    project_id = stable_hex32("project", "Beta Apps", "eu-nl")
    response = operator.get(reverse("admin:console_project_changelist"), {"q": project_id})
    assert response.context["cl"].result_count == 1


def test_trace_admin_is_read_only(operator):
    trace = factories.TraceFactory()
    response = operator.post(url(trace._meta.model, "change", trace.pk), {"operation": "tampered"})
    assert response.status_code == 403
    trace.refresh_from_db()
    assert trace.operation == "addMember"


def test_console_users_cannot_open_the_admin(world, recipient_client):
    response = recipient_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("admin:login"))


def test_system_checks_pass():
    call_command("check", fail_level="WARNING", stdout=io.StringIO())
