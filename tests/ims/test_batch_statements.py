"""Batch services send a constant number of SQL statements, whatever the batch size (§10).

Each service runs on a small and a large batch in the same database; the statement counts
must be equal (and small). Only counts are asserted, never times.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.audit.models import Trace
from console.models import Project
from ims.models import Image, ImageBackup, ImageMember, MemberBackup
from ims.services import (
    image_delete,
    image_members_delete,
    image_share,
    images_members_delete,
    shares_accept,
    shares_reject,
)
from tests.factories import (
    ImageFactory,
    ProjectFactory,
    TenantFactory,
    UserFactory,
    VaultFactory,
)
from vaults.models import Backup, Vault

pytestmark = pytest.mark.django_db

SMALL, LARGE = 5, 200
# Every batch service stays below this, whatever the batch (the bound).
MOST = 20


@pytest.fixture(autouse=True)
def _features_probed(db):
    # SQLite probes its JSON support once per connection; that query is not the service's.
    assert connection.features.supports_json_field


def statements(call, *args, **kwargs) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        result = call(*args, **kwargs)
    # BEGIN/COMMIT/SAVEPOINT are statements too: they are counted like the rest.
    return result, len(captured)


def projects(world, count: int) -> list[Project]:
    return Project.objects.bulk_create(
        ProjectFactory.build(tenant=tenant, region=world.de)
        for tenant in TenantFactory.create_batch(count)
    )


def images(world, count: int, **kwargs) -> list[Image]:
    return Image.objects.bulk_create(
        ImageFactory.build(owner=world.sharer_de, region=world.de, **kwargs) for _ in range(count)
    )


def shares(world, project: Project, count: int, status: str = "pending") -> list[ImageMember]:
    """`count` shares of the sharer's images with `project`; one in five full-ECS with backups."""
    full_ecs = images(world, max(1, count // 5), image_type="full_ecs", full_ecs_source="cbr")
    plain = images(world, count - len(full_ecs))
    ImageBackup.objects.bulk_create(
        ImageBackup(image=image, role=role, device=device, size_gb=10)
        for image in full_ecs
        for role, device in (("system", "/dev/vda"), ("data", "/dev/vdb"))
    )
    return ImageMember.objects.bulk_create(
        ImageMember(image=image, project=project, status=status) for image in full_ecs + plain
    )


def recipient(world) -> tuple[Project, Vault]:
    project = ProjectFactory(region=world.de)
    return project, VaultFactory(project=project, capacity_gb=Vault.MAX_CAPACITY_GB)


def actor(world, project: Project):
    return UserFactory(tenant=project.tenant)


class TestAnswers:
    def test_accept_all_is_constant(self, world):
        counts = {}
        for size in (SMALL, LARGE):
            project, vault = recipient(world)
            members = shares(world, project, size)
            user = actor(world, project)
            answer, counts[size] = statements(
                shares_accept, actor=user, project=project, vault=vault
            )
            assert len(answer.changed) == size
            assert ImageMember.objects.filter(project=project, status="accepted").count() == size
            full_ecs = size // 5
            assert MemberBackup.objects.filter(member__project=project).count() == 2 * full_ecs
            assert Trace.objects.filter(project=project, operation="updateMember").count() == size
            image = members[0].image
            trace = Trace.objects.get(project=project, resource_id=str(image.pk))
            assert trace.resource_name == image.name
            assert trace.detail == {
                "status": "accepted",
                "project_id": project.project_id,
                "vault": vault.name,
            }
            assert trace.user == user and trace.result == "success"
        assert counts[SMALL] == counts[LARGE] <= MOST

    def test_accept_all_page_reads_the_waiting_shares_once(self, world, client, monkeypatch):
        """The view leaves Accept All to the service: it reads only the full-ECS shares."""
        read = []
        from_db = ImageMember.from_db.__func__
        monkeypatch.setattr(
            ImageMember,
            "from_db",
            classmethod(lambda cls, *a, **kw: read.append(1) or from_db(cls, *a, **kw)),
        )
        counts = {}
        for size in (SMALL, LARGE):
            project, vault = recipient(world)
            shares(world, project, size)
            client.force_login(actor(world, project))
            client.cookies["region"] = project.region.code
            read.clear()
            response, counts[size] = statements(
                client.post, reverse("ims:share_accept"), {"all": "1", "vault": vault.vault_id}
            )
            assert response.status_code == 302
            assert ImageMember.objects.filter(project=project, status="accepted").count() == size
            # The service locks each share once; the view adds only the full-ECS ones.
            assert len(read) == size + size // 5
        assert counts[SMALL] == counts[LARGE] <= MOST + 10

    def test_accept_selected_is_constant(self, world):
        counts = {}
        for size in (SMALL, LARGE):
            project, vault = recipient(world)
            members = shares(world, project, size)
            user = actor(world, project)
            ids = [m.pk for m in members]
            _, counts[size] = statements(
                shares_accept, actor=user, project=project, member_ids=ids, vault=vault
            )
            plain = members[-1]
            trace = Trace.objects.get(project=project, resource_id=str(plain.image_id))
            assert trace.detail == {"status": "accepted", "project_id": project.project_id}
        assert counts[SMALL] == counts[LARGE] <= MOST

    def test_reject_is_constant_and_releases_every_backup(self, world):
        counts = {}
        for size in (SMALL, LARGE):
            project, vault = recipient(world)
            members = shares(world, project, size)
            user = actor(world, project)
            shares_accept(actor=user, project=project, vault=vault)
            assert Backup.objects.filter(vault=vault).count() == 2 * (size // 5)
            ids = [m.pk for m in members]
            answer, counts[size] = statements(
                shares_reject, actor=user, project=project, member_ids=ids
            )
            assert len(answer.changed) == size
            assert ImageMember.objects.filter(project=project, status="rejected").count() == size
            assert not Backup.objects.filter(vault=vault).exists()
            assert not MemberBackup.objects.filter(member__project=project).exists()
            rejected = Trace.objects.filter(project=project, detail__status="rejected")
            assert rejected.count() == size
        assert counts[SMALL] == counts[LARGE] <= MOST


class TestSharerSide:
    def test_share_is_constant(self, world):
        counts = {}
        # 1 image with 5 projects, then 2 images with 100 projects each (200 shares).
        for image_count, project_count in ((1, SMALL), (2, LARGE // 2)):
            targets = projects(world, project_count)
            batch = images(world, image_count)
            result, counts[image_count * project_count] = statements(
                image_share,
                actor=world.sharer_user,
                project=world.sharer_de,
                images=batch,
                project_ids=[p.project_id for p in targets],
            )
            assert len(result.added) == image_count * project_count
            assert ImageMember.objects.filter(image__in=batch).count() == len(result.added)
            assert Trace.objects.filter(
                operation="addMember", resource_id__in=[str(i.pk) for i in batch]
            ).count() == len(result.added)
        assert counts[SMALL] == counts[LARGE] <= MOST

    def test_stop_sharing_is_constant(self, world):
        counts = {}
        for size in (SMALL, LARGE):
            image = images(world, 1)[0]
            targets = projects(world, size + 1)
            ImageMember.objects.bulk_create(ImageMember(image=image, project=p) for p in targets)
            chosen = [p.project_id for p in targets[:size]]
            deleted, counts[size] = statements(
                image_members_delete,
                actor=world.sharer_user,
                project=world.sharer_de,
                image=image,
                project_ids=chosen,
            )
            assert len(deleted) == size
            assert list(ImageMember.objects.filter(image=image)) == [
                ImageMember.objects.get(image=image, project=targets[-1])
            ]
            traces = Trace.objects.filter(operation="deleteMember", resource_id=str(image.pk))
            assert traces.count() == size
        assert counts[SMALL] == counts[LARGE] <= MOST

    def test_stop_sharing_several_images_is_constant(self, world):
        """The API's batch: all the images, then all their shares, in one query each."""
        counts = {}
        for size in (2, 50):
            batch = images(world, size) + images(
                world, 1, image_type="full_ecs", full_ecs_source="cbr"
            )
            targets = projects(world, 3)
            ImageMember.objects.bulk_create(
                ImageMember(image=i, project=p) for i in batch for p in targets
            )
            deleted, counts[size] = statements(
                images_members_delete,
                actor=world.sharer_user,
                project=world.sharer_de,
                images=batch,
                project_ids=[p.project_id for p in targets[:2]],
            )
            assert len(deleted) == 2 * len(batch)
            assert set(
                ImageMember.objects.filter(image__in=batch).values_list("project", "image")
            ) == {(targets[2].pk, i.pk) for i in batch}
            traces = Trace.objects.filter(operation="deleteMember")
            assert set(
                traces.filter(resource_id__in=[str(i.pk) for i in batch]).values_list(
                    "resource_id", "resource_name"
                )
            ) == {(str(i.pk), i.name) for i in batch}
        assert counts[2] == counts[50] <= MOST

    def test_stop_sharing_full_ecs_releases_backups_in_constant_statements(self, world):
        counts = {}
        for size in (2, 10):  # a full-ECS image has 10 recipients at most
            image = images(world, 1, image_type="full_ecs", full_ecs_source="cbr")[0]
            source = ImageBackup.objects.create(image=image, role="system", size_gb=10)
            targets = projects(world, size)
            for target in targets:
                vault = VaultFactory(project=target)
                member = ImageMember.objects.create(image=image, project=target, status="accepted")
                backup = Backup.objects.create(
                    vault=vault, project=target, name="b", role="system", size_gb=10
                )
                MemberBackup.objects.create(backup=backup, member=member, source=source)
            _, counts[size] = statements(
                image_members_delete,
                actor=world.sharer_user,
                project=world.sharer_de,
                image=image,
                project_ids=[p.project_id for p in targets],
            )
            assert not Backup.objects.filter(project__in=targets).exists()
            assert not MemberBackup.objects.filter(source=source).exists()
        assert counts[2] == counts[10] <= MOST

    def test_delete_image_is_constant(self, world):
        counts = {}
        for size in (SMALL, LARGE):
            image = images(world, 1)[0]
            ImageMember.objects.bulk_create(
                ImageMember(image=image, project=p) for p in projects(world, size)
            )
            members, counts[size] = statements(
                image_delete, actor=world.sharer_user, project=world.sharer_de, image=image
            )
            assert len(members) == size
            assert not Image.objects.filter(pk=image.pk).exists()
            assert not ImageMember.objects.filter(image_id=image.pk).exists()
        assert counts[SMALL] == counts[LARGE] <= MOST

    def test_delete_all_recipients_page_is_constant(self, world, sharer_client):
        counts = {}
        for size in (SMALL, LARGE):
            image = images(world, 1)[0]
            targets = projects(world, size)
            ImageMember.objects.bulk_create(ImageMember(image=image, project=p) for p in targets)
            url = reverse("ims:image_members_delete", args=[image.pk])
            response, counts[size] = statements(
                sharer_client.post, url, {"recipients": [p.project_id for p in targets]}
            )
            assert response.status_code == 302
            assert not ImageMember.objects.filter(image=image).exists()
        assert counts[SMALL] == counts[LARGE]
