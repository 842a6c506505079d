"""Gunicorn configuration for Qorgau in production (sized for a 2-core server).

Used by ``deploy/systemd/qorgau-web.service`` and by the load test (``benchmarks/bench_load.py``)::

    gunicorn -c /srv/qorgau/app/deploy/gunicorn.conf.py qorgau.wsgi:application

(The client's address behind nginx is restored by Django itself:
``qorgau.accounts.middleware.TrustedProxyClientAddressMiddleware``, with
``QORGAU_TRUSTED_PROXIES`` from ``/etc/qorgau/qorgau.env``.)

Every value can be changed without editing this file through ``GUNICORN_*`` variables (set them
in ``/etc/qorgau/qorgau.env``).

Why these numbers: a request spends much of its time waiting for PostgreSQL, so threads keep
the CPU busy while one waits; separate processes let the two cores run Python at the same time
(one interpreter lock per process). 3 processes x 4 threads = 12 requests in progress at once,
which also bounds the PostgreSQL connections to 12 (plus the scheduled jobs), well under
PostgreSQL's default ``max_connections = 100``.
"""

from __future__ import annotations

import multiprocessing
import os

# nginx talks to gunicorn on loopback; never expose this port (nginx terminates TLS).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

worker_class = "gthread"
# cores + 1 processes: on 2 cores, 3. More processes than cores only adds context switches.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A dashboard or report page that takes longer than this is a bug to fix, not to wait for;
# PDF reports and imports run from the command line, not in a request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Seconds an idle connection from nginx stays open (nginx reuses them: upstream keepalive).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# No periodic recycling of processes by default: a register import runs in a background thread
# of the process that received the upload, and recycling would cut it off (the import can be
# re-run, but an operator should not have to). Set e.g. 2000 if memory ever grows.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = 200

# nginx on the same host sets X-Forwarded-Proto; trust it only from loopback.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to the journal (systemd captures stdout/stderr). The access log omits the query
# string on purpose: it may carry filters naming a district or a person's record number.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Do not preload: each process opens its own database connections after the fork.
preload_app = False
proc_name = "qorgau"
