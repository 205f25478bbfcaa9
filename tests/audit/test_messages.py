"""Messages behind the bell: listing, marking read, region scoping (D1)."""

import pytest
from django.urls import reverse

from console.audit.models import Message, Trace
from console.audit.services import messages_mark_read
from console.errors import RoleRefused
from ims.services import image_share
from tests.conftest import htmx
from tests.factories import ImageFactory, MessageFactory

pytestmark = pytest.mark.django_db

URL = reverse("audit:message_list")
MARK = reverse("audit:message_mark_read")


def unread(project):
    return Message.objects.for_project(project).unread().count()


def bell(response):
    html = response.content.decode()
    if 'data-testid="unread-count"' not in html:
        return 0
    return int(html.split('data-testid="unread-count">')[1].split("<")[0])


class TestMessageList:
    def test_lists_the_current_projects_messages_newest_first(self, world, recipient_client):
        MessageFactory(project=world.recipient_de, title="older")
        MessageFactory(project=world.recipient_de, title="newer", body="Look at this")
        MessageFactory(project=world.recipient_nl, title="dutch")
        MessageFactory(project=world.sharer_de, title="not mine")
        html = recipient_client.get(URL).content.decode()
        assert html.index("newer") < html.index("older")
        assert "Look at this" in html
        assert "dutch" not in html and "not mine" not in html

    def test_opening_changes_nothing_then_the_page_marks_what_it_showed(
        self, world, recipient_client
    ):
        fresh = MessageFactory(project=world.recipient_de, title="fresh")
        MessageFactory(project=world.recipient_de, title="seen", read=True)
        response = recipient_client.get(URL)
        html = response.content.decode()
        row = html.split("fresh")[0].rsplit("<tr", 1)[1]
        seen = html.split("seen")[0].rsplit("<tr", 1)[1]
        assert "is-unread" in row and "is-unread" not in seen
        # A GET changes nothing: the page posts the IDs it showed once it is displayed.
        assert unread(world.recipient_de) == 1 and not Trace.objects.exists()
        assert f'"ids": "{fresh.pk}"' in html and 'hx-trigger="load"' in html
        marked = recipient_client.post(MARK, {"ids": str(fresh.pk)}, headers=htmx())
        assert marked.status_code == 200 and 'id="bell"' in marked.content.decode()
        assert 'hx-swap-oob="true"' in marked.content.decode()
        assert bell(marked) == 0 and unread(world.recipient_de) == 0
        assert "is-unread" not in recipient_client.get(URL).content.decode()

    def test_only_the_shown_page_is_marked_read(self, world, recipient_client):
        for n in range(25):
            MessageFactory(project=world.recipient_de, title=f"m{n}")
        first = recipient_client.get(URL).context["unread_ids"]
        assert len(first) == 10
        recipient_client.post(MARK, {"ids": ",".join(map(str, first))}, headers=htmx())
        assert unread(world.recipient_de) == 15
        assert "Total records: 25" in recipient_client.get(URL).content.decode()

    def test_marking_bad_ids_is_a_400_and_changes_nothing(self, world, recipient_client):
        MessageFactory(project=world.recipient_de)
        response = recipient_client.post(MARK, {"ids": "1,x"}, headers=htmx())
        assert response.status_code == 400 and unread(world.recipient_de) == 1

    def test_mark_all_as_read(self, world, recipient_client):
        for _ in range(25):
            MessageFactory(project=world.recipient_de)
        other = MessageFactory(project=world.recipient_nl)
        response = recipient_client.post(MARK)
        assert response.status_code == 302 and response["Location"] == URL
        assert unread(world.recipient_de) == 0
        assert Message.objects.get(pk=other.pk).read is False
        trace = Trace.objects.get(operation="markMessagesRead")
        assert trace.detail == {"count": 25} and trace.project == world.recipient_de

    def test_readonly_user_reads_without_marking_and_is_refused_mark_all(
        self, world, readonly_client
    ):
        MessageFactory(project=world.recipient_de, title="fresh")
        html = readonly_client.get(URL).content.decode()
        assert "fresh" in html and 'hx-trigger="load"' not in html
        assert unread(world.recipient_de) == 1
        response = readonly_client.post(MARK, follow=True)
        assert "IMG.0026" in response.content.decode()
        assert unread(world.recipient_de) == 1

    def test_htmx_partial_and_full_page(self, world, recipient_client):
        MessageFactory(project=world.recipient_de, title="hello")
        partial = recipient_client.get(URL, headers=htmx("message-list")).content.decode()
        assert partial.lstrip().startswith('<section id="message-list"') and "<html" not in partial
        full = recipient_client.get(URL).content.decode()
        assert "<html" in full and 'id="message-list"' in full

    def test_constant_number_of_queries(
        self, world, recipient_client, django_assert_max_num_queries
    ):
        for _ in range(3):
            MessageFactory(project=world.recipient_de)
        with django_assert_max_num_queries(15) as few:
            recipient_client.get(URL)
        for _ in range(27):
            MessageFactory(project=world.recipient_de)
        with django_assert_max_num_queries(len(few.captured_queries)):
            recipient_client.get(URL)

    def test_login_required(self, client):
        assert client.get(URL).status_code == 302


class TestShareMessagesAndRegions:
    def share(self, world):
        images = [ImageFactory(owner=world.sharer_de, name=n) for n in ("web", "db")]
        image_share(
            actor=world.sharer_user,
            project=world.sharer_de,
            images=images,
            project_ids=[world.recipient_de.project_id],
        )

    def test_a_share_in_eu_de_never_shows_while_eu_nl_is_selected(self, world, recipient_client):
        self.share(world)
        assert bell(recipient_client.get(reverse("ims:shared_images"))) == 1
        recipient_client.post(reverse("console:region_switch"), {"region": "eu-nl"})
        response = recipient_client.get(URL)
        assert bell(response) == 0
        assert "Sharer Co shared" not in response.content.decode()
        assert unread(world.recipient_de) == 1
        recipient_client.post(reverse("console:region_switch"), {"region": "eu-de"})
        response = recipient_client.get(URL)
        assert "Sharer Co shared 2 images with you" in response.content.decode()
        assert "db, web" in response.content.decode()

    def test_one_message_per_share_submission(self, world):
        self.share(world)
        assert Message.objects.filter(project=world.recipient_de).count() == 1
        assert not Message.objects.filter(project=world.recipient_nl).exists()


class TestMarkReadService:
    def test_ids_of_another_project_are_not_touched(self, world):
        mine = MessageFactory(project=world.recipient_de)
        theirs = MessageFactory(project=world.sharer_de)
        count = messages_mark_read(
            actor=world.recipient_user, project=world.recipient_de, ids=[mine.pk, theirs.pk]
        )
        assert count == 1
        assert Message.objects.get(pk=theirs.pk).read is False

    def test_nothing_to_mark_records_no_trace(self, world):
        assert messages_mark_read(actor=world.recipient_user, project=world.recipient_de) == 0
        assert not Trace.objects.exists()

    def test_readonly_is_refused(self, world):
        MessageFactory(project=world.recipient_de)
        with pytest.raises(RoleRefused):
            messages_mark_read(actor=world.readonly_user, project=world.recipient_de)
        assert unread(world.recipient_de) == 1
