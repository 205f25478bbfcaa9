"""Scale benchmark: `make bench` (or `python -m tests.benchmarks.bench_pages`).

Builds a scratch database (SQLite unless DATABASE_URL says otherwise; on PostgreSQL a
`test_` database next to the one named), seeds a project with BENCH_SMALL shares and one
with BENCH_SHARES shares (20 % pending, 60 % accepted, 20 % rejected, each beside a noisy
project of the same size) and measures, in one run and interleaved, everything as a ratio
to a baseline measured alongside it, never as an absolute time:

- list pages (server time, median) against a bare console page, and large against small;
- Accept All and Reject of BENCH_SHARES pending shares, Delete All recipients and stop
  sharing, against one raw statement doing the same change to the same rows, with the
  number of statements each service sends;
- gunicorn throughput of the list page against the bare page under BENCH_CLIENTS
  concurrent clients (a bounded load generator on 127.0.0.1), worker memory over up to
  BENCH_MEMORY_REQUESTS requests (BENCH_MEMORY_SECONDS at most), and the bytes of a first
  load and of an htmx partial.

Exits non-zero when a target is missed.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

SHARES = int(os.environ.get("BENCH_SHARES", "10000"))
SMALL = int(os.environ.get("BENCH_SMALL", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
BATCH_ROUNDS = int(os.environ.get("BENCH_BATCH_ROUNDS", "3"))
# Stopping sharing with a few hundred projects takes milliseconds: more rounds steady its median.
RECIPIENT_ROUNDS = int(os.environ.get("BENCH_RECIPIENT_ROUNDS", "11"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "6"))
MEMORY_REQUESTS = int(os.environ.get("BENCH_MEMORY_REQUESTS", "10000"))
MEMORY_SECONDS = float(os.environ.get("BENCH_MEMORY_SECONDS", "90"))
# With the seeded recipient, noisy and batch projects: an image's limit of 256 recipients.
RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", "253"))

# The targets: ratios, never absolute times.
PAGE_VS_BARE = 1.5
LARGE_VS_SMALL = 1.2
BATCH_VS_RAW = 5.0
BATCH_STATEMENTS = 20
THROUGHPUT_SHARE = 0.6
P99_VS_P50 = 5.0
FIRST_LOAD_BYTES = 60 * 1024
PARTIAL_BYTES = 10 * 1024
MEMORY_DRIFT = 0.05


@dataclass
class Verdict:
    """One measured figure and whether it meets its target."""

    label: str
    value: str
    target: str
    ok: bool


VERDICTS: list[Verdict] = []


def check(label: str, value: float, target: float, *, fmt: str = "{:.2f}", most=True) -> None:
    """Record `value` against `target` (an upper bound, or a lower one when not `most`)."""
    ok = value <= target if most else value >= target
    sign = "≤" if most else "≥"
    VERDICTS.append(Verdict(label, fmt.format(value), f"{sign} {fmt.format(target)}", ok))
    print(
        f"  {label:<52} {fmt.format(value):>10}  (target {sign} {fmt.format(target)})"
        f" {'ok' if ok else 'MISSED'}",
        flush=True,
    )


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import get_runner, setup_test_environment

    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    setup_test_environment()
    call_command("collectstatic", interactive=False, verbosity=0)
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        return run()
    finally:
        runner.teardown_databases(old_config)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def pages(small, large) -> None:
    """Server time of the list pages at both sizes against the bare page, interleaved."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    banner = {"HX-Request": "true", "HX-Target": "banner"}
    cases: list[tuple[str, str, dict[str, str]]] = [
        ("bare page (My Credentials)", "/credentials/", {}),
        ("Images Shared with Me", "/ims/", {}),
        ("  search by name", "/ims/?q=0004", {}),
        ("  Rejected Images", "/ims/?view=rejected", {}),
        ("  banner partial (htmx)", "/ims/", banner),
    ]
    clients = {}
    for world in (small, large):
        client = Client()
        client.force_login(world.user)
        clients[world.size] = client
    samples: dict[tuple[str, int], list[float]] = {}
    queries: dict[tuple[str, int], int] = {}
    for size, client in clients.items():
        for label, url, headers in cases:
            client.get(url, headers=headers)  # warm-up
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, headers=headers)
            assert response.status_code == 200, (label, response.status_code)
            queries[label, size] = len(captured)
    for _ in range(ROUNDS):
        for size, client in clients.items():
            for label, url, headers in cases:
                start = time.perf_counter()
                client.get(url, headers=headers)
                samples.setdefault((label, size), []).append(time.perf_counter() - start)
    big, tiny = large.size, small.size
    bare = _median_ms(samples[cases[0][0], big])
    print(f"\nPages: server time, median of {ROUNDS} interleaved runs", flush=True)
    for label, _, _ in cases:
        print(
            f"  {label:<30} {tiny:>6} shares {_median_ms(samples[label, tiny]):7.1f} ms "
            f"({queries[label, tiny]} queries)   {big:>6} shares "
            f"{_median_ms(samples[label, big]):7.1f} ms ({queries[label, big]} queries)"
        )
    for label, _, _ in cases[1:]:
        at_large = _median_ms(samples[label, big])
        name = label.strip()
        check(f"{name} at {big} / bare page", at_large / bare, PAGE_VS_BARE)
        check(
            f"{name} at {big} / at {tiny}",
            at_large / _median_ms(samples[label, tiny]),
            LARGE_VS_SMALL,
        )
        check(
            f"{name}: queries at {big} - at {tiny}",
            queries[label, big] - queries[label, tiny],
            0,
            fmt="{:.0f}",
        )


