"""The demo world: idempotent, resettable, and exactly what DESIGN §7 promises."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from console.audit.models import Message, Trace
from console.compute.models import Disk, Server
from console.ids import stable_hex32
from console.kms.models import Key, KeyGrant
from console.models import Project, Region, Tenant, User
from ims.models import Image, ImageBackup, ImageMember
from tests.factories import BackupFactory, ImageFactory, ImageMemberFactory, ProjectFactory
from tests.test_architecture import ORDER
from vaults.models import Backup, Vault

pytestmark = pytest.mark.django_db

TENANTS = ["Acme Images", "Beta Apps", "Gamma Labs"]
ACME_DE_IMAGES = {
    "ubuntu-22-web",
    "win2022-sql",
    "data-archive",
    "full-ecs-app",
    "enc-ubuntu",
    "legacy-centos7",
    "big-analytics",
}
PENDING_DE = {"ubuntu-22-web", "data-archive", "full-ecs-app", "enc-ubuntu", "big-analytics"}


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[dict]]:
    """Every row of every model, all fields."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
    }


def project(tenant: str, region: str) -> Project:
    return Project.objects.get(tenant__name=tenant, region__code=region)


# ---------------------------------------------------------------------------------------------
# Idempotence and reset


def test_second_run_changes_nothing():
    assert "console-demo" in seed()
    first = snapshot()

    seed()
    second = snapshot()

    assert {k: len(v) for k, v in second.items()} == {k: len(v) for k, v in first.items()}
    for label in first:
        assert second[label] == first[label], f"{label} changed on the second run"


def test_second_run_keeps_what_the_demo_users_changed():
    seed()
    member = ImageMember.objects.get(
        image__name="ubuntu-22-web", project=project("Beta Apps", "eu-de")
    )
    member.status = ImageMember.Status.ACCEPTED
    member.save()
    Message.objects.update(read=True)

    seed()

    member.refresh_from_db()
    assert member.status == ImageMember.Status.ACCEPTED
    assert not Message.objects.unread().exists()
    assert Message.objects.count() == 2


def make_trainer_changes() -> dict[str, object]:
    """What a demo session leaves behind: answers, stored backups, deletions, additions."""
    beta_de = project("Beta Apps", "eu-de")
    vault = Vault.objects.get(project=beta_de, name="vault-backup-200")
    member = ImageMember.objects.get(image__name="full-ecs-app", project=beta_de)
    member.status = ImageMember.Status.ACCEPTED
    member.vault = vault
    member.save()
    for source in ImageBackup.objects.filter(image=member.image):
        BackupFactory(vault=vault, member=member, source=source)
    ImageMember.objects.filter(image__name="legacy-centos7").update(status="accepted")
    Image.objects.get(name="ubuntu-22-web").delete()
    ImageFactory(owner=project("Acme Images", "eu-de"), name="made-in-the-demo")
    User.objects.filter(username="bob").update(role=User.Role.READONLY)
    User.objects.create_user("dave", tenant=Tenant.objects.get(name="Beta Apps"))
    Key.objects.filter(alias="acme-cmk").update(state=Key.State.DISABLED)
    KeyGrant.objects.all().delete()
    Server.objects.all().delete()
    Trace.objects.create(tenant=beta_de.tenant, project=beta_de, operation="updateMember")

    outsider = ProjectFactory(tenant__name="Outsider", region=Region.objects.get(code="eu-de"))
    outsider_image = ImageFactory(owner=outsider, name="outsider-image")
    ImageMemberFactory(image=outsider_image, project=beta_de)
    return {"outsider": outsider, "outsider_image": outsider_image}


def test_reset_recreates_the_demo_world():
    seed()
    counts = {k: len(v) for k, v in snapshot().items()}
    before = {t.name: t.pk for t in Tenant.objects.all()}
    make_trainer_changes()
    Tenant.objects.get(name="Outsider").delete()

    seed("--reset")

    after = {k: len(v) for k, v in snapshot().items()}
    demo_labels = {m._meta.label for c in ORDER for m in apps.get_app_config(c).get_models()}
    assert {k: after[k] for k in demo_labels} == {k: counts[k] for k in demo_labels}
    # Really recreated, not patched up: new rows with the same stable identifiers.
    assert {t.name: t.pk for t in Tenant.objects.all()}.keys() == before.keys()
    assert all(Tenant.objects.get(name=n).pk != pk for n, pk in before.items())


def test_reset_keeps_other_tenants_data():
    seed()
    kept = make_trainer_changes()

    seed("--reset")

    assert Tenant.objects.filter(name="Outsider").exists()
    assert Image.objects.filter(pk=kept["outsider_image"].pk).exists()
    # Its share went with the demo project it targeted.
    assert not ImageMember.objects.filter(image=kept["outsider_image"]).exists()


