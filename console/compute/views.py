"""ECS servers and EVS disks: what a project starts from an image (D9)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from console.compute import services
from console.compute.forms import (
    IMAGE_TABS,
    DiskCreateForm,
    ImagePickerQueryForm,
    ServerChangeOsForm,
    ServerCreateForm,
    ServerStopForm,
)
from console.compute.models import Disk, Server
from console.compute.services import DATA_DISK_MIN_GB, FLAVORS
from console.decorators import project_required
from console.errors import ConsoleError
from console.htmx import (
    HtmxHttpRequest,
    dialog_done,
    error_summary,
    finish,
    paginate,
    refuse,
    render_dialog,
    render_page,
)
from console.models import Project
from ims.models import Image, ImageBackup, ImageMember
from ims.services import USE_IMAGE_TYPES, image_use_refusal, system_disk_min_gb

FLAVOR_FAMILIES = {
    "s3": gettext_lazy("General computing"),
    "c6": gettext_lazy("General computing-plus"),
    "m6": gettext_lazy("Memory-optimized"),
}
DEFAULT_SYSTEM_DISK_GB = 40
DEFAULT_DATA_DISK_GB = 100


def _member_status(project: Project, image: Image) -> str | None:
    if image.owner_id in (None, project.pk):
        return None
    return (
        ImageMember.objects.filter(image=image, project=project)
        .values_list("status", flat=True)
        .first()
    )


def _image_tab(project: Project, image: Image) -> str:
    if image.owner_id is None:
        return "public"
    return "private" if image.owner_id == project.pk else "shared"


def _tab_images(project: Project, tab: str, use: str) -> QuerySet[Image]:
    types = USE_IMAGE_TYPES[use]
    if tab == "public":
        images = Image.objects.public(project.region).select_related("owner", "kms_key")
    elif tab == "private":
        images = Image.objects.owned_by(project).select_related("owner", "kms_key")
    else:
        images = (
            Image.objects.shared_with(project)
            .select_related("owner__tenant", "kms_key")
            .with_key_access(project.tenant_id)
        )
    return images.filter(image_type__in=types).order_by("name", "pk")


def picker_rows(project: Project, tab: str, use: str) -> list[dict[str, Any]]:
    """The images of one tab with why each cannot be used now, in a constant number of queries."""
    member_status = ImageMember.Status.ACCEPTED if tab == "shared" else None
    return [
        {
            "image": image,
            "refusal": image_use_refusal(
                project=project,
                image=image,
                use=use,
                member_status=member_status,
                key_granted=getattr(image, "key_granted", None),
            ),
        }
        for image in _tab_images(project, tab, use)
    ]


def _query(request: HtmxHttpRequest) -> dict[str, Any]:
    """The page's tab and image query (`?tab=`, `?image=`); a foreign image ID is a 404."""
    data = request.POST if request.method == "POST" else request.GET
    query = ImagePickerQueryForm(data, project=request.project)
    return query.cleaned_data if query.is_valid() else {}


def _preselection(request: HtmxHttpRequest, use: str) -> dict[str, Any]:
    """The tab and image a follow-up page opens with, and why that image is refused."""
    project = request.project
    query = _query(request)
    image = query.get("image")
    refusal = None
    if image is not None:
        refusal = image_use_refusal(
            project=project, image=image, use=use, member_status=_member_status(project, image)
        )
    return {
        "tab": query.get("tab") or (_image_tab(project, image) if image else "public"),
        "image": image if refusal is None else None,
        "refused_image": image if refusal is not None else None,
        "preselect_refusal": refusal,
        "query": query,
    }


def _posted_tab(request: HtmxHttpRequest, form: Form) -> str:
    """The tab to show again with a posted form: the one it was on, else the image's."""
    image = form.cleaned_data.get("image")
    if tab := _query(request).get("tab"):
        return tab
    return _image_tab(request.project, image) if image else "public"


def _picker_context(request: HtmxHttpRequest, use: str, selected: str, tab: str) -> dict:
    return {
        "tabs": IMAGE_TABS,
        "tab": tab,
        "rows": picker_rows(request.project, tab, use),
        "selected_image": selected,
        "picker_url": request.path,
        "use": use,
    }


# --- ECS ---------------------------------------------------------------------------------


def _server_list_context(request: HtmxHttpRequest) -> dict[str, Any]:
    servers = Server.objects.for_project(request.project).order_by("-created", "name")
    page = paginate(servers, request.GET.get("page"))
    for server in page:
        server.spec = FLAVORS.get(server.flavor)
    return {"section": "ecs", "page": page}


