"""The README's client walkthrough, word for word: its clouds.yaml, its shell commands and its
Python snippets run unchanged against a live demo console (only the address is this server's,
and the access key the one the README tells bob to create)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from console.iam.services import access_key_create
from console.models import Project, User
from ims.models import ImageMember

pytestmark = pytest.mark.django_db(transaction=True)

README = (Path(settings.BASE_DIR) / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.S)
ADDRESS = "http://127.0.0.1:8000"


def block(kind: str, containing: str) -> str:
    (found,) = [body for k, body in BLOCKS if k == kind and containing in body]
    return found


@pytest.fixture
def here(live_server, tmp_path) -> Path:
    """A directory with the README's clouds.yaml, where `.venv/bin/…` is this environment."""
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    clouds = block("yaml", "clouds:")
    assert ADDRESS in clouds
    (tmp_path / "clouds.yaml").write_text(clouds.replace(ADDRESS, live_server.url))
    (tmp_path / ".venv").symlink_to(sys.prefix)
    return tmp_path


def run(here: Path, *command: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "DJANGO_"))}
    env |= {"NO_PROXY": "127.0.0.1,localhost", "HOME": str(here)}
    done = subprocess.run(command, cwd=here, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def statuses(project: str) -> dict[str, str]:
    return dict(
        ImageMember.objects.filter(project__project_id=project).values_list("image__name", "status")
    )


def test_the_openstack_commands(here):
    script = block("sh", "--os-cloud")
    gamma_de = "32f1ba646f9cc974d2e9a2ae06839ef0"

    out = run(here, "bash", "-euo", "pipefail", "-c", script)

    # Listed as pending, then as accepted; the member list shows Gamma's acceptance.
    assert out.count("ubuntu-22-web") == 2, out
    assert re.search(rf"{gamma_de} \| accepted", out), out
    assert "nl-centos" in out, "--os-region-name eu-nl reaches Beta Apps' eu-nl project"
    assert statuses(gamma_de) == {}, "the last command stopped sharing"


def test_the_openstacksdk_and_glanceclient_snippet(here):
    snippet = block("python", "openstack.connect")
    (here / "snippet.py").write_text(snippet)

    out = run(here, sys.executable, "snippet.py")

    assert out.split() == ["accepted", "rejected"]
    assert statuses("32f1ba646f9cc974d2e9a2ae06839ef0") == {}


def test_the_huawei_cloud_sdk_snippet(here, live_server):
    bob = User.objects.get(username="bob")
    key = access_key_create(
        actor=bob,
        project=Project.objects.get(tenant=bob.tenant, name="eu-de"),
        password="console-demo",
    )
    snippet = block("python", "huaweicloudsdkims")
    snippet = snippet.replace(ADDRESS, live_server.url)
    snippet = snippet.replace("<Access Key Id>", key.key.access_key)
    snippet = snippet.replace("<Secret Access Key>", key.secret)
    (here / "snippet.py").write_text(snippet)

    out = run(here, sys.executable, "snippet.py")

    assert out.strip() == "SUCCESS None None"
    member = ImageMember.objects.get(image__name="full-ecs-app", project__tenant=bob.tenant)
    assert (member.status, member.vault.name) == ("accepted", "vault-backup-200")
