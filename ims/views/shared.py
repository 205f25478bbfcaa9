"""Images Shared with Me: the recipient's tab."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from console.decorators import project_required
from console.htmx import render_page
from ims.models import ImageMember

PAGE_SIZE = 10


def tab_context(request: HttpRequest, tab: str) -> dict[str, object]:
    """Context every image tab needs: the active tab and the pending count for the red dot."""
    return {
        "section": "ims",
        "tab": tab,
        "pending_count": ImageMember.objects.for_project(request.project).pending().count(),
    }


@project_required
@require_safe
def shared_images(request: HttpRequest) -> HttpResponse:
    """Images Shared with Me: accepted shares of the current project."""
    members = ImageMember.objects.for_project(request.project).accepted().with_image()
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    context = tab_context(request, "shared") | {"page": page}
    return render_page(request, "ims/shared_images.html", context)
