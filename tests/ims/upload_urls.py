"""A bare view that receives an image file the way the console's pages do (tests only)."""

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.urls import path

from console.errors import InputRefused
from ims.store import files
from ims.store.responses import file_response
from ims.store.uploads import receives_image_file


def qcow2_only(file_name: str):
    if not file_name.endswith(".qcow2"):
        return InputRefused(f"{file_name} is not a qcow2 file.")
    return None


@receives_image_file("image_file", refusal=qcow2_only)
def upload(request):
    error = request.image_upload.errors.get("image_file")
    if error is not None:
        return HttpResponse(str(error), status=400)
    upload = request.FILES.get("image_file")
    if upload is None or request.POST.get("refuse"):
        return HttpResponse("refused", status=400)
    with transaction.atomic():
        stored = upload.keep()
        if request.POST.get("rollback"):
            transaction.set_rollback(True)
    return JsonResponse(
        {"name": stored.name, "size": stored.size, "md5": stored.md5, "file_name": upload.name}
    )


urlpatterns = [path("upload/", upload)]


def download(request, name):
    return file_response(
        request,
        name=f"images/{name}",
        size=files.size(f"images/{name}"),
        md5="abc",
        filename="disk 1.qcow2",
    )


urlpatterns.append(path("download/<str:name>", download))
