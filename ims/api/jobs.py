"""Batch member jobs: submitted by the API, run on the task queue through the ims services."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.errors import ConsoleError, ImsError, ShareRefused, Throttled
from console.models import Project, Tenant, User
from console.services import ensure_can_change
from ims.models import Image, ImageMember, Job
from ims.services import (
    image_members_delete,
    image_share,
    images_members_delete,
    shares_accept,
    shares_reject,
)
from vaults.models import Vault

logger = logging.getLogger(__name__)

DEFAULT_CODE = {
    Job.JobType.ADD: "IMG.0112",
    Job.JobType.UPDATE: "IMG.0001",
    Job.JobType.DELETE: "IMG.0113",
}


# A refused submission's Retry-After: jobs take milliseconds once a worker reaches them.
THROTTLED_RETRY_SECONDS = 2


def queued_jobs_refusal(project: Project) -> Throttled | None:
    """Why `project`'s account may not queue another job now, or None.

    An account may have `IMS_QUEUED_JOBS_PER_TENANT` jobs waiting or running at a time, over
    all its projects, so that one account's burst cannot delay another's jobs for long.
    """
    limit = settings.IMS_QUEUED_JOBS_PER_TENANT
    queued = Job.objects.queued().filter(project__tenant_id=project.tenant_id).count()
    if queued < limit:
        return None
    return Throttled(
        "APIGW.0308",
        format_lazy(
            _(
                "{count} batch member jobs of this account are waiting or running; at most "
                "{limit} may be. Try again when some have ended."
            ),
            count=queued,
            limit=limit,
        ),
        retry_after=THROTTLED_RETRY_SECONDS,
    )


def job_submit(*, actor: User, project: Project, job_type: str, request: dict[str, Any]) -> Job:
    """Record a job (INIT) and queue it; the worker runs it with `job_run`.

    A read-only user is refused here, at once, as its single-member calls are: a job that
    could only fail is never queued. So is an account at its limit of queued jobs (429),
    checked with its row locked so that simultaneous submissions cannot both pass it.
    """
    ensure_can_change(actor)
    with transaction.atomic():
        list(
            Tenant.objects.select_for_update(no_key=True)
            .filter(pk=project.tenant_id)
            .values_list("pk", flat=True)
        )
        if refusal := queued_jobs_refusal(project):
            raise refusal
        job = Job.objects.create(job_type=job_type, project=project, user=actor, request=request)
    result = run_member_job.enqueue(job.job_id)
    Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def _images(project: Project, ids: list[str]) -> list[Image]:
    wanted = [uuid.UUID(i) for i in ids]
    visible = Image.objects.filter(pk__in=wanted).filter(
        pk__in=Image.objects.visible_to(project).values("pk")
    )
    found = {image.pk: image for image in visible}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise ImsError("IMG.0027", f"Not found: {', '.join(missing)}.")
    return [found[i] for i in wanted]


def _add(job: Job) -> list[dict[str, str]]:
    req = job.request
    images = _images(job.project, req["images"])
    image_share(actor=job.user, project=job.project, images=images, project_ids=req["projects"])
    return [
        {"image_id": str(i.pk), "project_id": p, "status": "success"}
        for i in images
        for p in req["projects"]
    ]


def _update(job: Job) -> list[dict[str, str]]:
    req, project = job.request, job.project
    wanted = [uuid.UUID(i) for i in req["images"]]
    members = dict(
        ImageMember.objects.filter(project=project, image_id__in=wanted).values_list(
            "image_id", "pk"
        )
    )
    if missing := [str(i) for i in wanted if i not in members]:
        raise ImsError("IMG.0144", f"Not shared with this project: {', '.join(missing)}.")
    if req["status"] == ImageMember.Status.ACCEPTED:
        vault = None
        if vault_id := req.get("vault_id"):
            vault = Vault.objects.for_project(project).filter(vault_id=vault_id).first()
            if vault is None:
                raise ImsError("IMG.0184", f"Vault {vault_id} was not found in this project.")
        shares_accept(
            actor=job.user, project=project, member_ids=list(members.values()), vault=vault
        )
    else:
        shares_reject(actor=job.user, project=project, member_ids=list(members.values()))
    return [
        {"image_id": str(i), "project_id": project.project_id, "status": "success"} for i in wanted
    ]


def _delete(job: Job) -> list[dict[str, str]]:
    req, project = job.request, job.project
    images = _images(project, req["images"])
    if len(images) == 1:
        image_members_delete(
            actor=job.user, project=project, image=images[0], project_ids=req["projects"]
        )
    else:
        images_members_delete(
            actor=job.user, project=project, images=images, project_ids=req["projects"]
        )
    return []


RUNNERS = {Job.JobType.ADD: _add, Job.JobType.UPDATE: _update, Job.JobType.DELETE: _delete}


def _reason(error: ConsoleError) -> tuple[str, str]:
    if isinstance(error, ShareRefused):
        codes = [p.error.code for p in error.problems if p.error.code]
        return (codes[0] if codes else ""), str(error)
    return error.code, error.message


# A job whose runs keep dying with their worker (it may be what kills it) ends FAIL.
MAX_ATTEMPTS = 3
INTERRUPTED = "The job was interrupted {count} times and was not run again. Nothing was changed."
INTERNAL = "The job failed because of an internal error. Nothing was changed."
# What a job whose task failed outside the job's own handling reads as (see `job_doc`).
TASK_FAILED_CODE, TASK_FAILED = "IMG.0112", "The job's task failed."


class WorkerLost(Exception):
    """The task's worker stopped while running it (recorded on the task by `jobs_recover`)."""


