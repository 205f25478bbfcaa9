"""Cloud Trace Service page: the tenant's audit trail, filtered and paged."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from console.audit.models import Trace
from tests.conftest import htmx
from tests.factories import TenantFactory, TraceFactory

URL = reverse("audit:trace_list")


def trace(project, **fields):
    return TraceFactory(project=project, tenant=project.tenant, user_name="u", **fields)


def queries(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, headers=headers).status_code == 200
    return len(captured)


@pytest.mark.django_db
class TestTraceList:
    def test_only_the_tenants_traces_newest_first(self, world, recipient_client):
        old = trace(world.recipient_de, resource_name="old-one")
        new = trace(world.recipient_nl, resource_name="new-one")
        Trace.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(hours=1))
        trace(world.sharer_de, resource_name="sharers-secret")
        response = recipient_client.get(URL)
        assert [t.pk for t in response.context["page"]] == [new.pk, old.pk]
        content = response.content.decode()
        assert "sharers-secret" not in content
        assert "EU-Netherlands" in content and "EU-Germany" in content

    def test_filters_by_operation_service_and_result(self, world, recipient_client):
        project = world.recipient_de
        trace(project, operation="createServer", service="ECS", resource_name="a")
        trace(project, operation="createServer", service="ECS", result="failed", resource_name="b")
        trace(project, operation="createKey", service="KMS", resource_name="c")
        trace(project, operation="updateMember", service="IMS", resource_name="d")

        def names(query):
            page = recipient_client.get(f"{URL}?{query}").context["page"]
            return sorted(t.resource_name for t in page)

        assert names("operation=createServer") == ["a", "b"]
        assert names("service=KMS") == ["c"]
        assert names("result=failed") == ["b"]
        assert names("operation=createServer&result=success") == ["a"]
        assert names("") == ["a", "b", "c", "d"]

    def test_operation_choices_are_the_tenants_own(self, world, recipient_client):
        trace(world.recipient_de, operation="createVolume", service="EVS")
        trace(world.recipient_nl, operation="createVolume", service="EVS")
        trace(world.sharer_de, operation="deleteMember")
        form = recipient_client.get(URL).context["form"]
        operations = [value for value, _ in form.fields["operation"].choices]
        assert operations == ["", "createVolume"]
        services = [value for value, _ in form.fields["service"].choices]
        assert services.count("EVS") == 1

    def test_kinds_are_the_tenants_distinct_pairs_in_order(self, world):
        for service, operation in [
            ("KMS", "createKey"),
            ("ECS", "stopServer"),
            ("ECS", "createServer"),
            ("KMS", "createKey"),
            ("ECS", "createServer"),
        ]:
            trace(world.recipient_de, service=service, operation=operation)
        trace(world.recipient_nl, service="CBR", operation="createVault")
        trace(world.sharer_de, service="IMS", operation="deleteMember")
        assert Trace.objects.kinds(world.recipient.pk) == [
            ("CBR", "createVault"),
            ("ECS", "createServer"),
            ("ECS", "stopServer"),
            ("KMS", "createKey"),
        ]
        assert Trace.objects.kinds(TenantFactory().pk) == []

    def test_the_filter_choices_cost_one_query_whatever_the_traces(self, world, recipient_client):
        counts = []
        for extra in (1, 300):
            Trace.objects.bulk_create(
                Trace(
                    tenant=world.recipient,
                    project=world.recipient_de,
                    service="ECS",
                    operation=f"op{n % 3}",
                    resource_type="server",
                )
                for n in range(extra)
            )
            counts.append(queries(recipient_client, URL))
        assert counts[0] == counts[1]

    def test_invalid_filters_are_ignored_with_a_message(self, world, recipient_client):
        trace(world.recipient_de, resource_name="a")
        response = recipient_client.get(f"{URL}?result=maybe&service=XYZ")
        assert response.status_code == 200
        assert [t.resource_name for t in response.context["page"]] == ["a"]
        assert b"not valid" in response.content

    def test_pages_keep_the_filters(self, world, recipient_client):
        for n in range(25):
            trace(world.recipient_de, service="ECS", resource_name=f"r{n}")
        trace(world.recipient_de, service="KMS")
        response = recipient_client.get(f"{URL}?service=ECS")
        assert response.context["page"].paginator.count == 25
        assert len(response.context["page"]) == 10
        assert "?service=ECS&amp;page=2" in response.content.decode()
        second = recipient_client.get(f"{URL}?service=ECS&page=2").context["page"]
        assert len(second) == 10

    def test_htmx_gets_the_table_partial(self, world, recipient_client):
        trace(world.recipient_de)
        response = recipient_client.get(f"{URL}?service=IMS", headers=htmx("trace-table"))
        assert response.template_name == "audit/trace_list.html#trace-table"
        assert b"<html" not in response.content

    def test_constant_queries(self, world, recipient_client):
        for project in (world.recipient_de, world.recipient_nl, world.recipient_de):
            trace(project)
        few = queries(recipient_client, URL)
        for n in range(27):
            trace(world.recipient_nl if n % 2 else world.recipient_de, operation=f"op{n % 5}")
        assert queries(recipient_client, URL) == few

    def test_readonly_users_may_look(self, world, readonly_client):
        trace(world.recipient_de, resource_name="visible")
        assert b"visible" in readonly_client.get(URL).content

    def test_failed_traces_show_why(self, world, recipient_client):
        trace(world.recipient_de, result="failed", detail={"error": "IMG.0046 The image is x"})
        assert b"IMG.0046 The image is x" in recipient_client.get(URL).content


@pytest.mark.django_db
class TestRowTraces:
    """Traces written set-based (`note_rows`) carry what one-by-one traces carried."""

    def test_keep_the_time_to_the_microsecond_and_the_key_order(self, world, monkeypatch):
        from ims.models import ImageMember
        from ims.services import shares_reject
        from tests.factories import ImageMemberFactory

        members = [
            ImageMemberFactory(project=world.recipient_de, status="accepted") for _ in range(3)
        ]
        at = timezone.now().replace(microsecond=123456)
        monkeypatch.setattr("console.audit.services.timezone.now", lambda: at)
        shares_reject(
            actor=world.recipient_user,
            project=world.recipient_de,
            member_ids=[m.pk for m in reversed(members)],
        )
        traces = list(Trace.objects.filter(operation="updateMember").order_by("pk"))
        assert [t.created for t in traces] == [at] * 3
        assert [t.resource_id for t in traces] == [str(m.image_id) for m in members]
        assert ImageMember.objects.filter(status="rejected").count() == 3
