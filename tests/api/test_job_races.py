"""An API batch stop-sharing job racing the console's Accept and Reject of the same shares.

Every service that touches shares locks rows in one order (ims/services/__init__.py), so
neither side deadlocks: the console never answers 500, the job never fails for it, and the
end state is one of the two orders. Real row locks on PostgreSQL (CI's second run); on
SQLite the write lock serializes them.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from console.audit.models import Trace
from ims.api.jobs import job_run
from ims.models import ImageMember, Job, MemberBackup
from tests.api.conftest import Api
from tests.conftest import htmx
from tests.factories import (
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    ProjectFactory,
    VaultFactory,
)
from tests.races import race
from vaults.models import Backup

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 6


def shares_of_two_images(world):
    """A full-ECS image and a plain one shared with the recipient, pending.

    The second image's share has the lower key, so a service that locked the shares image
    by image (in the order asked) and one that locks them by key take them crosswise.
    """
    full_ecs = ImageFactory(owner=world.sharer_de, full_ecs=True, name="full")
    ImageBackupFactory(image=full_ecs, size_gb=10)
    plain = ImageFactory(owner=world.sharer_de, name="plain")
    second = ImageMemberFactory(image=plain, project=world.recipient_de)
    first = ImageMemberFactory(image=full_ecs, project=world.recipient_de)
    return [full_ecs, plain], [first, second]


@pytest.mark.parametrize("answer", ["accept", "reject"])
def test_a_batch_stop_sharing_job_and_console_answers_never_deadlock(world, settings, answer):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sharer = Api(world.sharer_user, world.sharer_de)
    vault = VaultFactory(project=world.recipient_de, capacity_gb=1000)
    console = Client()
    console.force_login(world.recipient_user)
    session = console.cookies
    outcomes = []
    for _round in range(ROUNDS):
        images, members = shares_of_two_images(world)
        body = {"images": [str(i.pk) for i in images], "projects": [world.recipient_de.project_id]}
        response = sharer.call("delete", "/v1/cloudimages/members", body)
        job_id = response.json()["job_id"]
        data = {"members": [m.pk for m in members], "vault": str(vault.vault_id)}

        def console_answer(data=data):
            client = Client()
            client.cookies = session
            url = reverse(f"ims:share_{answer}")
            return client.post(url, data, headers=htmx("dialogs")).status_code

        results = race(lambda job_id=job_id: job_run(job_id), console_answer)
        job = Job.objects.get(job_id=job_id)
        # Whichever came first, the stop-sharing job ends it: no share, nothing left behind.
        left = ImageMember.objects.count() + MemberBackup.objects.count() + Backup.objects.count()
        outcomes.append(
            (
                job.status,
                *(r if isinstance(r, int | str) else type(r).__name__ for r in results),
                left,
            )
        )
        ImageMember.objects.all().delete()
    # The console found the shares (200) or found them gone (404); never a 500.
    assert all(o in {("SUCCESS", "SUCCESS", c, 0) for c in (200, 404)} for o in outcomes), outcomes
    deleted = Trace.objects.filter(operation="deleteMember", result="success").count()
    assert deleted == 2 * ROUNDS


def test_a_batch_share_job_and_console_stop_sharing_never_deadlock(world, settings):
    """The share locks the sharer's quota row first; the stop-sharing's audit trace refers
    to that row, which must not make it wait for the share while holding the image."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sharer = Api(world.sharer_user, world.sharer_de)
    other = ProjectFactory(region=world.de)
    console = Client()
    console.force_login(world.sharer_user)
    session = console.cookies
    outcomes = []
    for n in range(ROUNDS):
        images = [ImageFactory(owner=world.sharer_de, name=f"r{n}-{i}") for i in range(2)]
        for image in images:
            ImageMemberFactory(image=image, project=world.recipient_de)
        body = {"images": [str(i.pk) for i in images], "projects": [other.project_id]}
        job_id = sharer.call("post", "/v1/cloudimages/members", body).json()["job_id"]
        data = {"image": images[0].pk, "tab": "stop", "recipients": world.recipient_de.project_id}

        def stop_sharing(data=data):
            client = Client()
            client.cookies = session
            return client.post(
                reverse("ims:image_share"), data, headers=htmx("share-panel")
            ).status_code

        results = race(lambda job_id=job_id: job_run(job_id), stop_sharing)
        outcomes.append(
            (
                Job.objects.get(job_id=job_id).status,
                *(r if isinstance(r, int | str) else type(r).__name__ for r in results),
                sorted(
                    ImageMember.objects.filter(image__in=images).values_list(
                        "image__name", "project__project_id"
                    )
                ),
            )
        )
    expected = [
        (
            "SUCCESS",
            "SUCCESS",
            200,
            sorted(
                [
                    (f"r{n}-0", other.project_id),
                    (f"r{n}-1", other.project_id),
                    (f"r{n}-1", world.recipient_de.project_id),
                ]
            ),
        )
        for n in range(ROUNDS)
    ]
    assert outcomes == expected
