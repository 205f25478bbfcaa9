"""IMS native routes: cloudimages, the asynchronous batch member jobs, quota."""

from __future__ import annotations

import base64
import binascii
from typing import Literal

from django.http import Http404, HttpRequest
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from console.errors import ImsError, NotFound
from console.ids import HEX32_RE, Hex32Text, UuidText
from ims.api import docs
from ims.api.common import ERRORS, not_a_member, not_visible, parse_uuid, visible_image
from ims.api.glance import ImageFilters, image_page
from ims.api.jobs import TASK_FAILED, TASK_FAILED_CODE, job_submit, run_member_job
from ims.api.schemas import (
    BatchMembers,
    BatchUpdate,
    ImageList,
    JobDoc,
    JobId,
    NativeMember,
    NativeMemberList,
    Quotas,
)
from ims.models import Image, ImageMember, Job
from ims.services import quota_usage

router = Router(tags=["IMS"])


class CloudImageFilters(ImageFilters):
    """The IMS list's filters: Glance's plus the IMS attributes."""

    imagetype: Literal["gold", "private", "shared"] | None = Field(None, alias="__imagetype")
    os_type: Literal["Linux", "Windows", "Other"] | None = Field(None, alias="__os_type")
    limit: str | None = Field(None, description="500 unless given; at most 1000")


@router.get(
    "/v2/cloudimages", response={200: ImageList, **ERRORS}, by_alias=True, exclude_unset=True
)
def cloudimage_list(request: HttpRequest, params: Query[CloudImageFilters]):
    """List images with their IMS attributes; `__imagetype`, `__os_type`, `__platform` and
    the others filter what the image documents show."""
    body = image_page(request, path="/v2/cloudimages", default_limit=500)
    body.pop("schema")
    return body


def _check_ids(images: list[str], projects: list[str] | None = None) -> None:
    bad = [i for i in images if parse_uuid(i) is None]
    if bad:
        ids = ", ".join(b[:64] for b in bad)
        raise ImsError("IMG.0066", format_lazy(_("Not an image ID: {ids}."), ids=ids))
    if projects is not None and any(not str(p).strip() for p in projects):
        raise ImsError("IMG.0067", _("A project ID is empty."))


# An account at its limit of queued jobs is told to come back (429, APIGW.0308).
JOB_ERRORS = {**ERRORS, 429: ERRORS[400]}


def _submitted(request: HttpRequest, job_type: str, payload: dict) -> dict:
    caller = request.auth
    job = job_submit(actor=caller.user, project=caller.project, job_type=job_type, request=payload)
    return {"job_id": job.job_id}


@router.post("/v1/cloudimages/members", response={200: JobId, **JOB_ERRORS})
def batch_add(request: HttpRequest, body: BatchMembers):
    """Share images with projects, as a job (imsAddImageMembersJob)."""
    _check_ids(body.images, body.projects)
    return _submitted(request, Job.JobType.ADD, body.dict())


@router.put("/v1/cloudimages/members", response={200: JobId, **JOB_ERRORS})
def batch_update(request: HttpRequest, body: BatchUpdate):
    """Accept or reject shares of the caller's project, as a job (imsUpdateImageMembersJob)."""
    _check_ids(body.images)
    if body.project_id != request.auth.project.project_id:
        raise ImsError("IMG.0067", _("project_id must be the project you are acting in."))
    if body.status not in (ImageMember.Status.ACCEPTED, ImageMember.Status.REJECTED):
        raise ImsError("IMG.0001", _('status must be "accepted" or "rejected".'))
    if body.vault_id is not None and parse_uuid(body.vault_id) is None:
        raise ImsError("IMG.0184", format_lazy(_("Not a vault ID: {id}."), id=body.vault_id[:64]))
    return _submitted(request, Job.JobType.UPDATE, body.dict())


@router.delete("/v1/cloudimages/members", response={200: JobId, **JOB_ERRORS})
def batch_delete(request: HttpRequest, body: BatchMembers):
    """Stop sharing images with projects, as a job (imsDelImageMembersJob)."""
    _check_ids(body.images, body.projects)
    return _submitted(request, Job.JobType.DELETE, body.dict())


def _ms(value) -> str | None:
    return (
        value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
        if value
        else None
    )


