"""gunicorn settings for `make run` (and the benchmark): sized from the machine's CPUs."""

import multiprocessing
import os

# Threaded workers: a request mostly waits on the database, so a few threads per process
# keep the CPUs busy without a process (and its memory) per concurrent request.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# A request that takes longer than this is cut off and its worker replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 10
# Keep-alive lets a browser fetch the page's assets over one connection.
keepalive = 5
# Enough queued connections for bursts of clients while every thread is busy.
backlog = 256
