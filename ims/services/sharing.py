"""Sharer side: sharing, stopping sharing and deleting images (D1–D3, D11)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from console.audit.models import Message
from console.audit.notifications import notification, stored_text
from console.audit.services import audited, messages_send, note
from console.errors import ConsoleError, ImsError, ShareProblem, ShareRefused
from console.ids import HEX32_RE
from console.kms.models import KeyGrant
from console.models import Project, User
from console.services import ensure_can_change
from ims.models import Image, ImageMember
from ims.services.quotas import lock_quota, shared_image_ids

MAX_PROJECT_IDS_PER_SHARE = 100


def normalize_project_ids(project_ids: Iterable[str]) -> list[str]:
    """Project IDs as entered: trimmed, lowercase, without blanks or repeats, in order."""
    cleaned = (str(pid).strip().lower() for pid in project_ids)
    return list(dict.fromkeys(pid for pid in cleaned if pid))


def _shown_id(project_id: str) -> str:
    return project_id if len(project_id) <= 40 else f"{project_id[:40]}…"


@dataclass(frozen=True)
class ShareResult:
    """What a share submission did.

    `added` holds the new pending members, including `reshared` ones that had been rejected
    (D3); `already_shared` the pending or accepted ones left unchanged; `notified` the
    recipient projects that got a message.
    """

    added: list[ImageMember] = field(default_factory=list)
    reshared: list[ImageMember] = field(default_factory=list)
    already_shared: list[ImageMember] = field(default_factory=list)
    notified: list[Project] = field(default_factory=list)


def image_share_refusal(image: Image, project: Project | None = None) -> ImsError | None:
    """Why `image` cannot be shared by `project` at all (D2), or None.

    Key grants depend on the recipient and are checked by `image_share`.
    """
    if image.is_public:
        return ImsError("IMG.0089")
    if project is not None and image.owner_id != project.pk:
        return ImsError("IMG.0047")
    if image.image_type == Image.ImageType.ISO:
        return ImsError("IMG.0046", _("ISO images cannot be shared."))
    if image.status != Image.Status.ACTIVE:
        return ImsError(
            "IMG.0046",
            format_lazy(
                _("Its status is {status}; only images in Normal status can be shared."),
                status=image.get_status_display(),
            ),
        )
    if image.kms_key_id:
        key = image.kms_key
        if key.is_default:
            return ImsError(
                "IMG.0098",
                _(
                    "It is encrypted with the default key, which cannot be granted to other "
                    "tenants. Replicate it to an unencrypted image or one encrypted with a custom "
                    "key, then share that."
                ),
            )
        if not key.usable:
            return ImsError(
                "IMG.0046",
                format_lazy(
                    _("Its KMS key {key} is {state}."),
                    key=key.alias,
                    state=key.get_state_display().lower(),
                ),
            )
    if (
        image.image_type == Image.ImageType.FULL_ECS
        and image.full_ecs_source != Image.FullEcsSource.CBR
    ):
        return ImsError(
            "IMG.0135",
            format_lazy(
                _(
                    "It was created from a {source}; only full-ECS images created from CBR "
                    "backups can be shared."
                ),
                source=image.get_full_ecs_source_display(),
            ),
        )
    return None


def _grants_for_sharing(images: list[Image], tenant_ids: set[int]) -> set[tuple[int, int]]:
    """(key, tenant) pairs whose grant allows what a shared encrypted image needs."""
    key_ids = {image.kms_key_id for image in images if image.kms_key_id}
    if not key_ids or not tenant_ids:
        return set()
    grants = KeyGrant.objects.filter(key_id__in=key_ids, grantee_id__in=tenant_ids)
    return {
        (grant.key_id, grant.grantee_id)
        for grant in grants
        if KeyGrant.REQUIRED_FOR_SHARING <= set(grant.operations or [])
    }


SHARED_KIND = "ims.images-shared"


@notification(SHARED_KIND)
def _shared_text(params: dict[str, Any]) -> tuple[str, str]:
    count = params["count"]
    title = ngettext(
        "%(tenant)s shared %(count)d image with you",
        "%(tenant)s shared %(count)d images with you",
        count,
    ) % {"tenant": params["tenant"], "count": count}
    body = ngettext(
        "Image: %(names)s. To use it, accept it on the Images Shared with Me tab of the "
        "Image Management Service in %(region)s.",
        "Images: %(names)s. To use them, accept them on the Images Shared with Me tab of the "
        "Image Management Service in %(region)s.",
        count,
    ) % {"names": params["names"], "region": gettext(params["region"])}
    return title, body


def _share_message(sharer: Project, target: Project, shared: list[Image]) -> Message:
    """The notification a recipient project gets for the images just shared with it."""
    params = {
        "tenant": sharer.tenant.name,
        "count": len(shared),
        "names": ", ".join(sorted(image.name for image in shared)),
        "region": sharer.region.name,
    }
    title, body = stored_text(SHARED_KIND, params)
    return Message(project=target, title=title, body=body, kind=SHARED_KIND, params=params)


def _share_resource(kw: dict[str, Any]) -> tuple[object, str]:
    images = list(kw.get("images") or [])
    if len(images) == 1:
        return images[0].pk, images[0].name
    return "", ", ".join(image.name for image in images)


@audited(service="IMS", operation="addMember", resource_type="image", resource=_share_resource)
def image_share(
    *, actor: User, project: Project, images: Iterable[Image], project_ids: Sequence[str]
) -> ShareResult:
    """Share `project`'s images with other projects of the same region (D1–D3).

    The submission is validated as a whole: if any project ID or image is refused, nothing
    is shared and `ShareRefused` names every problem. Each recipient project gets one message.
    """
    ensure_can_change(actor)
    ids = _checked_project_ids(project_ids)
    image_pks = list(dict.fromkeys(image.pk for image in images))
    if not image_pks:
        raise ImsError("IMG.0086")
    quota = lock_quota(project)
    locked = _lock_images(image_pks)
    image_problems, shareable = _image_problems(locked, project)
    id_problems, recipients = _recipient_problems(ids, project)
    members = list(ImageMember.objects.select_for_update().filter(image__in=locked).order_by("pk"))
    current: dict[object, dict[int, ImageMember]] = {image.pk: {} for image in locked}
    for member in members:
        current[member.image_id][member.project_id] = member
    new_members = {
        image.pk: [r for r in recipients if r.pk not in current[image.pk]] for image in shareable
    }
    counted = shared_image_ids(project)
    quota_problems = [
        ShareProblem(error, _("Quota"))
        for error in quota.sharing_refusals(
            new_images=sum(1 for i in shareable if i.pk not in counted and new_members[i.pk]),
            new_members=sum(len(new) for new in new_members.values()),
        )
    ]
    problems = (
        image_problems
        + id_problems
        + _grant_problems(shareable, recipients)
        + _limit_problems(shareable, current, new_members)
        + quota_problems
    )
    if problems:
        raise ShareRefused(problems)
    return _members_write(project, locked, recipients, current)


def _checked_project_ids(project_ids: Sequence[str]) -> list[str]:
    """The submitted project IDs, normalized; refused when none or too many."""
    ids = normalize_project_ids(project_ids)
    if not ids:
        raise ConsoleError(_("Enter one or more project IDs."))
    if len(ids) > MAX_PROJECT_IDS_PER_SHARE:
        raise ConsoleError(
            format_lazy(
                _("Enter at most {max} project IDs at a time; {count} were entered."),
                max=MAX_PROJECT_IDS_PER_SHARE,
                count=len(ids),
            )
        )
    return ids


def _lock_images(image_pks: list[object]) -> list[Image]:
    """Lock the images in key order; one that has gone is IMG.0144.

    The images stay locked until the members are written, so two submissions for the same
    image queue up instead of both passing the recipient limit (D7); a fixed lock order
    keeps them from deadlocking.
    """
    locked = list(
        Image.objects.select_for_update(of=("self",))
        .select_related("kms_key")
        .filter(pk__in=image_pks)
        .order_by("pk")
    )
    if len(locked) != len(image_pks):
        raise ImsError("IMG.0144")
    return locked


def _image_problems(
    locked: list[Image], project: Project
) -> tuple[list[ShareProblem], list[Image]]:
    """The refusal of each image that cannot be shared, and the images that can."""
    problems: list[ShareProblem] = []
    shareable: list[Image] = []
    for image in locked:
        if refusal := image_share_refusal(image, project):
            problems.append(ShareProblem(refusal, format_lazy(_("Image {name}"), name=image.name)))
        else:
            shareable.append(image)
    return problems, shareable


def _recipient_problems(
    ids: list[str], project: Project
) -> tuple[list[ShareProblem], list[Project]]:
    """The refusal of each project ID that names no possible recipient, and the recipients."""
    found = {
        p.project_id: p
        for p in Project.objects.filter(
            project_id__in=[pid for pid in ids if HEX32_RE.match(pid)]
        ).select_related("tenant")
    }
    problems: list[ShareProblem] = []
    recipients: list[Project] = []
    for pid in ids:
        subject = format_lazy(_("Project ID {id}"), id=_shown_id(pid))
        target = found.get(pid)
        if not HEX32_RE.match(pid):
            error = ImsError(
                "IMG.0067", _("A project ID has 32 characters: digits 0-9 and letters a-f.")
            )
        elif target is None or target.region_id != project.region_id:
            # A project of another region is reported exactly like a missing one (D1).
            error = ImsError("IMG.0108")
        elif target.tenant_id == project.tenant_id:
            error = ImsError("IMG.0076")
        else:
            recipients.append(target)
            continue
        problems.append(ShareProblem(error, subject, pid))
    return problems, recipients


def _grant_problems(shareable: list[Image], recipients: list[Project]) -> list[ShareProblem]:
    """An encrypted image needs its key granted to each recipient's account (D10)."""
    encrypted = [image for image in shareable if image.kms_key_id]
    granted = _grants_for_sharing(encrypted, {r.tenant_id for r in recipients})
    problems = []
    for target in recipients:
        for image in encrypted:
            if (image.kms_key_id, target.tenant_id) not in granted:
                error = ImsError(
                    "IMG.0099",
                    format_lazy(
                        _(
                            "Image {image} is encrypted with KMS key {key}, which is not granted "
                            "to this project's account (Decrypt Data Key and Describe Key are "
                            "required)."
                        ),
                        image=image.name,
                        key=image.kms_key.alias,
                    ),
                )
                subject = format_lazy(_("Project ID {id}"), id=target.project_id)
                problems.append(ShareProblem(error, subject, target.project_id))
    return problems


