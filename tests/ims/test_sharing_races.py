"""Concurrent share submissions (D2, D7): the image lock keeps the recipient limit.

These run on every backend; on PostgreSQL they exercise select_for_update on the image
rows, on SQLite the immediate write transactions.
"""

import pytest

from console.ids import new_hex32
from console.models import Message, Project, Tenant
from ims.models import ImageMember
from ims.services import ShareRefused, image_share
from tests.factories import ImageFactory
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


def new_projects(region, count):
    tenants = Tenant.objects.bulk_create(
        Tenant(name=f"Racer {new_hex32()[:8]}", account_id=new_hex32()) for _ in range(count)
    )
    return Project.objects.bulk_create(
        Project(tenant=t, region=region, project_id=new_hex32(), name=region.code) for t in tenants
    )


@pytest.mark.parametrize("attempt", range(3))
def test_two_shares_racing_for_the_last_recipient_slot(world, attempt):
    image = ImageFactory(owner=world.sharer_de, full_ecs=True)
    ImageMember.objects.bulk_create(
        ImageMember(image=image, project=p) for p in new_projects(world.de, 9)
    )
    first, second = new_projects(world.de, 2)

    def share(project):
        return lambda: image_share(
            actor=world.sharer_user,
            project=world.sharer_de,
            images=[image],
            project_ids=[project.project_id],
        )

    results = race(share(first), share(second))
    refused = [r for r in results if isinstance(r, ShareRefused)]
    assert len(refused) == 1, results
    assert "at most 10 projects" in str(refused[0])
    assert ImageMember.objects.filter(image=image).count() == 10
    assert Message.objects.filter(project__in=[first, second]).count() == 1