def job_run(job_id: str) -> str:
    """Run a queued job once: RUNNING, then SUCCESS, or FAIL with nothing changed.

    The change and the final status commit in one transaction, with the job's row locked:
    a worker that dies mid-job leaves the job RUNNING with nothing changed, and the next
    worker to start queues it again (`jobs_recover`).
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(job_id=job_id).first()
        if job is None or job.status != Job.Status.INIT:
            return job.status if job else "missing"
        job.status, job.begin_time = Job.Status.RUNNING, timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "begin_time", "attempts"])
    attempt = job.attempts
    try:
        return _finish(job.pk, attempt)
    except Exception:
        # Not a refusal but a fault (the transaction rolled back): the job says so at once
        # rather than waiting in RUNNING for a worker restart.
        logger.exception("Batch member job %s failed", job_id)
        with transaction.atomic():
            ended = _end(job.pk, attempt, status=Job.Status.FAIL, reason=INTERNAL)
        if not ended:
            raise
        return Job.Status.FAIL


def _end(pk: int, attempt: int, *, status: str, reason: str = "") -> int:
    """Set a final status on the run `attempt` of a job, unless another run took it over."""
    job = Job.objects.get(pk=pk)
    return Job.objects.filter(pk=pk, status=Job.Status.RUNNING, attempts=attempt).update(
        status=status,
        error_code=DEFAULT_CODE[job.job_type] if status == Job.Status.FAIL else "",
        fail_reason=reason,
        entities={"results": []},
        end_time=timezone.now(),
    )


def _finish(pk: int, attempt: int) -> str:
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(of=("self",))
            .select_related("project__region", "project__tenant", "user")
            .get(pk=pk)
        )
        if job.status != Job.Status.RUNNING or job.attempts != attempt:
            # `jobs_recover` queued this job again while this run waited for its row.
            return job.status
        try:
            # A refusal rolls back the service's own changes and leaves its failed trace,
            # which commits with the job's FAIL.
            results = RUNNERS[job.job_type](job)
            if settings.IMS_MEMBER_JOB_SECONDS > 0:
                time.sleep(settings.IMS_MEMBER_JOB_SECONDS)
        except ConsoleError as error:
            code, reason = _reason(error)
            job.status = Job.Status.FAIL
            job.error_code = code or DEFAULT_CODE[job.job_type]
            job.fail_reason = reason
            job.entities = {"results": []}
        else:
            job.status = Job.Status.SUCCESS
            job.entities = {"results": results}
        job.end_time = timezone.now()
        job.save(update_fields=["status", "error_code", "fail_reason", "entities", "end_time"])
    return job.status


def _uuids(values: Any) -> list[str]:
    """The values that are UUIDs, as Python writes them (task IDs of the database queue)."""
    found = []
    for value in values:
        try:
            found.append(str(uuid.UUID(str(value))))
        except ValueError:
            continue
    return found


def _recovered(job: Job, *, task_failed: bool) -> None:
    """Set what a job left by a dead worker becomes: FAIL, or INIT to be queued again."""
    if task_failed:
        job.status, job.error_code, job.fail_reason = Job.Status.FAIL, TASK_FAILED_CODE, TASK_FAILED
        job.entities, job.end_time = {"results": []}, timezone.now()
    elif job.attempts >= MAX_ATTEMPTS:
        job.status, job.error_code = Job.Status.FAIL, DEFAULT_CODE[job.job_type]
        job.fail_reason = INTERRUPTED.format(count=job.attempts)
        job.entities, job.end_time = {"results": []}, timezone.now()
    else:
        job.status, job.begin_time = Job.Status.INIT, None
    logger.warning("Batch member job %s recovered: %s", job.job_id, job.status)


def jobs_recover() -> list[Job]:
    """Queue again the jobs whose worker died; a worker runs this when it starts.

    A job RUNNING in the database is one whose change has not committed (see `job_run`), so
    running it again does what it would have done; after `MAX_ATTEMPTS` runs it ends FAIL.
    A job still INIT whose task a worker had claimed is queued again too, and one whose
    task failed before the job started ends FAIL, as its document already says. The rows of
    jobs a live worker is running are locked: this waits for them and then finds them
    ended. Returns the jobs it queued again or ended.
    """
    from django_tasks_db.models import DBTaskResult

    waiting = _uuids(Job.objects.filter(status=Job.Status.INIT).values_list("task_id", flat=True))
    states = {
        str(uuid.UUID(str(pk))): status
        for pk, status in DBTaskResult.objects.filter(pk__in=waiting).values_list("pk", "status")
    }
    claimed = [t for t, status in states.items() if status == TaskResultStatus.RUNNING]
    failed = [t for t, status in states.items() if status == TaskResultStatus.FAILED]
    with transaction.atomic():
        jobs = list(
            Job.objects.select_for_update()
            .filter(
                Q(status=Job.Status.RUNNING)
                | Q(status=Job.Status.INIT, task_id__in=claimed + failed)
            )
            .order_by("pk")
        )
        if not jobs:
            return []
        # The dead runs' task results say how they ended, instead of RUNNING for ever.
        DBTaskResult.objects.filter(
            pk__in=_uuids(j.task_id for j in jobs), status=TaskResultStatus.RUNNING
        ).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback="The worker running this task stopped.",
        )
        for job in jobs:
            _recovered(job, task_failed=job.status == Job.Status.INIT and job.task_id in failed)
        Job.objects.bulk_update(
            jobs, ["status", "error_code", "fail_reason", "entities", "begin_time", "end_time"]
        )
        # Queued in the same transaction (the database queue is a table): a worker that
        # dies here leaves them as they were, for the next one.
        for job in jobs:
            if job.status == Job.Status.INIT:
                result = run_member_job.enqueue(job.job_id)
                Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    return jobs


@task()
def run_member_job(job_id: str) -> str:
    """The queued task of a batch member job."""
    return job_run(job_id)
