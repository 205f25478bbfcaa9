"""Batch member jobs never half-finish: a worker killed mid-job leaves nothing changed, and
the next worker to start runs the job again; no job stays RUNNING after its worker died."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from console.audit.models import Trace
from ims.api import jobs
from ims.models import ImageMember, Job
from tests.api.conftest import Api
from tests.factories import ImageFactory, ImageMemberFactory, JobFactory
from tests.workers import Worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
MEMBERS = "/v1/cloudimages/members"
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def shares():
    """Each share as (image name, recipient project, status), in a stable order."""
    return sorted(ImageMember.objects.values_list("image__name", "project__project_id", "status"))


def scenario(world, kind):
    """An API call of `kind`, and the shares before and after it."""
    images = [ImageFactory(owner=world.sharer_de, name=f"img-{n}") for n in range(2)]
    recipient = world.recipient_de.project_id
    body = {"images": [str(i.pk) for i in images], "projects": [recipient]}
    if kind == "add":
        api, method, operation = Api(world.sharer_user, world.sharer_de), "post", "addMember"
        expected = [(i.name, recipient, "pending") for i in images]
    elif kind == "accept":
        for image in images:
            ImageMemberFactory(image=image, project=world.recipient_de)
        api = Api(world.recipient_user, world.recipient_de)
        method, operation = "put", "updateMember"
        body = {"images": body["images"], "project_id": recipient, "status": "accepted"}
        expected = [(i.name, recipient, "accepted") for i in images]
    else:
        for image in images:
            ImageMemberFactory(image=image, project=world.recipient_de, status="accepted")
        api, method, operation = Api(world.sharer_user, world.sharer_de), "delete", "deleteMember"
        expected = []
    return api, method, body, operation, expected


@pytest.mark.parametrize("kind", ["add", "accept", "stop sharing"])
def test_a_worker_killed_mid_job_changes_nothing_and_the_next_one_finishes_it(
    world, settings, kind
):
    settings.TASKS = DATABASE_QUEUE
    api, method, body, operation, expected = scenario(world, kind)
    before = shares()
    response = api.call(method, MEMBERS, body)
    assert response.status_code == 200, response.content
    job_id = response.json()["job_id"]
    first_task = Job.objects.get(job_id=job_id).task_id

    # The first worker makes the change, then waits a minute before committing it.
    first = Worker(IMS_MEMBER_JOB_SECONDS="60")
    try:
        running = wait_until(lambda: Job.objects.filter(job_id=job_id, status="RUNNING").exists())
        assert running, first.output()
        time.sleep(1.5)
        first.kill()
    finally:
        first.stop()
    # Nothing of the change is visible: it was to commit with the job's end.
    assert shares() == before
    assert Job.objects.get(job_id=job_id).status == "RUNNING"

    second = Worker()
    try:
        ended = wait_until(
            lambda: Job.objects.filter(job_id=job_id, status__in=["SUCCESS", "FAIL"]).first()
        )
    finally:
        output = second.stop()
    assert ended, output
    assert (ended.status, ended.error_code, ended.attempts) == ("SUCCESS", "", 2), output
    assert f"Batch member job {job_id} was left running: INIT." in output
    assert shares() == sorted(expected)
    # Done once: one success trace per share, none from the killed run.
    assert Trace.objects.filter(operation=operation, result="success").count() == 2
    assert DBTaskResult.objects.get(pk=first_task).status == "FAILED"
    doc = api.get(f"/v1/cloudimages/job/{job_id}").json()
    assert doc["status"] == "SUCCESS"


def test_a_job_its_workers_died_running_three_times_fails_with_nothing_changed(world):
    image = ImageFactory(owner=world.sharer_de)
    job = JobFactory(
        project=world.sharer_de,
        user=world.sharer_user,
        status=Job.Status.RUNNING,
        attempts=jobs.MAX_ATTEMPTS,
        request={"images": [str(image.pk)], "projects": [world.recipient_de.project_id]},
    )
    assert jobs.jobs_recover() == [job]
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("FAIL", "IMG.0112")
    assert job.fail_reason == jobs.INTERRUPTED.format(count=3) and job.end_time
    assert not ImageMember.objects.exists()


def test_a_recovered_job_runs_again(world):
    image = ImageFactory(owner=world.sharer_de)
    job = JobFactory(
        project=world.sharer_de,
        user=world.sharer_user,
        status=Job.Status.RUNNING,
        attempts=1,
        request={"images": [str(image.pk)], "projects": [world.recipient_de.project_id]},
    )
    # The tests' queue runs the task at once.
    assert jobs.jobs_recover() == [job]
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("SUCCESS", 2)
    assert ImageMember.objects.get().image == image
    assert jobs.jobs_recover() == []


def test_a_fault_in_a_job_fails_it_at_once_with_nothing_changed(world, monkeypatch):
    image = ImageFactory(owner=world.sharer_de)

    def share_then_break(job):
        jobs._add(job)
        raise RuntimeError("broken")

    monkeypatch.setitem(jobs.RUNNERS, Job.JobType.ADD, share_then_break)
    job = JobFactory(
        project=world.sharer_de,
        user=world.sharer_user,
        request={"images": [str(image.pk)], "projects": [world.recipient_de.project_id]},
    )
    assert jobs.job_run(job.job_id) == "FAIL"
    job.refresh_from_db()
    assert (job.status, job.error_code, job.fail_reason) == ("FAIL", "IMG.0112", jobs.INTERNAL)
    assert not ImageMember.objects.exists()
    assert not Trace.objects.filter(result="success").exists()


def test_a_run_that_was_queued_again_meanwhile_leaves_the_job_to_the_new_run(world):
    """A worker that marked a job RUNNING and then lost it to a recovery changes nothing."""
    image = ImageFactory(owner=world.sharer_de)
    job = JobFactory(
        project=world.sharer_de,
        user=world.sharer_user,
        status=Job.Status.RUNNING,
        attempts=2,
        request={"images": [str(image.pk)], "projects": [world.recipient_de.project_id]},
    )
    assert jobs._finish(job.pk, attempt=1) == "RUNNING"
    assert not ImageMember.objects.exists()


def test_a_job_a_live_worker_is_running_is_left_to_it(world, settings):
    settings.IMS_MEMBER_JOB_SECONDS = 1.0
    image = ImageFactory(owner=world.sharer_de)
    job = JobFactory(
        project=world.sharer_de,
        user=world.sharer_user,
        request={"images": [str(image.pk)], "projects": [world.recipient_de.project_id]},
    )

    def run():
        try:
            jobs.job_run(job.job_id)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert wait_until(lambda: Job.objects.filter(pk=job.pk, status="RUNNING").exists(), 10)
        time.sleep(0.3)
        # Waits for the running job's transaction, then finds it ended.
        assert jobs.jobs_recover() == []
    finally:
        worker.join(30)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("SUCCESS", 1)
    assert ImageMember.objects.count() == 1


def test_a_job_whose_task_failed_before_it_started_ends_fail_as_its_document_says(world, settings):
    settings.TASKS = DATABASE_QUEUE
    image = ImageFactory(owner=world.sharer_de)
    api = Api(world.sharer_user, world.sharer_de)
    body = {"images": [str(image.pk)], "projects": [world.recipient_de.project_id]}
    job_id = api.call("post", MEMBERS, body).json()["job_id"]
    job = Job.objects.get(job_id=job_id)
    DBTaskResult.objects.filter(pk=job.task_id).update(status="FAILED")
    shown = api.get(f"/v1/cloudimages/job/{job_id}").json()
    assert jobs.jobs_recover() == [job]
    job.refresh_from_db()
    assert (job.status, job.error_code, job.fail_reason) == (
        "FAIL",
        shown["error_code"],
        shown["fail_reason"],
    )
    assert api.get(f"/v1/cloudimages/job/{job_id}").json()["status"] == "FAIL"
    assert not ImageMember.objects.exists()
