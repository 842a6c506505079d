"""The WSGI entry point of production: Qorgau behind nginx on the same host.

Behind a reverse proxy every request reaches gunicorn from 127.0.0.1, so ``REMOTE_ADDR`` would
be the proxy's address for everybody: the audit trail would record 127.0.0.1 for every action
and the public portal's per-address rate limits (``qorgau.citizens.services.rate_limit_hit``)
would count the whole country as one client. nginx passes the client's address in
``X-Real-IP`` (``deploy/nginx/qorgau.conf``); this wrapper puts it back in ``REMOTE_ADDR``, but
only when the request really comes from a trusted proxy, since anybody can send the header.

Served as ``gunicorn -c deploy/gunicorn.conf.py proxied_wsgi:application`` (the configuration
puts this folder on the Python path). Trusted proxies: ``QORGAU_TRUSTED_PROXIES``,
comma-separated, default loopback.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Iterable
from typing import Any

from qorgau.wsgi import application as django_application

TRUSTED = frozenset(
    item.strip()
    for item in os.environ.get("QORGAU_TRUSTED_PROXIES", "127.0.0.1,::1").split(",")
    if item.strip()
)


def _valid_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    real = environ.get("HTTP_X_REAL_IP", "").strip()
    if environ.get("REMOTE_ADDR") in TRUSTED and real and _valid_address(real):
        environ["REMOTE_ADDR"] = real
    return django_application(environ, start_response)
