"""Tenancy and stand-in models: database constraints, validation and tenant scoping."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from console.audit.models import Message, Trace
from console.compute.models import Disk, Server
from console.ids import new_hex32, stable_hex32
from console.kms.models import Key, KeyGrant
from console.models import Project, Region, User
from tests.factories import (
    DiskFactory,
    KeyFactory,
    KeyGrantFactory,
    MessageFactory,
    ProjectFactory,
    RegionFactory,
    ServerFactory,
    TenantFactory,
    TraceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BAD_HEX32 = {
    "uppercase": "ABCDEF0123456789ABCDEF0123456789",
    "31 chars": "abcdef0123456789abcdef012345678",
    "non-hex": "ghijkl0123456789abcdef0123456789",
    "empty": "",
}


def integrity_error(create):
    """Run `create` in a savepoint and return whether the database refused it."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


# ---------------------------------------------------------------------------------------------
# Identifiers


def test_generated_ids_are_32_lowercase_hex():
    assert len(new_hex32()) == 32
    assert new_hex32() != new_hex32()
    stable = stable_hex32("project", "Beta Apps", "eu-de")
    assert stable == stable_hex32("project", "Beta Apps", "eu-de")
    assert stable != stable_hex32("project", "Beta Apps", "eu-nl")
    for value in (new_hex32(), stable):
        assert value == value.lower() and int(value, 16) >= 0 and len(value) == 32


@pytest.mark.parametrize("bad", BAD_HEX32.values(), ids=BAD_HEX32.keys())
def test_database_refuses_malformed_account_id(bad):
    assert integrity_error(lambda: TenantFactory(account_id=bad))


@pytest.mark.parametrize("bad", BAD_HEX32.values(), ids=BAD_HEX32.keys())
def test_database_refuses_malformed_project_id(bad):
    region = RegionFactory()
    assert integrity_error(lambda: ProjectFactory(region=region, project_id=bad))


@pytest.mark.parametrize("bad", BAD_HEX32.values(), ids=BAD_HEX32.keys())
def test_form_validation_refuses_malformed_ids(bad):
    tenant = TenantFactory.build(account_id=bad)
    with pytest.raises(ValidationError) as excinfo:
        tenant.full_clean()
    assert "account_id" in excinfo.value.message_dict

    project = ProjectFactory.build(tenant=TenantFactory(), region=RegionFactory(), project_id=bad)
    with pytest.raises(ValidationError) as excinfo:
        project.full_clean()
    assert "project_id" in excinfo.value.message_dict


def test_default_ids_are_valid():
    tenant = TenantFactory(account_id=new_hex32())
    project = Project.objects.create(tenant=tenant, region=RegionFactory(), name="x")
    project.full_clean()
    assert len(project.project_id) == 32 and project.project_id != tenant.account_id


def test_account_and_project_ids_are_unique():
    tenant = TenantFactory()
    assert integrity_error(lambda: TenantFactory(account_id=tenant.account_id))
    project = ProjectFactory()
    assert integrity_error(lambda: ProjectFactory(project_id=project.project_id))


# ---------------------------------------------------------------------------------------------
# Regions and projects


def test_one_project_per_tenant_per_region():
    de, nl = RegionFactory(), RegionFactory()
    tenant = TenantFactory()
    ProjectFactory(tenant=tenant, region=de)

    assert integrity_error(lambda: ProjectFactory(tenant=tenant, region=de))
    ProjectFactory(tenant=tenant, region=nl)
    ProjectFactory(region=de)  # another tenant in the same region is fine
    assert Project.objects.filter(region=de).count() == 2


def test_only_one_default_region():
    RegionFactory(is_default=True)
    assert integrity_error(lambda: RegionFactory(is_default=True))
    RegionFactory(is_default=False)
    RegionFactory(is_default=False)
    assert Region.objects.filter(is_default=True).count() == 1


def test_of_tenant_returns_only_that_tenants_projects_by_region(world):
    projects = list(Project.objects.of_tenant(world.recipient))

    assert projects == [world.recipient_de, world.recipient_nl]
    assert world.sharer_de not in projects and world.sharer_nl not in projects


def test_of_tenant_for_a_tenant_without_projects_is_empty(world):
    assert not Project.objects.of_tenant(TenantFactory()).exists()


# ---------------------------------------------------------------------------------------------
# Users


def test_user_roles():
    assert UserFactory(role=User.Role.ADMIN).can_change is True
    assert UserFactory(role=User.Role.READONLY).can_change is False


def test_password_is_hashed_and_checks():
    user = UserFactory()
    assert user.password != "console-demo"
    assert user.check_password("console-demo")


# ---------------------------------------------------------------------------------------------
# KMS keys and grants


def test_one_default_key_per_project():
    project = ProjectFactory()
    KeyFactory(project=project, is_default=True)

    assert integrity_error(lambda: KeyFactory(project=project, is_default=True))
    KeyFactory(project=project, is_default=False)
    KeyFactory(project=ProjectFactory(), is_default=True)
    assert Key.objects.filter(project=project, is_default=True).count() == 1