def test_seeding_on_top_of_existing_regions(world):
    # The world fixture already made eu-de (default) and eu-nl.
    seed()
    assert Region.objects.filter(code__in=["eu-de", "eu-nl"]).count() == 2
    assert Project.objects.filter(tenant__name="Beta Apps").count() == 2


# ---------------------------------------------------------------------------------------------
# DESIGN §7, checked on a fresh world, on a twice-seeded world and on a reset one


@pytest.fixture(params=["fresh", "seeded twice", "reset after a demo"])
def demo(request):
    seed()
    if request.param == "seeded twice":
        seed()
    elif request.param == "reset after a demo":
        make_trainer_changes()
        seed("--reset")


def test_regions(demo):
    de, nl = Region.objects.get(code="eu-de"), Region.objects.get(code="eu-nl")
    assert (de.name, de.is_default) == ("EU-Germany", True)
    assert (nl.name, nl.is_default) == ("EU-Netherlands", False)
    assert de.availability_zones and nl.availability_zones


def test_tenants_and_projects_have_stable_ids(demo):
    for name in TENANTS:
        tenant = Tenant.objects.get(name=name)
        assert tenant.account_id == stable_hex32("account", name)
        for code in ("eu-de", "eu-nl"):
            p = project(name, code)
            assert p.project_id == stable_hex32("project", name, code)
            assert p.name == code
            assert Key.objects.filter(project=p, is_default=True).count() == 1


@pytest.mark.parametrize(
    ("username", "tenant", "role"),
    [
        ("alice", "Acme Images", "admin"),
        ("bob", "Beta Apps", "admin"),
        ("bea", "Beta Apps", "readonly"),
        ("carol", "Gamma Labs", "admin"),
    ],
)
def test_users(demo, username, tenant, role):
    user = User.objects.get(username=username)
    assert (user.tenant.name, user.role) == (tenant, role)
    assert user.check_password("console-demo")
    assert user.is_active and not user.is_staff


def test_admin_is_a_superuser_without_tenant(demo):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.tenant is None
    assert admin.check_password("console-demo")
    assert not User.objects.filter(username="dave").exists()


def test_acme_images(demo):
    acme_de = project("Acme Images", "eu-de")
    images = {i.name: i for i in Image.objects.owned_by(acme_de)}
    assert set(images) == ACME_DE_IMAGES
    assert all(
        i.status == Image.Status.ACTIVE and i.region.code == "eu-de" for i in images.values()
    )

    ubuntu = images["ubuntu-22-web"]
    assert (ubuntu.image_type, ubuntu.min_disk_gb) == ("system", 40)
    assert "Ubuntu 22.04" in ubuntu.os
    assert images["win2022-sql"].image_type == "system"
    assert images["win2022-sql"].os_type == "Windows" and "2022" in images["win2022-sql"].os
    assert (images["data-archive"].image_type, images["data-archive"].min_disk_gb) == ("data", 100)
    assert images["legacy-centos7"].image_type == "system"
    assert (images["big-analytics"].image_type, images["big-analytics"].min_disk_gb) == (
        "system",
        200,
    )
    assert not any(i.encrypted for n, i in images.items() if n != "enc-ubuntu")

    nl = {i.name: i for i in Image.objects.owned_by(project("Acme Images", "eu-nl"))}
    assert set(nl) == {"nl-centos"}
    assert nl["nl-centos"].image_type == "system"


def test_full_ecs_app_has_cbr_backups_of_40_and_60(demo):
    image = Image.objects.with_backup_total().get(name="full-ecs-app")
    assert (image.image_type, image.full_ecs_source) == ("full_ecs", "cbr")
    backups = sorted((b.role, b.size_gb) for b in image.backups.all())
    assert backups == [("data", 60), ("system", 40)]
    assert image.backup_total_gb == 100


def test_enc_ubuntu_is_encrypted_with_acme_cmk_granted_to_beta(demo):
    image = Image.objects.get(name="enc-ubuntu")
    key = image.kms_key
    assert (key.alias, key.is_default, key.usable) == ("acme-cmk", False, True)
    assert key.project == project("Acme Images", "eu-de")
    grant = KeyGrant.objects.get(key=key)
    assert grant.grantee.name == "Beta Apps"
    assert set(grant.operations) >= {"decrypt-datakey", "describe-key"}
    grant.full_clean()
    assert image.available_to(Tenant.objects.get(name="Beta Apps").pk)
    assert not image.available_to(Tenant.objects.get(name="Gamma Labs").pk)


