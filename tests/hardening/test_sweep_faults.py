"""Fault injection (D7): the k-th write of a batch fails, for every k; nothing is half-applied.

Each batch service is first run once to count its writes (INSERT, UPDATE, DELETE), undone,
and then run again with its k-th write failing as a database error would, for k = 1..n:
every time, every row is as it was before. A last run without a fault must succeed, so the
batch is known to do real work.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction

from console.audit import services as audit_services
from console.compute import services as compute_services
from ims import services as ims_services
from tests.factories import (
    BackupFactory,
    ImageBackupFactory,
    ImageFactory,
    ImageMemberFactory,
    MessageFactory,
    ProjectFactory,
    TenantFactory,
    VaultFactory,
)
from tests.hardening.sweeps import COUNTS, snapshot
from vaults import services as vault_services

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


class Undo(Exception):
    """Rolls back the counting run."""


class FailingWrite:
    """An execute wrapper that counts writes and makes the `fail_at`-th one fail."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at = fail_at
        self.writes = 0

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(WRITES):
            self.writes += 1
            if self.writes == self.fail_at:
                raise DatabaseError(f"injected failure of write {self.writes}")
        return execute(sql, params, many, context)


def count_writes(call: Callable[[], object]) -> int:
    counter = FailingWrite()
    try:
        with transaction.atomic(), connection.execute_wrapper(counter):
            call()
            raise Undo
    except Undo:
        pass
    return counter.writes


def inject_every_fault(label: str, call: Callable[[], object]) -> int:
    before = snapshot()
    writes = count_writes(call)
    assert snapshot() == before
    assert writes >= 2, f"{label}: a batch of {writes} write"
    for k in range(1, writes + 1):
        with pytest.raises(DatabaseError, match="injected"):
            with connection.execute_wrapper(FailingWrite(fail_at=k)):
                call()
        assert snapshot() == before, f"{label}: write {k} of {writes} failed, others stayed"
    call()
    assert snapshot() != before, f"{label}: the batch changed nothing"
    COUNTS["fault injection"]["batches"] += 1
    COUNTS["fault injection"]["injected faults"] += writes
    return writes


def full_ecs(owner, project, sizes=(40, 60), status="pending"):
    image = ImageFactory(owner=owner, full_ecs=True)
    for i, size in enumerate(sizes):
        ImageBackupFactory(
            image=image, role="system" if i == 0 else "data", size_gb=size, device=f"/dev/vd{i}"
        )
    return ImageMemberFactory(image=image, project=project, status=status)


def test_accept_all_with_full_ecs_images(world):
    for _ in range(3):
        ImageMemberFactory(image=ImageFactory(owner=world.sharer_de), project=world.recipient_de)
    full_ecs(world.sharer_de, world.recipient_de)
    full_ecs(world.sharer_de, world.recipient_de, sizes=(20,))
    vault = VaultFactory(project=world.recipient_de, capacity_gb=500)
    inject_every_fault(
        "shares_accept",
        lambda: ims_services.shares_accept(
            actor=world.recipient_user, project=world.recipient_de, vault=vault
        ),
    )


def test_reject_accepted_shares_releasing_backups(world):
    vault = VaultFactory(project=world.recipient_de, capacity_gb=500)
    members = [
        BackupFactory(vault=vault, member__image__owner=world.sharer_de).member for _ in range(2)
    ]
    members.append(
        ImageMemberFactory(
            image=ImageFactory(owner=world.sharer_de), project=world.recipient_de, status="pending"
        )
    )
    inject_every_fault(
        "shares_reject",
        lambda: ims_services.shares_reject(
            actor=world.recipient_user,
            project=world.recipient_de,
            member_ids=[m.pk for m in members],
        ),
    )


def test_share_several_images_with_several_projects(world):
    images = [ImageFactory(owner=world.sharer_de) for _ in range(2)]
    other = ProjectFactory(tenant=TenantFactory(), region=world.de)
    ImageMemberFactory(image=images[0], project=other, status="rejected")
    inject_every_fault(
        "image_share",
        lambda: ims_services.image_share(
            actor=world.sharer_user,
            project=world.sharer_de,
            images=images,
            project_ids=[world.recipient_de.project_id, other.project_id],
        ),
    )


def test_stop_sharing_with_several_projects(world):
    image = ImageFactory(owner=world.sharer_de, full_ecs=True, full_ecs_source="cbr")
    vault = VaultFactory(project=world.recipient_de)
    member = BackupFactory(vault=vault, member__image=image).member
    other = ImageMemberFactory(image=image, project=ProjectFactory(region=world.de))
    inject_every_fault(
        "image_members_delete",
        lambda: ims_services.image_members_delete(
            actor=world.sharer_user,
            project=world.sharer_de,
            image=image,
            project_ids=[member.project.project_id, other.project.project_id],
        ),
    )


def test_delete_a_shared_image(world):
    member = full_ecs(world.sharer_de, world.recipient_de, status="accepted")
    BackupFactory(
        vault=VaultFactory(project=world.recipient_de),
        member=member,
        source=member.image.backups.first(),
    )
    ImageMemberFactory(image=member.image, project=ProjectFactory(region=world.de))
    inject_every_fault(
        "image_delete",
        lambda: ims_services.image_delete(
            actor=world.sharer_user, project=world.sharer_de, image=member.image
        ),
    )


def test_create_several_servers_from_a_full_ecs_image(world):
    member = full_ecs(world.sharer_de, world.recipient_de, status="accepted")
    inject_every_fault(
        "servers_create",
        lambda: compute_services.servers_create(
            actor=world.recipient_user,
            project=world.recipient_de,
            image=member.image,
            name="batch",
            availability_zone="eu-de-01",
            flavor="s3.medium.2",
            system_disk_gb=40,
            quantity=3,
        ),
    )


def test_mark_messages_read_and_create_a_vault(world):
    for _ in range(3):
        MessageFactory(project=world.recipient_de)
    inject_every_fault(
        "messages_mark_read",
        lambda: audit_services.messages_mark_read(
            actor=world.recipient_user, project=world.recipient_de
        ),
    )
    inject_every_fault(
        "vault_create",
        lambda: vault_services.vault_create(
            actor=world.recipient_user,
            project=world.recipient_de,
            name="faulty",
            resource_type="server",
            protection_type="backup",
            capacity_gb=100,
        ),
    )
