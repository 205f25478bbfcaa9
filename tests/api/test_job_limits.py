"""One account cannot delay another's jobs: a limit on the jobs it has waiting or running."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ims.models import Job
from tests.api.conftest import Api, error_of
from tests.factories import ImageFactory
from tests.races import race

pytestmark = pytest.mark.django_db
MEMBERS = "/v1/cloudimages/members"
LIMIT = 3


@pytest.fixture(autouse=True)
def _queue_without_worker(settings):
    # Jobs wait in the database queue: no worker runs them during these tests.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.IMS_QUEUED_JOBS_PER_TENANT = LIMIT


def share(api, project_id):
    image = ImageFactory(owner=api.project)
    return api.call("post", MEMBERS, {"images": [str(image.pk)], "projects": [project_id]})


def test_an_account_at_its_limit_is_told_to_come_back_and_nothing_is_queued(world):
    sharer = Api(world.sharer_user, world.sharer_de)
    # The limit is the account's, over all its projects.
    in_nl = Api(world.sharer_user, world.sharer_nl)
    target = world.recipient_de.project_id
    for api in (sharer, sharer, in_nl):
        assert share(api, target).status_code == 200
    refused = share(sharer, target)
    assert error_of(refused) == (429, "APIGW.0308")
    message = refused.json()["error"]["message"]
    assert message.startswith("The throttling threshold has been reached.")
    assert "3 batch member jobs of this account are waiting or running; at most 3" in message
    assert refused["Retry-After"] == "2"
    assert error_of(share(in_nl, target)) == (429, "APIGW.0308")
    assert Job.objects.count() == LIMIT


def test_another_account_is_not_held_up(world):
    sharer = Api(world.sharer_user, world.sharer_de)
    for _ in range(LIMIT):
        share(sharer, world.recipient_de.project_id)
    other = Api(world.recipient_user, world.recipient_de)
    assert share(other, world.sharer_de.project_id).status_code == 200


def test_ended_jobs_make_room(world):
    sharer = Api(world.sharer_user, world.sharer_de)
    for _ in range(LIMIT):
        share(sharer, world.recipient_de.project_id)
    assert share(sharer, world.recipient_de.project_id).status_code == 429
    Job.objects.filter(pk=Job.objects.order_by("pk").first().pk).update(status="SUCCESS")
    assert share(sharer, world.recipient_de.project_id).status_code == 200
    Job.objects.update(status="FAIL")
    for _ in range(LIMIT):
        assert share(sharer, world.recipient_de.project_id).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_every_batch_route_counts(world, method):
    api = Api(world.recipient_user, world.recipient_de)
    for _ in range(LIMIT):
        share(api, world.sharer_de.project_id)
    image = ImageFactory(owner=world.sharer_de)
    body = {"images": [str(image.pk)], "projects": [world.sharer_de.project_id]}
    if method == "put":
        body = {
            "images": body["images"],
            "project_id": api.project.project_id,
            "status": "accepted",
        }
    assert error_of(api.call(method, MEMBERS, body)) == (429, "APIGW.0308")


def test_the_count_costs_the_same_whatever_the_jobs_behind_it(world):
    sharer = Api(world.sharer_user, world.sharer_de)
    counts = []
    for ended in (1, 200):
        Job.objects.bulk_create(
            Job(
                job_type="imsAddImageMembersJob",
                project=world.sharer_de,
                user=world.sharer_user,
                status="SUCCESS",
            )
            for _ in range(ended)
        )
        with CaptureQueriesContext(connection) as captured:
            assert share(sharer, world.recipient_de.project_id).status_code == 200
        counts.append(len(captured))
        Job.objects.filter(status="INIT").update(status="SUCCESS")
    assert counts[0] == counts[1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(5))
def test_simultaneous_submissions_cannot_both_take_the_last_place(world, attempt):
    sharer = Api(world.sharer_user, world.sharer_de)
    for _ in range(LIMIT - 1):
        share(sharer, world.recipient_de.project_id)
    images = [ImageFactory(owner=world.sharer_de) for _ in range(2)]
    bodies = [{"images": [str(i.pk)], "projects": [world.recipient_de.project_id]} for i in images]

    def submit(body):
        api = Api(world.sharer_user, world.sharer_de)
        return lambda: api.call("post", MEMBERS, body)

    results = race(*[submit(body) for body in bodies])
    assert sorted(r.status_code for r in results) == [200, 429], results
    assert Job.objects.queued().count() == LIMIT
