"""Replication as a task: the copy is Creating at once, Normal or Error when the task ran."""

import pytest
from django.http import HttpResponse
from django.tasks import default_task_backend
from django.urls import reverse

from console.audit.models import Trace
from console.compute.services import servers_create
from console.errors import ImsError
from console.tasks import TasksAfterResponseMiddleware, wait_for_background_tasks
from ims import tasks
from ims.models import Image
from ims.services import image_replicate, image_share
from ims.services.replication import SOURCE_DELETED
from ims.tasks import INTERNAL_FAILURE, replicate_image
from tests.conftest import htmx
from tests.factories import ImageFactory, ImageMemberFactory


@pytest.fixture
def queued_tasks(settings):
    """A backend that only records what was enqueued (a queue without a worker)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    return default_task_backend


def share(world, status="accepted", **fields):
    image = ImageFactory(owner=world.sharer_de, name="win2022-sql", **fields)
    ImageMemberFactory(image=image, project=world.recipient_de, status=status)
    return image


def start(world, image, name="copy_win2022-sql"):
    return image_replicate(
        actor=world.recipient_user, project=world.recipient_de, image=image, name=name
    )


@pytest.mark.django_db
class TestReplicationTask:
    def test_the_copy_is_creating_and_the_task_enqueued_on_commit(
        self, world, queued_tasks, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            copy = start(world, share(world))
            assert queued_tasks.results == []  # nothing before the commit
        assert [(r.task.name, r.args) for r in queued_tasks.results] == [
            ("replicate_image", [str(copy.pk)])
        ]
        copy.refresh_from_db()
        assert copy.status == Image.Status.SAVING and copy.get_status_display() == "Creating"
        assert copy in Image.objects.owned_by(world.recipient_de)

    def test_a_refused_replication_enqueues_nothing(
        self, world, queued_tasks, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ImsError):
            start(world, share(world, "pending"))
        assert queued_tasks.results == []

    def test_a_creating_copy_cannot_be_used_or_shared(self, world):
        copy = start(world, share(world))
        with pytest.raises(ImsError) as refused:
            servers_create(
                actor=world.recipient_user,
                project=world.recipient_de,
                image=copy,
                name="srv",
                availability_zone="eu-de-01",
                flavor="s3.medium.2",
                system_disk_gb=40,
            )
        assert refused.value.code == "IMG.0046" and "Creating" in refused.value.message
        with pytest.raises(Exception, match="Creating"):
            image_share(
                actor=world.recipient_user,
                project=world.recipient_de,
                images=[copy],
                project_ids=[world.sharer_de.project_id],
            )

    def test_the_task_makes_the_copy_normal(self, world):
        copy = start(world, share(world))
        assert replicate_image.call(str(copy.pk)) == "active"
        copy.refresh_from_db()
        assert (copy.status, copy.status_reason) == ("active", "")
        finished = Trace.objects.get(operation="copyImageFinished")
        assert (finished.user_name, finished.detail["status"]) == ("system", "active")
        # Once Normal it is usable and finishing again changes nothing.
        assert replicate_image.call(str(copy.pk)) == "skipped"

    def test_source_deleted_before_the_task_ran_is_error_with_the_reason(self, world):
        source = share(world)
        copy = start(world, source)
        source.delete()
        assert replicate_image.call(str(copy.pk)) == "error"
        copy.refresh_from_db()
        assert (copy.status, copy.status_reason) == ("error", str(SOURCE_DELETED))
        assert copy.get_status_display() == "Error"

    def test_share_rejected_before_the_task_ran_is_error_with_img_0196(self, world):
        source = share(world)
        copy = start(world, source)
        source.members.update(status="rejected")
        replicate_image.call(str(copy.pk))
        copy.refresh_from_db()
        assert copy.status == "error" and copy.status_reason.startswith("IMG.0196")

    def test_a_failing_copy_is_error_with_the_reason(self, world, monkeypatch):
        copy = start(world, share(world))

        def broken(seconds):
            raise OSError("disk full")

        monkeypatch.setattr(tasks.time, "sleep", broken)
        replicate_image.call(str(copy.pk))
        copy.refresh_from_db()
        assert (copy.status, copy.status_reason) == ("error", str(INTERNAL_FAILURE))


@pytest.mark.django_db(transaction=True)
class TestReplicateFromTheConsole:
    def test_a_request_sees_creating_and_the_task_runs_once_the_response_is_sent(self, world, rf):
        source = share(world)

        def view(request):
            copy = start(world, source)
            return HttpResponse(Image.objects.get(pk=copy.pk).status)

        response = TasksAfterResponseMiddleware(view)(rf.post("/"))
        assert response.content == b"saving"
        assert Image.objects.get(name="copy_win2022-sql").status == "saving"
        response.close()  # what the WSGI server does after sending the last byte
        wait_for_background_tasks()
        assert Image.objects.get(name="copy_win2022-sql").status == "active"

    def test_outside_a_request_the_task_is_enqueued_at_commit(self, world):
        copy = start(world, share(world))
        copy.refresh_from_db()
        assert copy.status == "active"

    def test_replicate_dialog_says_creating_and_the_copy_ends_normal(self, world, client):
        client.force_login(world.recipient_user)
        response = client.post(
            reverse("ims:image_replicate", args=[share(world).pk]),
            {"name": "copy_win2022-sql"},
            headers=htmx("dialogs"),
        )
        assert response.status_code == 200
        assert "copy_win2022-sql is Creating" in response.content.decode()
        # The test client closes the response like a WSGI server: the task runs then.
        wait_for_background_tasks()
        assert Image.objects.get(name="copy_win2022-sql").status == "active"


@pytest.mark.django_db
class TestCreatingInTheLists:
    def test_private_images_shows_creating_and_polls_until_normal(
        self, world, client, django_assert_max_num_queries
    ):
        client.force_login(world.recipient_user)
        copy = start(world, share(world))
        page = client.get(reverse("ims:private_images"))
        content = page.content.decode()
        assert "Creating" in content and 'hx-trigger="every 2s"' in content
        replicate_image.call(str(copy.pk))
        page = client.get(reverse("ims:private_images"), headers=htmx("image-list"))
        content = page.content.decode()
        assert "Creating" not in content and 'hx-trigger="every 2s"' not in content

    def test_error_copy_shows_its_reason_on_the_detail_page(self, world, client):
        client.force_login(world.recipient_user)
        source = share(world)
        copy = start(world, source)
        source.delete()
        replicate_image.call(str(copy.pk))
        page = client.get(reverse("ims:image_detail", args=[copy.pk]))
        content = page.content.decode()
        assert "Error" in content and str(SOURCE_DELETED) in content


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_task_is_queued_at_commit_for_a_worker(world, rf, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def view(request):
        start(world, share(world))
        # Queued in the request's own thread, not deferred: a worker process runs it.
        return HttpResponse(str(DBTaskResult.objects.count()))

    response = TasksAfterResponseMiddleware(view)(rf.post("/"))
    assert response.content == b"1"
    response.close()
    assert Image.objects.get(name="copy_win2022-sql").status == "saving"