def _limit_problems(
    shareable: list[Image],
    current: dict[object, dict[int, ImageMember]],
    new_members: dict[object, list[Project]],
) -> list[ShareProblem]:
    """Each image whose recipients would exceed its limit (D7)."""
    problems = []
    for image in shareable:
        has, add = len(current[image.pk]), len(new_members[image.pk])
        if has + add <= image.max_members:
            continue
        if image.image_type == Image.ImageType.FULL_ECS:
            text = _(
                "The recipient limit would be exceeded: a full-ECS image can be shared with "
                "at most {max} projects. It has {has} and this submission would add {add}."
            )
        else:
            text = _(
                "The recipient limit would be exceeded: a system or data disk image can be "
                "shared with at most {max} projects. It has {has} and this submission would "
                "add {add}."
            )
        error = ConsoleError(format_lazy(text, max=image.max_members, has=has, add=add))
        problems.append(ShareProblem(error, format_lazy(_("Image {name}"), name=image.name)))
    return problems


def _members_write(
    project: Project,
    locked: list[Image],
    recipients: list[Project],
    current: dict[object, dict[int, ImageMember]],
) -> ShareResult:
    """Add the new shares, share rejected ones again (pending), note them, tell recipients."""
    now = timezone.now()
    created: list[ImageMember] = []
    reshared: list[ImageMember] = []
    already: list[ImageMember] = []
    per_recipient: dict[int, list[Image]] = {}
    for image in locked:
        for target in recipients:
            member = current[image.pk].get(target.pk)
            if member is None:
                member = ImageMember(image=image, project=target)
                created.append(member)
            elif member.status == ImageMember.Status.REJECTED:
                member.status = ImageMember.Status.PENDING
                member.vault = None
                member.updated = now
                reshared.append(member)
            else:
                member.image, member.project = image, target
                already.append(member)
                continue
            per_recipient.setdefault(target.pk, []).append(image)
    ImageMember.objects.bulk_create(created)
    if reshared:
        ImageMember.objects.filter(pk__any=[m.pk for m in reshared]).update(
            status=ImageMember.Status.PENDING, vault=None, updated=now
        )
    _note_shares(created, reshared)
    notified = [target for target in recipients if target.pk in per_recipient]
    messages_send(_share_message(project, target, per_recipient[target.pk]) for target in notified)
    return ShareResult(
        added=created + reshared, reshared=reshared, already_shared=already, notified=notified
    )


