"""The served side of the benchmark: gunicorn on 127.0.0.1, a bounded load generator, bytes.

Nothing here talks to any host but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn as `make run` starts it (its configuration file when there is one)."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        self.database_url = database_url
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        command = [gunicorn, "console.wsgi", "--bind", f"{HOST}:{self.port}"]
        if (BASE_DIR / "gunicorn.conf.py").exists():
            command += ["--config", str(BASE_DIR / "gunicorn.conf.py")]
        else:
            command += ["--workers", "2", "--threads", "4"]
        command += ["--log-level", "warning"]
        env = os.environ | {"DATABASE_URL": self.database_url, "DJANGO_DEBUG": "false"}
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def worker_rss_kb(self) -> int:
        """Resident memory of all worker processes together, in KiB."""
        assert self.process is not None
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) != self.process.pid:
                    continue
                status = (stat.parent / "status").read_text()
            except (OSError, IndexError, ValueError):
                continue
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            total += int(match.group(1)) if match else 0
        return total


@dataclass
class Load:
    """What one load run saw."""

    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100)[int(q * 100) - 1]


async def _client(
    port: int, path: str, cookie: str, stop: float, limit: list[int], load: Load
) -> None:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: {cookie}\r\n"
        "Accept-Encoding: gzip\r\n\r\n"
    ).encode()
    reader = writer = None
    while time.monotonic() < stop and limit[0] > 0:
        limit[0] -= 1
        start = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
            status = int(head.split(b" ", 2)[1])
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            if length:
                await reader.readexactly(int(length.group(1)))
            else:
                await reader.read()
            if not length or re.search(rb"(?im)^connection:\s*close", head):
                writer.close()
                writer = None
            if status != 200:
                load.errors += 1
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            load.errors += 1
            if writer is not None:
                writer.close()
            writer = None
            continue
        load.requests += 1
        load.latencies.append((time.perf_counter() - start) * 1000)
    if writer is not None:
        writer.close()


def run_load(
    port: int, path: str, cookie: str, *, clients: int, seconds: float, max_requests: int
) -> Load:
    """`clients` connections asking for `path` for `seconds`, `max_requests` at most."""
    load = Load()
    limit = [max_requests]

    async def main() -> None:
        stop = time.monotonic() + seconds
        start = time.perf_counter()
        await asyncio.gather(
            *(_client(port, path, cookie, stop, limit, load) for _ in range(clients))
        )
        load.seconds = time.perf_counter() - start

    asyncio.run(main())
    return load


def wire_bytes(
    port: int, path: str, cookie: str, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    """Bytes one request takes over the wire (status line, headers, body as sent), and the body."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request(
        "GET",
        path,
        headers={"Cookie": cookie, "Accept-Encoding": "gzip, deflate, br"} | (headers or {}),
    )
    response = connection.getresponse()
    body = response.read()
    connection.close()
    head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + sum(
        len(f"{name}: {value}\r\n") for name, value in response.getheaders()
    )
    text = body.decode("utf-8", "replace") if not response.getheader("Content-Encoding") else ""
    return head + 2 + len(body), text


def first_load_bytes(port: int, path: str, cookie: str) -> tuple[int, int]:
    """Bytes of a first load of `path`: the page and every asset it links, compressed as sent."""
    page, _ = wire_bytes(port, path, cookie)
    # Read the asset links from the uncompressed page.
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", path, headers={"Cookie": cookie})
    html = connection.getresponse().read().decode()
    connection.close()
    assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html)))
    total = page + sum(wire_bytes(port, asset, cookie)[0] for asset in assets)
    return total, len(assets)
