"""gunicorn settings for a tinhso app server (docs/deploy.md).

Every value can be overridden from the environment file read by tinhso-web.service.
"""

import multiprocessing
import os
import shutil
from pathlib import Path

wsgi_app = "tinhso.wsgi:application"

# One machine: 127.0.0.1:8000 behind nginx on the same machine. Several machines: the app
# server's private address (e.g. 10.0.0.11:8000), reachable from nginx and Prometheus only.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous Django code: processes for CPU, a few threads each to overlap database waits.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# nginx buffers request and response bodies, so a worker is never held by a slow client;
# a request still running after this long is stuck and its worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200

# The application writes one JSON line per request itself (without query strings, which can
# carry personal data); gunicorn's access log would duplicate it with the query string.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicorn >= 25 opens a control socket in the service user's home; systemd (HUP, TERM) is how
# this server is managed, and the home directory is not writable under ProtectHome.
control_socket_disable = True

_multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def on_starting(server):
    """Start from an empty metrics directory: files left by a previous run would be added up."""
    if _multiproc_dir:
        path = Path(_multiproc_dir)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)


def child_exit(server, worker):
    """A dead worker's in-flight gauge must stop counting (its counters are kept)."""
    if _multiproc_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