def _note_shares(created: list[ImageMember], reshared: list[ImageMember]) -> None:
    reshared_ids = {m.pk for m in reshared}
    for member in created + reshared:
        detail = {"project_id": member.project.project_id, "status": member.status}
        if member.pk in reshared_ids:
            detail["previous_status"] = ImageMember.Status.REJECTED
        note(
            resource_id=str(member.image_id),
            resource_name=member.image.name,
            detail=detail,
        )


def image_resource(kw: dict[str, Any]) -> tuple[object, str]:
    """What a refused service on one image names in its trace: the image."""
    return kw["image"].pk, kw["image"].name


def lock_own_images(project: Project, images: Iterable[Image], *, code: str) -> list[Image]:
    """Lock `images` in key order (the lock order); refuse with `code` unless `project` owns
    them all. Returns them in the order given, without repeats."""
    pks = list(dict.fromkeys(image.pk for image in images))
    locked = {
        image.pk: image
        for image in Image.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    }
    if len(locked) != len(pks):
        raise ImsError("IMG.0144")
    if any(image.owner_id != project.pk for image in locked.values()):
        raise ImsError(code)
    return [locked[pk] for pk in pks]


def lock_own_image(project: Project, image: Image, *, code: str) -> Image:
    """Lock `image`; refuse with `code` unless `project` owns it."""
    locked = Image.objects.select_for_update().filter(pk=image.pk).first()
    if locked is None:
        raise ImsError("IMG.0144")
    if locked.owner_id != project.pk:
        raise ImsError(code)
    return locked
