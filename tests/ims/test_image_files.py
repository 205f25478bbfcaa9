"""An image's file leaves the store with the image, and only once the deletion commits."""

from __future__ import annotations

import pytest
from django.db import transaction

from ims.models import Image
from ims.services import image_delete
from ims.store import files
from tests.factories import ImageFactory


@pytest.fixture
def image_with_file(world, image_store):
    stored = files.receive([b"disk image bytes"], extension="qcow2").file
    return ImageFactory(
        owner=world.sharer_de,
        disk_format=Image.DiskFormat.QCOW2,
        file_name=stored.name,
        file_size=stored.size,
        checksum=stored.md5,
        os_hash_value=stored.sha512,
    )


def test_deleting_the_image_removes_its_file_after_the_commit(
    world, image_with_file, django_capture_on_commit_callbacks
):
    name = image_with_file.file_name
    with django_capture_on_commit_callbacks(execute=True):
        image_delete(actor=world.sharer_user, project=world.sharer_de, image=image_with_file)
        assert files.exists(name)
    assert not files.exists(name)


def test_a_rolled_back_deletion_keeps_the_file(
    world, image_with_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                Image.objects.filter(pk=image_with_file.pk).delete()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert Image.objects.filter(pk=image_with_file.pk).exists()
    assert files.exists(image_with_file.file_name)


def test_a_cascade_from_the_project_removes_the_file_too(
    world, image_with_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        world.sharer_de.delete()
    assert not files.exists(image_with_file.file_name)


def test_an_image_without_a_file_deletes_nothing_from_the_store(
    world, image_store, django_capture_on_commit_callbacks
):
    other = files.receive([b"someone else's"]).file
    image = ImageFactory(owner=world.sharer_de)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        image.delete()
    assert files.exists(other.name)
    assert callbacks == []
