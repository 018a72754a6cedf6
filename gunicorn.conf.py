"""Production server settings (`make serve`). Every value can be overridden from the environment.

Graceful restart: `kill -HUP <master>` re-reads this file and replaces the workers one by one, each
finishing its requests (up to `graceful_timeout`); SIGTERM stops the same way. A new release is deployed by
HUP after `flask db upgrade` (migrations are additive first), or by replacing hosts one at a time behind
the proxy, which takes a host out of rotation when its /readyz fails. See docs/deploy.md.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from roadmap.web import heap

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The usual 2 × cores + 1: requests wait on the database as much as on the CPU. Slow work (PDF rendering,
# batch exports) runs as jobs on the workers (roadmap.services.platform.jobs), not in these processes.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Two threads per worker: a request waiting on the database does not block the next one. Each thread holds
# at most one database connection, so a worker opens at most `threads` connections (docs/deploy.md, pool).
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
# A request that takes a minute is a bug or an attack; long work belongs in a job.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so that a slow leak in a dependency cannot grow without bound; the jitter
# keeps them from all restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# The workers' heartbeat files on a memory file system where there is one (a slow disk must not make the
# master think a busy worker is dead).
_SHM = "/dev/shm"  # noqa: S108 (gunicorn only touches its own heartbeat files there)
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The path without the query string (%(U)s, never %(r)s or %(q)s): a query may carry a search term or, from
# a careless link, a token; no header, cookie or referrer either. Status, size and time in microseconds.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(D)sus'
# The reverse proxy's address: only it may say, through X-Forwarded-Proto, that the request came over TLS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "roadmap"
# No control socket (gunicorn 24+ opens one at $HOME/.gunicorn/gunicorn.ctl by default): we do not use
# gunicornc, and every instance on a host shares that one path, so a second instance (a benchmark, a test
# server, a staging copy) takes it from the first and removes it when it stops. Signals (HUP, TERM, TTIN)
# remain the way to drive the master (docs/deploy.md).
control_socket_disable = True
wsgi_app = "app:create_app()"


# The worker's long-lived heap is frozen out of the cyclic collector's walks, and its youngest generation is
# collected less often (roadmap/web/heap.py): a full collection took 100–125 ms with that heap, 1–2 ms
# without.
def post_worker_init(worker: Any) -> None:
    heap.worker_ready()


def post_request(worker: Any, request: Any, environ: Any, response: Any) -> None:
    heap.after_request(worker.nr)  # the requests this worker has taken
