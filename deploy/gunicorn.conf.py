"""gunicorn for meterops, configured from the environment file (deploy/meterops.env.example).

Run by deploy/meterops web, under systemd (deploy/systemd/meterops-web.service) or alone."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
# A check of a 500,000-row upload answers quickly (the worker does it); a long PDF may not.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# A worker process is replaced after this many requests, so slow leaks never build up.
max_requests = 2000
max_requests_jitter = 200
# Only nginx on this machine talks to gunicorn; its X-Forwarded-* headers are trusted
# (the application counts the proxies itself: AXES_PROXY_COUNT).
forwarded_allow_ips = "127.0.0.1,::1"
# The application writes its own JSON request lines (LOG_FORMAT=json); gunicorn's access log
# would say the same twice.
accesslog = None
errorlog = "-"
wsgi_app = "meterops.wsgi:application"


def child_exit(server, worker):
    """A web process that ended leaves its metric files to be merged, not counted as live."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
