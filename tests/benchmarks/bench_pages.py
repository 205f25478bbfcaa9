"""Page speed with thousands of images: `make bench` (or `python -m tests.benchmarks.bench_pages`).

Builds a scratch database (SQLite unless DATABASE_URL says otherwise), fills one recipient
project with thousands of shares and one owner with thousands of images, then times the list
pages and the accept action through Django's test client and checks them against targets.
Exits non-zero when a page misses its target.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

SHARES = int(os.environ.get("BENCH_SHARES", "5000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
# Median server time per request, in milliseconds, on the 2-core reference machine.
TARGET_MS = {"list": 150, "action": 250}


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import get_runner, setup_test_environment

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    setup_test_environment()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        return run()
    finally:
        runner.teardown_databases(old_config)


def run() -> int:
    from django.test import Client

    from console.models import Project
    from ims.models import Image, ImageMember
    from tests.factories import ProjectFactory, RegionFactory, TenantFactory, UserFactory

    region = RegionFactory(code="eu-de", name="EU-Germany", is_default=True)
    owner = ProjectFactory(tenant=TenantFactory(name="Owner"), region=region)
    recipient: Project = ProjectFactory(tenant=TenantFactory(name="Recipient"), region=region)
    user = UserFactory(username="bench", tenant=recipient.tenant)
    sharer = UserFactory(username="bench-owner", tenant=owner.tenant)

    images = Image.objects.bulk_create(
        Image(
            owner=owner,
            region=region,
            name=f"image-{i:05d}",
            image_type="data" if i % 5 == 0 else "system",
            os_type="Linux",
            os="Ubuntu 22.04 server 64bit",
            min_disk_gb=40,
            size_gb="2.50",
        )
        for i in range(SHARES)
    )
    statuses = ["accepted", "accepted", "rejected", "pending"]
    ImageMember.objects.bulk_create(
        ImageMember(image=image, project=recipient, status=statuses[i % 4])
        for i, image in enumerate(images)
    )
    client, owner_client = Client(), Client()
    client.force_login(user)
    owner_client.force_login(sharer)

    def timed(label: str, kind: str, call) -> tuple[str, float, str]:
        call()  # warm-up
        samples = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            response = call()
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code in (200, 302), (label, response.status_code)
        return label, statistics.median(samples), kind

    pending = list(ImageMember.objects.filter(status="pending").values_list("pk", flat=True))
    results = [
        timed("Images Shared with Me (full page)", "list", lambda: client.get("/ims/")),
        timed("  … page 50 of the accepted list", "list", lambda: client.get("/ims/?page=50")),
        timed("  … search by name", "list", lambda: client.get("/ims/?q=image-04")),
        timed("  … Rejected Images", "list", lambda: client.get("/ims/?view=rejected")),
        timed(
            "  … banner partial (htmx)",
            "list",
            lambda: client.get("/ims/", headers={"HX-Request": "true", "HX-Target": "banner"}),
        ),
        timed("Private Images (owner)", "list", lambda: owner_client.get("/ims/private/")),
        timed(
            "Accept 1 share (htmx)",
            "action",
            lambda: client.post(
                "/ims/shares/accept/",
                {"members": [pending.pop()]},
                headers={"HX-Request": "true", "HX-Target": "dialogs"},
            ),
        ),
    ]
    print(f"{SHARES} shares in one project ({SHARES // 4} pending), {REPEAT} runs, median:")
    failed = False
    for label, ms, kind in results:
        ok = ms <= TARGET_MS[kind]
        failed |= not ok
        print(f"  {label:<38} {ms:7.1f} ms  (target {TARGET_MS[kind]} ms) {'ok' if ok else 'SLOW'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    sys.exit(main())