def test_key_alias_unique_per_project():
    key = KeyFactory(alias="cmk")
    assert integrity_error(lambda: KeyFactory(project=key.project, alias="cmk"))
    KeyFactory(alias="cmk")  # same alias in another project


def test_key_usable_only_when_enabled():
    assert KeyFactory(state=Key.State.ENABLED).usable
    assert not KeyFactory(state=Key.State.DISABLED).usable
    assert not KeyFactory(state=Key.State.PENDING_DELETION).usable


def test_key_querysets(world):
    own = KeyFactory(project=world.recipient_de)
    default = KeyFactory(project=world.recipient_de, is_default=True)
    KeyFactory(project=world.recipient_nl)
    KeyFactory(project=world.sharer_de)

    assert set(Key.objects.for_project(world.recipient_de)) == {own, default}
    assert list(Key.objects.for_project(world.recipient_de).custom()) == [own]


def test_grant_with_the_sharing_operations_is_valid():
    grant = KeyGrantFactory.build(
        key=KeyFactory(),
        grantee=TenantFactory(),
        operations=["decrypt-datakey", "describe-key", "create-datakey"],
    )
    grant.full_clean()


@pytest.mark.parametrize(
    ("operations", "missing"),
    [
        (["describe-key"], "Decrypt Data Key"),
        (["decrypt-datakey"], "Describe Key"),
        (["create-datakey", "encrypt-datakey"], "Decrypt Data Key and Describe Key"),
        ([], "Decrypt Data Key and Describe Key"),
    ],
)
def test_grant_requires_decrypt_data_key_and_describe_key(operations, missing):
    grant = KeyGrantFactory.build(key=KeyFactory(), grantee=TenantFactory(), operations=operations)

    with pytest.raises(ValidationError) as excinfo:
        grant.full_clean()
    assert f"{missing} must be granted." in excinfo.value.message_dict["operations"]


def test_grant_refuses_unknown_operations():
    grant = KeyGrantFactory.build(
        key=KeyFactory(),
        grantee=TenantFactory(),
        operations=["decrypt-datakey", "describe-key", "delete-key"],
    )
    with pytest.raises(ValidationError) as excinfo:
        grant.full_clean()
    assert "delete-key" in excinfo.value.message_dict["operations"][0]


def test_default_key_cannot_be_granted():
    grant = KeyGrantFactory.build(key=KeyFactory(is_default=True), grantee=TenantFactory())
    with pytest.raises(ValidationError) as excinfo:
        grant.full_clean()
    assert "default key" in excinfo.value.message_dict["key"][0]


def test_one_grant_per_key_and_tenant():
    grant = KeyGrantFactory()
    assert integrity_error(lambda: KeyGrantFactory(key=grant.key, grantee=grant.grantee))


# ---------------------------------------------------------------------------------------------
# Servers, disks, messages, traces


def test_disk_size_must_be_positive():
    assert integrity_error(lambda: DiskFactory(size_gb=0))
    assert DiskFactory(size_gb=1).size_gb == 1


def test_server_disk_message_scoping(world):
    mine = {
        "server": ServerFactory(project=world.recipient_de),
        "disk": DiskFactory(project=world.recipient_de),
        "message": MessageFactory(project=world.recipient_de),
    }
    for project in (world.recipient_nl, world.sharer_de, world.sharer_nl):
        ServerFactory(project=project)
        DiskFactory(project=project)
        MessageFactory(project=project)

    assert list(Server.objects.for_project(world.recipient_de)) == [mine["server"]]
    assert list(Disk.objects.for_project(world.recipient_de)) == [mine["disk"]]
    assert list(Message.objects.for_project(world.recipient_de)) == [mine["message"]]


def test_unread_messages(world):
    unread = MessageFactory(project=world.recipient_de)
    MessageFactory(project=world.recipient_de, read=True)
    MessageFactory(project=world.sharer_de)

    assert list(Message.objects.for_project(world.recipient_de).unread()) == [unread]


def test_traces_scoped_to_tenant(world):
    mine = {
        TraceFactory(project=world.recipient_de),
        TraceFactory(project=world.recipient_nl),
        TraceFactory(tenant=world.recipient, project=None),
    }
    TraceFactory(project=world.sharer_de)
    TraceFactory(project=world.sharer_nl)

    assert set(Trace.objects.for_tenant(world.recipient)) == mine


def test_deleting_a_server_deletes_its_attached_disks_only(world):
    server = ServerFactory(project=world.recipient_de)
    DiskFactory(project=world.recipient_de, server=server)
    standalone = DiskFactory(project=world.recipient_de)

    server.delete()

    assert list(Disk.objects.for_project(world.recipient_de)) == [standalone]


def test_grant_str_and_clean_message_name_the_parties():
    grant = KeyGrantFactory(key=KeyFactory(alias="acme-cmk"), grantee=TenantFactory(name="Beta"))
    assert str(grant) == "acme-cmk → Beta"
    assert set(KeyGrant.REQUIRED_FOR_SHARING) == {"decrypt-datakey", "describe-key"}