def job_doc(job: Job) -> dict:
    """The job document; a task that died outside the job's own handling reads as FAIL."""
    status = job.status
    error_code, fail_reason = job.error_code or None, job.fail_reason or None
    if status in (Job.Status.INIT, Job.Status.RUNNING) and job.task_id:
        try:
            result = run_member_job.get_backend().get_result(job.task_id)
        except (TaskResultDoesNotExist, NotImplementedError):
            result = None  # a backend that keeps no results (immediate) reports nothing
        if result is not None and result.status.name == "FAILED":
            status, error_code, fail_reason = Job.Status.FAIL, TASK_FAILED_CODE, TASK_FAILED
    return {
        "job_id": job.job_id,
        "job_type": job.job_type,
        "status": status,
        "begin_time": _ms(job.begin_time),
        "end_time": _ms(job.end_time),
        "error_code": error_code,
        "fail_reason": fail_reason,
        "entities": job.entities or {},
    }


def _job(request: HttpRequest, job_id: str) -> Job:
    job = Job.objects.filter(job_id=job_id, project=request.auth.project).first()
    if job is None:
        raise Http404(format_lazy(_("Job {id} does not exist."), id=job_id[:64]))
    return job


@router.get("/v1/{project_id}/jobs/{job_id}", response={200: JobDoc, **ERRORS})
def job_show(request: HttpRequest, project_id: Hex32Text, job_id: Hex32Text):
    """A job of the caller's project."""
    if project_id != request.auth.project.project_id:
        raise Http404(format_lazy(_("Job {id} does not exist."), id=job_id[:64]))
    return job_doc(_job(request, job_id))


@router.get("/v1/cloudimages/job/{job_id}", response={200: JobDoc, **ERRORS})
def job_progress(request: HttpRequest, job_id: Hex32Text):
    """A job of the caller's project (the successor of the route above)."""
    return job_doc(_job(request, job_id))


def _native(member: ImageMember) -> dict:
    return {**docs.member_doc(member), "member_type": "project"}


def _own_path(request: HttpRequest, project_id: str, image_id: str) -> Image:
    if project_id != request.auth.project.project_id:
        raise NotFound("IMG.0027", not_visible(image_id))
    return visible_image(request.auth, image_id)


class MemberPaging(Schema):
    """Paging of the v1 member list; the marker is Base64, as IMS documents."""

    limit: int = Field(500, ge=1, le=1000)
    marker: str | None = Field(None, max_length=128)


@router.get(
    "/v1/{project_id}/cloudimages/{image_id}/members",
    response={200: NativeMemberList, **ERRORS},
    by_alias=True,
)
def native_member_list(
    request: HttpRequest, project_id: Hex32Text, image_id: UuidText, paging: Query[MemberPaging]
):
    """The members of an image: every one for the owner, its own row for a member."""
    image = _own_path(request, project_id, image_id)
    members = ImageMember.objects.select_related("project").filter(image=image)
    if image.owner_id != request.auth.project.pk:
        members = members.filter(project=request.auth.project)
    members = members.order_by("pk")
    if paging.marker:
        try:
            after = int(base64.b64decode(paging.marker, validate=True).decode())
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise ImsError("IMG.0001", _("The marker is invalid.")) from None
        members = members.filter(pk__gt=after)
    rows = list(members[: paging.limit + 1])
    page = rows[: paging.limit]
    info = {"current_count": len(page)}
    if len(rows) > paging.limit:
        info["next_marker"] = base64.b64encode(str(page[-1].pk).encode()).decode()
    return {
        "members": [_native(m) for m in page],
        "schema": "/v2/schemas/members",
        "page_info": info,
    }


@router.get(
    "/v1/{project_id}/cloudimages/{image_id}/members/{member_id}",
    response={200: NativeMember, **ERRORS},
    by_alias=True,
)
def native_member_detail(
    request: HttpRequest, project_id: Hex32Text, image_id: UuidText, member_id: Hex32Text
):
    """One member, for the owner or the member itself."""
    image = _own_path(request, project_id, image_id)
    caller = request.auth
    member = None
    if HEX32_RE.match(member_id) and (
        image.owner_id == caller.project.pk or member_id == caller.project.project_id
    ):
        member = (
            ImageMember.objects.select_related("project")
            .filter(image=image, project__project_id=member_id)
            .first()
        )
    if member is None:
        raise NotFound("IMG.0108", not_a_member(member_id))
    return _native(member)


@router.get("/v1/cloudimages/quota", response={200: Quotas, **ERRORS})
def quota(request: HttpRequest):
    """The project's image, shared image and member counts against their quotas."""
    resources = [
        {"type": u.type, "used": u.used, "quota": u.quota, "min": u.min, "max": u.max}
        for u in quota_usage(request.auth.project)
    ]
    return {"quotas": {"resources": resources}}
