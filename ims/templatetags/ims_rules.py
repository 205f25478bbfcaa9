"""What a list row may offer, asked of the services' refusal functions (never re-derived)."""

from __future__ import annotations

from django import template

from console.errors import ConsoleError
from console.models import Project
from ims.models import Image, ImageMember
from ims.services import image_use_refusal

register = template.Library()


@register.simple_tag
def use_refusal(
    image: Image, use: str, project: Project, member: ImageMember | None = None
) -> ConsoleError | None:
    """Why `project` may not start `use` from `image`; a recipient's row passes its share,
    annotated by `with_key_access()`, so the answer costs no query."""
    return image_use_refusal(
        project=project,
        image=image,
        use=use,
        member_status=member.status if member is not None else None,
        key_granted=getattr(member, "key_granted", None) if member is not None else None,
    )
