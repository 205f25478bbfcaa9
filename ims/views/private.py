"""Public Images and Private Images: the platform's and the owner's tabs."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from console.decorators import project_required
from console.htmx import render_page
from ims.models import Image
from ims.views.shared import PAGE_SIZE, tab_context


@project_required
@require_safe
def public_images(request: HttpRequest) -> HttpResponse:
    """Public Images: the platform's images of the current region."""
    images = Image.objects.public(request.region).order_by("name")
    page = Paginator(images, PAGE_SIZE).get_page(request.GET.get("page"))
    context = tab_context(request, "public") | {"page": page}
    return render_page(request, "ims/public_images.html", context)


@project_required
@require_safe
def private_images(request: HttpRequest) -> HttpResponse:
    """Private Images: the project's own images."""
    images = Image.objects.owned_by(request.project).select_related("kms_key")
    page = Paginator(images, PAGE_SIZE).get_page(request.GET.get("page"))
    context = tab_context(request, "private") | {"page": page}
    return render_page(request, "ims/private_images.html", context)