def _timed(call: Callable[[], object]) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        call()
        elapsed = time.perf_counter() - start
    return elapsed, len(captured)


def _raw(sql: str, ids: list[int], *params: object) -> Callable[[], None]:
    from django.db import connection

    def call() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql % ", ".join(["%s"] * len(ids)), [*params, *ids])

    return call


def _report_batch(label: str, rows: int, service: list[float], raw: list[float], stmts: int):
    ms, raw_ms = _median_ms(service), _median_ms(raw)
    print(
        f"  {label} of {rows} shares: {ms:.1f} ms, {stmts} statements; "
        f"one raw statement {raw_ms:.1f} ms",
        flush=True,
    )
    check(f"{label} of {rows} / one raw statement", ms / raw_ms, BATCH_VS_RAW)
    check(f"{label} of {rows}: statements", stmts, BATCH_STATEMENTS, fmt="{:.0f}")


def batches(large) -> None:
    """Accept All and Reject of every pending share, then Delete All recipients."""
    from django.utils import timezone

    from ims.models import ImageMember, MemberBackup
    from ims.services import image_members_delete, shares_accept, shares_reject
    from tests.benchmarks.seed import batch_world, recipients_world
    from vaults.models import Backup

    world = batch_world(large.images, "batch")
    members = ImageMember.objects.filter(project=world.project)
    ids = list(members.values_list("pk", flat=True))
    table = ImageMember._meta.db_table
    to_status = f"UPDATE {table} SET status = %%s, updated = %%s WHERE id IN (%s)"
    timings: dict[str, list[float]] = {}
    statements: dict[str, int] = {}
    print(
        f"\nBatches: median of {BATCH_ROUNDS} rounds ({RECIPIENT_ROUNDS} for recipients)",
        flush=True,
    )
    for _ in range(BATCH_ROUNDS):
        MemberBackup.objects.filter(member__project=world.project).delete()
        Backup.objects.filter(vault=world.vault).delete()
        members.update(status="pending", vault=None)
        now = timezone.now()
        raw, _ = _timed(_raw(to_status, ids, "accepted", now))
        timings.setdefault("raw accept", []).append(raw)
        members.update(status="pending", vault=None)
        spent, statements["accept"] = _timed(
            lambda: shares_accept(actor=world.user, project=world.project, vault=world.vault)
        )
        timings.setdefault("accept", []).append(spent)
        assert members.filter(status="accepted").count() == len(ids)
        raw, _ = _timed(_raw(to_status, ids, "rejected", now))
        timings.setdefault("raw reject", []).append(raw)
        members.update(status="accepted")
        spent, statements["reject"] = _timed(
            lambda: shares_reject(actor=world.user, project=world.project, member_ids=ids)
        )
        timings.setdefault("reject", []).append(spent)
        assert members.filter(status="rejected").count() == len(ids)
    _report_batch(
        "Accept All", len(ids), timings["accept"], timings["raw accept"], statements["accept"]
    )
    _report_batch(
        "Reject", len(ids), timings["reject"], timings["raw reject"], statements["reject"]
    )

    image = large.images[1]
    peers = recipients_world(image, RECIPIENTS, "peers")
    shared = ImageMember.objects.filter(image=image)
    every = list(shared.values_list("project__project_id", flat=True))
    delete = f"DELETE FROM {table} WHERE id IN (%s)"
    for label, chosen in (
        ("Stop sharing", [p.project_id for p in peers[: len(peers) // 2]]),
        ("Delete All recipients", every),
    ):
        service, raw, count = [], [], 0
        for _ in range(RECIPIENT_ROUNDS):
            snapshot = list(shared.filter(project__project_id__in=chosen))
            spent, _ = _timed(_raw(delete, [m.pk for m in snapshot]))
            raw.append(spent)
            ImageMember.objects.bulk_create(snapshot)
            snapshot = list(shared.filter(project__project_id__in=chosen))
            spent, count = _timed(
                lambda chosen=chosen: image_members_delete(
                    actor=large.owner_user, project=large.owner, image=image, project_ids=chosen
                )
            )
            service.append(spent)
            ImageMember.objects.bulk_create(snapshot)
        _report_batch(label, len(chosen), service, raw, count)


def served(large) -> None:
    """Throughput, latency, memory and bytes through gunicorn on 127.0.0.1."""
    from django.conf import settings
    from django.test import Client

    from tests.benchmarks.http_load import Server, first_load_bytes, run_load, wire_bytes

    client = Client()
    client.force_login(large.user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        port = db.get("PORT") or 5432
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{port}/{db['NAME']}"
    with Server(url) as server:
        port = server.port
        for path in ("/credentials/", "/ims/"):
            run_load(port, path, cookie, clients=CLIENTS, seconds=2, max_requests=200)
        # Worker memory from here on, over every request that follows.
        before = server.worker_rss_kb()
        start = time.perf_counter()
        loads: dict[str, list] = {"/credentials/": [], "/ims/": []}
        for _ in range(2):
            for path in loads:
                loads[path].append(
                    run_load(
                        port,
                        path,
                        cookie,
                        clients=CLIENTS,
                        seconds=LOAD_SECONDS / 2,
                        max_requests=100_000,
                    )
                )
        print(
            f"\nServed by gunicorn, {CLIENTS} concurrent clients, 2 × {LOAD_SECONDS / 2:.0f} s"
            " each, interleaved",
            flush=True,
        )
        rates = {}
        for path, runs in loads.items():
            requests = sum(r.requests for r in runs)
            seconds = sum(r.seconds for r in runs)
            errors = sum(r.errors for r in runs)
            latencies = sorted(x for r in runs for x in r.latencies)
            p50 = latencies[len(latencies) // 2]
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            rates[path] = requests / seconds
            print(
                f"  {path:<14} {rates[path]:7.1f} req/s, p50 {p50:6.1f} ms, p99 {p99:6.1f} ms,"
                f" {errors} errors",
                flush=True,
            )
            check(f"{path} errors", errors, 0, fmt="{:.0f}")
            check(f"{path} p99 / p50", p99 / p50, P99_VS_P50)
        check(
            "list page throughput / bare page",
            rates["/ims/"] / rates["/credentials/"],
            THROUGHPUT_SHARE,
            most=False,
        )

        total, assets = first_load_bytes(port, "/ims/", cookie)
        partial, _ = wire_bytes(
            port, "/ims/", cookie, {"HX-Request": "true", "HX-Target": "shared-list"}
        )
        print(
            f"  first load of /ims/: {total} bytes over the wire (page and {assets} assets);"
            f" shared-list partial: {partial} bytes",
            flush=True,
        )
        check("first load of Images Shared with Me (bytes)", total, FIRST_LOAD_BYTES, fmt="{:.0f}")
        check("htmx partial (bytes)", partial, PARTIAL_BYTES, fmt="{:.0f}")

        done = sum(r.requests for runs in loads.values() for r in runs)
        while done < MEMORY_REQUESTS and time.perf_counter() - start < MEMORY_SECONDS:
            for path in ("/ims/", "/credentials/"):
                remaining = max(1, MEMORY_REQUESTS - done)
                load = run_load(port, path, cookie, clients=10, seconds=5, max_requests=remaining)
                done += load.requests
        after = server.worker_rss_kb()
        print(
            f"  worker memory: {before} KiB, {after} KiB after {done} requests"
            f" ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
        check(
            f"worker memory drift over {done} requests", abs(after - before) / before, MEMORY_DRIFT
        )


def run() -> int:
    from django.db import connection

    from tests.benchmarks.bench_passwords import passwords
    from tests.benchmarks.seed import world

    start = time.perf_counter()
    small, large = world(SMALL, "small"), world(SHARES, "large")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    print(
        f"{connection.vendor}: seeded {SMALL} and {SHARES} shares (each beside a noisy "
        f"project) in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    passwords(check)
    pages(small, large)
    batches(large)
    served(large)
    missed = [v for v in VERDICTS if not v.ok]
    print(
        f"\n{len(VERDICTS) - len(missed)} of {len(VERDICTS)} targets met"
        f" in {time.perf_counter() - start:.0f} s."
    )
    for verdict in missed:
        print(f"  MISSED: {verdict.label}: {verdict.value} (target {verdict.target})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    sys.exit(main())
