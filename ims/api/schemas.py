"""Request and response shapes of the Glance v2 and IMS routes (they document the OpenAPI)."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from console.ids import Hex32Text, UuidText

Uuid = Field(..., max_length=64)


class MemberCreate(Schema):
    """POST /v2/images/{image_id}/members."""

    member: Hex32Text = Field(..., max_length=256, description="The recipient's project ID.")


class MemberUpdate(Schema):
    """PUT /v2/images/{image_id}/members/{member_id}; other keys are ignored, as Glance does."""

    status: str = Field(..., max_length=32, description="accepted or rejected")
    vault_id: UuidText | None = Field(
        None, max_length=64, description="The CBR vault for a full-ECS image."
    )


class Member(Schema):
    """An image member."""

    created_at: str
    image_id: UuidText
    member_id: Hex32Text
    schema_: str = Field(..., alias="schema")
    status: Literal["pending", "accepted", "rejected"]
    updated_at: str


class NativeMember(Member):
    """An image member of the IMS v1 routes."""

    member_type: str


class MemberList(Schema):
    """The members of an image."""

    members: list[Member]
    schema_: str = Field(..., alias="schema")


class NativeMemberList(Schema):
    """The members of an image, IMS v1."""

    members: list[NativeMember]
    schema_: str = Field(..., alias="schema")
    page_info: dict[str, Any]


class ImageList(Schema):
    """A page of images; `next` only when another page follows."""

    images: list[dict[str, Any]]
    first: str | None = None
    next: str | None = None
    schema_: str | None = Field(None, alias="schema")


class BatchMembers(Schema):
    """POST and DELETE /v1/cloudimages/members."""

    images: list[UuidText] = Field(..., min_length=1, max_length=100)
    projects: list[Hex32Text] = Field(..., min_length=1, max_length=100)


class BatchUpdate(Schema):
    """PUT /v1/cloudimages/members."""

    images: list[UuidText] = Field(..., min_length=1, max_length=100)
    project_id: Hex32Text = Field(..., max_length=64)
    status: str = Field(..., max_length=32)
    vault_id: UuidText | None = Field(None, max_length=64)


class JobId(Schema):
    """A submitted job."""

    job_id: Hex32Text


class JobDoc(Schema):
    """A job's progress."""

    job_id: Hex32Text
    job_type: str
    status: Literal["INIT", "RUNNING", "SUCCESS", "FAIL"]
    begin_time: str | None
    end_time: str | None
    error_code: str | None
    fail_reason: str | None
    entities: dict[str, Any]


class Quotas(Schema):
    """The project's image quotas."""

    quotas: dict[str, Any]


class Versions(Schema):
    """The version document."""

    versions: list[dict[str, Any]]