def _flavor_rows() -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "vcpus": vcpus,
            "memory": memory,
            "family": FLAVOR_FAMILIES.get(name.split(".")[0], FLAVOR_FAMILIES["s3"]),
        }
        for name, (vcpus, memory) in FLAVORS.items()
    ]


@project_required
@require_safe
def server_list(request: HtmxHttpRequest) -> HttpResponse:
    """Elastic Cloud Servers of the current project."""
    return render_page(
        request,
        "compute/server_list.html",
        _server_list_context(request),
        partials=["server-table"],
    )


def _server_power(
    request: HtmxHttpRequest, server_id: object, action: Any, done: str
) -> HttpResponse:
    server = get_object_or_404(Server.objects.for_project(request.project), server_id=server_id)
    try:
        action(actor=request.user, project=request.project, server=server)
    except ConsoleError as error:
        refuse(request, error)
    else:
        messages.success(request, done % {"server": server.name})
    if not request.htmx:
        return redirect("compute:server_list")
    response = TemplateResponse(
        request, "compute/server_list.html#server-table", _server_list_context(request)
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@project_required
@require_http_methods(["GET", "HEAD", "POST"])
def server_stop(request: HtmxHttpRequest, server_id: object) -> HttpResponse:
    """Stop ECS: a confirmation with a Forcibly stop option (a dialog, or a page), then stop."""
    server = get_object_or_404(Server.objects.for_project(request.project), server_id=server_id)
    form = ServerStopForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.server_stop(
                actor=request.user,
                project=request.project,
                server=server,
                force=form.cleaned_data["force"],
            )
        except ConsoleError as error:
            refuse(request, error, form)
        else:
            messages.success(request, _("%(server)s is stopped.") % {"server": server.name})
            return dialog_done(
                request,
                fallback_url=reverse("compute:server_list"),
                refresh="compute/server_list.html#server-table",
                context=_server_list_context(request),
            )
    context = {"section": "ecs", "server": server, "form": form}
    return render_dialog(
        request,
        "compute/server_stop.html",
        context,
        dialog="server-stop-dialog",
        partials=["server-stop-form"],
    )


@project_required
@require_POST
def server_start(request: HtmxHttpRequest, server_id: object) -> HttpResponse:
    """Start a stopped server."""
    return _server_power(request, server_id, services.server_start, _("%(server)s is running."))


def _system_disk_context(image: Image | None, size: int | None) -> dict[str, Any]:
    minimum = system_disk_min_gb(image) if image is not None else 1
    data_backups = []
    if image is not None and image.image_type == Image.ImageType.FULL_ECS:
        data_backups = list(image.backups.filter(role=ImageBackup.Role.DATA).order_by("device"))
    return {
        "disk_image": image,
        "system_disk_min": minimum,
        "system_disk_value": max(size or DEFAULT_SYSTEM_DISK_GB, minimum),
        "data_backups": data_backups,
    }


def _say_servers_created(request: HtmxHttpRequest, servers: list) -> None:
    names = ", ".join(s.name for s in servers[:3]) + (", ..." if len(servers) > 3 else "")
    count = len(servers)
    messages.success(
        request,
        ngettext(
            "%(count)d server created: %(names)s.", "%(count)d servers created: %(names)s.", count
        )
        % {"count": count, "names": names},
    )


@project_required
@require_http_methods(["GET", "POST"])
def server_create(request: HtmxHttpRequest) -> HttpResponse:
    """Buy ECS: create servers from a public, private or accepted shared image."""
    project = request.project
    pre = {"preselect_refusal": None, "refused_image": None}
    if request.method == "POST":
        form = ServerCreateForm(request.POST, project=project)
        if form.is_valid():
            try:
                servers = services.servers_create(
                    actor=request.user, project=project, **form.cleaned_data
                )
            except ConsoleError as error:
                refuse(request, error, form)
            else:
                _say_servers_created(request, servers)
                return finish(request, reverse("compute:server_list"))
        image = form.cleaned_data.get("image")
        size = form.cleaned_data.get("system_disk_gb")
        selected, tab = form["image"].value() or "", _posted_tab(request, form)
    else:
        pre = _preselection(request, "server")
        image, size = pre["image"], pre["query"].get("system_disk_gb")
        disk_gb = _system_disk_context(image, size)["system_disk_value"]
        form = ServerCreateForm.first_open(project, image, disk_gb)
        selected, tab = str(image.pk) if image else "", pre["tab"]
    context = {
        "section": "ecs",
        "form": form,
        "error_summary": error_summary(form),
        "zones": project.region.availability_zones or [],
        "flavor_rows": _flavor_rows(),
        "preselect_refusal": pre["preselect_refusal"],
        "refused_image": pre["refused_image"],
        **_picker_context(request, "server", str(selected), tab),
        **_system_disk_context(image, size),
    }
    return render_page(
        request,
        "compute/server_form.html",
        context,
        partials=["server-form", "image-picker", "system-disk"],
    )


@project_required
@require_http_methods(["GET", "POST"])
def server_change_os(request: HtmxHttpRequest, server_id: object) -> HttpResponse:
    """Change OS of a stopped server to another system disk image."""
    project = request.project
    server = get_object_or_404(
        Server.objects.for_project(project).select_related("image"), server_id=server_id
    )
    system_disk = server.disks.filter(role=Disk.Role.SYSTEM).first()
    pre = {"preselect_refusal": None, "refused_image": None}
    if request.method == "POST":
        form = ServerChangeOsForm(request.POST, project=project)
        if form.is_valid():
            image = form.cleaned_data["image"]
            try:
                services.server_change_os(
                    actor=request.user, project=project, server=server, image=image
                )
            except ConsoleError as error:
                refuse(request, error, form)
            else:
                messages.success(
                    request,
                    _("The OS of %(server)s was changed to %(image)s.")
                    % {"server": server.name, "image": image.name},
                )
                return finish(request, reverse("compute:server_list"))
        selected, tab = form["image"].value() or "", _posted_tab(request, form)
    else:
        pre = _preselection(request, "change_os")
        form = ServerChangeOsForm(project=project)
        selected = str(pre["image"].pk) if pre["image"] else ""
        tab = pre["tab"]
    context = {
        "section": "ecs",
        "server": server,
        "system_disk": system_disk,
        "form": form,
        "error_summary": error_summary(form),
        "stopped": server.status == Server.Status.STOPPED,
        "preselect_refusal": pre["preselect_refusal"],
        "refused_image": pre["refused_image"],
        **_picker_context(request, "change_os", str(selected), tab),
    }
    return render_page(
        request,
        "compute/server_change_os.html",
        context,
        partials=["change-os-form", "image-picker"],
    )


# --- EVS ---------------------------------------------------------------------------------


@project_required
@require_safe
def disk_list(request: HtmxHttpRequest) -> HttpResponse:
    """Elastic Volume Service disks of the current project."""
    disks = (
        Disk.objects.for_project(request.project)
        .select_related("server", "image")
        .order_by("-created", "name")
    )
    page = paginate(disks, request.GET.get("page"))
    return render_page(
        request, "compute/disk_list.html", {"section": "evs", "page": page}, partials=["disk-table"]
    )


def _data_image_options(project: Project) -> list[dict[str, Any]]:
    """Usable data disk images, own and shared, each with why it cannot be used now."""
    return [
        {"group": label, **row}
        for tab, label in (("private", _("Private images")), ("shared", _("Shared images")))
        for row in picker_rows(project, tab, "disk")
    ]


@project_required
@require_http_methods(["GET", "POST"])
def disk_create(request: HtmxHttpRequest) -> HttpResponse:
    """Create an EVS data disk, empty or from a data disk image (at least its capacity)."""
    project = request.project
    pre = {"preselect_refusal": None, "refused_image": None}
    if request.method == "POST":
        form = DiskCreateForm(request.POST, project=project)
        if form.is_valid():
            try:
                disk = services.disk_create(
                    actor=request.user, project=project, **form.cleaned_data
                )
            except ConsoleError as error:
                refuse(request, error, form)
            else:
                messages.success(
                    request,
                    _("Disk %(disk)s (%(size)s GB) created.")
                    % {"disk": disk.name, "size": disk.size_gb},
                )
                return finish(request, reverse("compute:disk_list"))
    else:
        pre = _preselection(request, "disk")
        image = pre["image"]
        size = pre["query"].get("size_gb") or DEFAULT_DATA_DISK_GB
        form = DiskCreateForm(
            project=project,
            initial={
                "image": image.pk if image else None,
                "availability_zone": (project.region.availability_zones or [""])[0],
                "size_gb": max(size, image.min_disk_gb if image else DATA_DISK_MIN_GB),
                "name": "volume-" + project.project_id[:4],
            },
        )
    context = {
        "section": "evs",
        "form": form,
        "error_summary": error_summary(form),
        "zones": project.region.availability_zones or [],
        "options": _data_image_options(project),
        "selected_image": str(form["image"].value() or ""),
        "preselect_refusal": pre["preselect_refusal"],
        "refused_image": pre["refused_image"],
        "min_gb": DATA_DISK_MIN_GB,
    }
    return render_page(request, "compute/disk_form.html", context, partials=["disk-form"])
