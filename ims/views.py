"""IMS pages: the three image tabs."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from console.decorators import project_required
from console.htmx import render_page
from ims.models import Image, ImageMember

PAGE_SIZE = 10


def _tab_context(request: HttpRequest, tab: str) -> dict[str, object]:
    return {
        "section": "ims",
        "tab": tab,
        "pending_count": ImageMember.objects.for_project(request.project).pending().count(),
    }


@project_required
@require_safe
def public_images(request: HttpRequest) -> HttpResponse:
    """Public Images: the platform's images of the current region."""
    images = Image.objects.public(request.region).order_by("name")
    page = Paginator(images, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _tab_context(request, "public") | {"page": page}
    return render_page(request, "ims/public_images.html", context)


@project_required
@require_safe
def private_images(request: HttpRequest) -> HttpResponse:
    """Private Images: the project's own images."""
    images = Image.objects.owned_by(request.project).select_related("kms_key")
    page = Paginator(images, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _tab_context(request, "private") | {"page": page}
    return render_page(request, "ims/private_images.html", context)


@project_required
@require_safe
def shared_images(request: HttpRequest) -> HttpResponse:
    """Images Shared with Me: accepted shares of the current project."""
    members = ImageMember.objects.for_project(request.project).accepted().with_image()
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _tab_context(request, "shared") | {"page": page}
    return render_page(request, "ims/shared_images.html", context)