def test_beta_shares(demo):
    beta_de, beta_nl = project("Beta Apps", "eu-de"), project("Beta Apps", "eu-nl")

    def names(qs):
        return {m.image.name for m in qs.select_related("image")}

    de = ImageMember.objects.for_project(beta_de)
    assert names(de.pending()) == PENDING_DE
    assert names(de.accepted()) == {"win2022-sql"}
    assert names(de.rejected()) == {"legacy-centos7"}
    nl = ImageMember.objects.for_project(beta_nl)
    assert (names(nl.pending()), names(nl.accepted()), names(nl.rejected())) == (
        {"nl-centos"},
        set(),
        set(),
    )
    assert not ImageMember.objects.filter(project__tenant__name="Gamma Labs").exists()
    assert not ImageMember.objects.exclude(project__tenant__name="Beta Apps").exists()
    assert not ImageMember.objects.exclude(vault=None).exists()
    assert Message.objects.for_project(beta_de).unread().count() == 1
    assert Message.objects.for_project(beta_nl).unread().count() == 1


def test_beta_vaults(demo):
    vaults = {
        v.name: (v.resource_type, v.protection_type, v.capacity_gb, v.status, v.used_gb)
        for v in Vault.objects.for_project(project("Beta Apps", "eu-de")).with_usage()
    }
    assert vaults == {
        "vault-backup-200": ("server", "backup", 200, "available", 0),
        "vault-backup-50": ("server", "backup", 50, "available", 0),
        "vault-replication": ("server", "replication", 500, "available", 0),
        "vault-disk": ("disk", "backup", 500, "available", 0),
    }
    assert not Backup.objects.exists()
    others = Vault.objects.exclude(project=project("Beta Apps", "eu-de"))
    assert list(others.values_list("name", flat=True)) == ["acme-server-vault"]


def test_alice_has_what_create_image_needs(demo):
    acme_de = project("Acme Images", "eu-de")
    server = Server.objects.get(name="alice-app-01")
    assert (server.project, server.status) == (acme_de, Server.Status.STOPPED)
    disks = {d.role: d.size_gb for d in Disk.objects.filter(server=server)}
    assert disks == {"system": 40, "data": 60}
    vault = Vault.objects.with_usage().get(project=acme_de)
    assert (vault.resource_type, vault.protection_type) == ("server", "backup")
    assert vault.free_gb >= sum(disks.values())


def test_beta_key_and_server(demo):
    beta_de = project("Beta Apps", "eu-de")
    assert Key.objects.for_project(beta_de).custom().get().alias == "beta-cmk"

    server = Server.objects.get(name="bob-web-01")
    assert server.project == beta_de
    assert server.status == Server.Status.RUNNING
    assert server.image.is_public and server.image.region.code == "eu-de"
    assert "Ubuntu" in server.image.name and server.image_name == server.image.name
    system_disk = Disk.objects.get(server=server)
    assert (system_disk.role, system_disk.status) == ("system", "in-use")


def test_gamma_has_nothing_shared(demo):
    gamma = Tenant.objects.get(name="Gamma Labs")
    assert User.objects.filter(tenant=gamma).count() == 1
    assert not Image.objects.filter(owner__tenant=gamma).exists()
    assert not Vault.objects.filter(project__tenant=gamma).exists()


def test_public_images(demo):
    for code in ("eu-de", "eu-nl"):
        public = Image.objects.public(Region.objects.get(code=code))
        oses = " ".join(public.values_list("os", flat=True))
        for distro in ("Ubuntu", "Debian", "CentOS", "Windows"):
            assert distro in oses, f"{distro} missing in {code}"
        assert not public.exclude(kms_key=None).exists()
        assert all(i.size_gb > Decimal(0) for i in public)


def test_every_row_is_valid(demo):
    for label in ORDER:
        for model in apps.get_app_config(label).get_models():
            for obj in model._default_manager.all():
                obj.full_clean()


def test_seed_keeps_an_existing_default_region(db):
    from django.core.management import call_command

    from console.models import Region

    Region.objects.create(code="ap-sg", name="AP-Singapore", is_default=True)
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert list(Region.objects.filter(is_default=True).values_list("code", flat=True)) == ["ap-sg"]
    assert Region.objects.filter(code__in=["eu-de", "eu-nl"]).count() == 2


def test_seed_leaves_the_audit_trail_of_the_seeded_shares(db):
    from django.core.management import call_command

    from console.audit.models import Trace

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    acme = Trace.objects.filter(tenant__name="Acme Images", operation="addMember")
    assert acme.count() == 8 and {t.user_name for t in acme} == {"alice"}
    beta = Trace.objects.filter(tenant__name="Beta Apps", operation="updateMember")
    assert sorted((t.resource_name, t.detail["status"]) for t in beta) == [
        ("legacy-centos7", "rejected"),
        ("win2022-sql", "accepted"),
    ]
