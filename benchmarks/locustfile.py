"""Locust scenarios for the load test of Qorgau (issue 10): three kinds of user at once.

* **Inspectors** (district police) register incidents through the API with token
  authentication (``POST /api/v1/incidents/`` with a victim and an offender) and open their
  incident list page;
* **analysts** browse the dashboards: ``/monitoring/``, ``/rating/``, ``/hidden-violence/``;
* **citizens** (no account) open the portal's report form and submit a report.

Request names carry the class of request so that ``bench_load.py`` can split the statistics:
``page:`` (a page or a read), ``write:`` (a request that stores something), ``login:``
(sign-in, done once per simulated user, Argon2 hashing on purpose), ``baseline:`` (the sign-in
page fetched anonymously: the lightest Django page through the whole middleware stack, the
floor the pages compare with) and ``static:`` (a static file served by WhiteNoise from the
same processes).

The target server is given with ``--host``. Accounts come from ``qorgau demo_accounts``
(password ``QORGAU_LOAD_PASSWORD``, default the demo password); the server must run with
``QORGAU_REQUIRE_2FA=false`` (a demo switch, refused in production) and with the citizens'
per-address rate limits raised, since every simulated citizen comes from 127.0.0.1 — see
``docs/deployment.md``, section "Load test".

Run by hand::

    .venv/bin/locust -f benchmarks/locustfile.py --headless -u 50 -r 10 -t 60s \
        --host http://127.0.0.1:8001
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

import gevent  # type: ignore[import-untyped]
from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("QORGAU_LOAD_PASSWORD", "qorgau-demo")
# Demo inspectors and the district (KATO code) each may register incidents in.
INSPECTORS = [
    (
        os.environ.get("QORGAU_LOAD_INSPECTOR", "inspector.semey"),
        os.environ.get("QORGAU_LOAD_DISTRICT", "101000000"),
    )
]
# Think time between two requests of one user, in seconds ("1,3": busy users).
WAIT = tuple(float(x) for x in os.environ.get("QORGAU_LOAD_WAIT", "1,3").split(","))
ANALYST = os.environ.get("QORGAU_LOAD_ANALYST", "analyst")
STATIC_FILE = os.environ.get("QORGAU_LOAD_STATIC", "/static/qorgau/qorgau.css")

# Every response time by class of request ("page", "write", ...), written as JSON at the end
# when QORGAU_LOAD_SAMPLES names a file: locust's CSV gives percentiles per request name only,
# and percentiles of a class cannot be merged from those. Samples taken while users are still
# being spawned or signing in (Argon2, slow on purpose) are kept apart (RAMP) from the steady
# state, which starts once every user is spawned and nobody signed in for QUIET_SECONDS, and
# lasts QORGAU_LOAD_STEADY_SECONDS (then locust stops; its own -t is only a safety limit).
SAMPLES: dict[str, list[float]] = {}
RAMP: dict[str, list[float]] = {}
FAILURES: dict[str, int] = {}
QUIET_SECONDS = 5
STEADY_SECONDS = float(os.environ.get("QORGAU_LOAD_STEADY_SECONDS", "0"))
_STEADY = {"on": False}
_WINDOW: dict[str, float] = {}  # wall-clock start and end of the steady state
_LAST_LOGIN = {"at": 0.0}
_ENV: dict[str, Any] = {}


@events.init.add_listener
def _keep_environment(environment: Any, **_kwargs: Any) -> None:
    _ENV["env"] = environment


def _wait_for_steady() -> None:
    while time.time() - _LAST_LOGIN["at"] < QUIET_SECONDS:
        gevent.sleep(1)
    _STEADY["on"] = True
    _WINDOW["start"] = time.time()
    if STEADY_SECONDS > 0:
        gevent.sleep(STEADY_SECONDS)
        _WINDOW["end"] = time.time()
        _ENV["env"].runner.quit()


@events.spawning_complete.add_listener
def _steady(**_kwargs: Any) -> None:
    gevent.spawn(_wait_for_steady)


@events.test_stop.add_listener
def _stopped(**_kwargs: Any) -> None:
    _WINDOW.setdefault("end", time.time())


@events.request.add_listener
def _record(name: str, response_time: float, exception: Any, **_kwargs: Any) -> None:
    kind = name.split(":", 1)[0]
    if kind == "login":
        _LAST_LOGIN["at"] = time.time()
    (SAMPLES if _STEADY["on"] else RAMP).setdefault(kind, []).append(response_time)
    if exception is not None:
        FAILURES[kind] = FAILURES.get(kind, 0) + 1


@events.quitting.add_listener
def _write_samples(**_kwargs: Any) -> None:
    target = os.environ.get("QORGAU_LOAD_SAMPLES")
    if target:
        Path(target).write_text(
            json.dumps({"samples": SAMPLES, "ramp": RAMP, "failures": FAILURES, "window": _WINDOW})
        )


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_OPTION = re.compile(r'<option value="(\d+)"')


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    return match.group(1) if match else ""


def sign_in(user: HttpUser, username: str) -> None:
    """Sign in through the login form, as a browser does (CSRF token, then POST)."""
    page = user.client.get("/accounts/login/", name="login: sign-in page")
    with user.client.post(
        "/accounts/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_token(page.text),
        },
        headers={"Referer": f"{user.host}/accounts/login/"},
        name="login: sign in (form)",
        catch_response=True,
    ) as response:
        if "sessionid" not in user.client.cookies:
            response.failure(f"sign-in of {username} failed (status {response.status_code})")


class Analyst(HttpUser):
    """A national analyst reading the dashboards (aggregates only)."""

    weight = 3
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        sign_in(self, ANALYST)

    @task(3)
    def monitoring(self) -> None:
        self.client.get("/monitoring/", name="page: /monitoring/")

    @task(2)
    def rating(self) -> None:
        self.client.get("/rating/", name="page: /rating/")

    @task(2)
    def hidden_violence(self) -> None:
        self.client.get("/hidden-violence/", name="page: /hidden-violence/")

    @task(1)
    def static(self) -> None:
        self.client.get(STATIC_FILE, name="static: /static/qorgau/qorgau.css")


class Inspector(HttpUser):
    """A district inspector registering incidents through the API and checking the list."""

    weight = 2
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        self.username, self.district = random.choice(INSPECTORS)
        response = self.client.post(
            "/api/v1/auth/token/",
            json={"username": self.username, "password": PASSWORD},
            name="login: API token",
        )
        token = response.json().get("token", "") if response.ok else ""
        self.headers = {"Authorization": f"Token {token}"}
        sign_in(self, self.username)

    def _person(self, sex: str) -> dict[str, Any]:
        # Names only (no IIN): the register does not try to match a person by IIN.
        number = random.randint(1, 10**9)
        return {"surname": f"Load{number}", "first_name": "Test", "sex": sex}

    @task(2)
    def register_incident(self) -> None:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        body = {
            "occurred_at": (now - dt.timedelta(hours=3)).isoformat(),
            "reported_at": now.isoformat(),
            "district": self.district,
            "settlement_type": "urban",
            "source_channel": "call_102",
            "physical": True,
            "psychological": random.random() < 0.5,
            "victims": [self._person("F")],
            "offenders": [{**self._person("M"), "relationship": "spouse"}],
            "description": "load test",
        }
        # The user also holds a browser session, so DRF's session authentication answers first
        # and asks for the CSRF token, as it would for the web page's own scripts.
        headers = {**self.headers, "X-CSRFToken": self.client.cookies.get("csrftoken", "")}
        with self.client.post(
            "/api/v1/incidents/",
            json=body,
            headers=headers,
            name="write: register incident (API)",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"status {response.status_code}: {response.text[:200]}")

    @task(2)
    def incident_list_page(self) -> None:
        self.client.get("/registry/incidents/", name="page: /registry/incidents/")

    @task(1)
    def incident_list_api(self) -> None:
        self.client.get(
            "/api/v1/incidents/", headers=self.headers, name="page: GET /api/v1/incidents/"
        )


class Citizen(HttpUser):
    """A member of the public: opens the report form, submits a report, gets a receipt."""

    weight = 2
    wait_time = between(WAIT[0] * 2, WAIT[1] * 2)  # reading and typing take longer

    @task(1)
    def baseline(self) -> None:
        # Not a citizen's page: the technical floor, the lightest page through every middleware.
        self.client.get("/accounts/login/", name="baseline: /accounts/login/ (anonymous)")

    @task(3)
    def report(self) -> None:
        form = self.client.get("/portal/report/", name="page: /portal/report/")
        districts = _OPTION.findall(form.text)
        if not districts:
            return
        with self.client.post(
            "/portal/report/",
            data={
                "csrfmiddlewaretoken": csrf_token(form.text),
                "account": "Load test: shouting and blows heard next door.",
                "district": random.choice(districts),
                "at_risk": "woman",
                "reporter": "neighbour",
                "website": "",
            },
            headers={"Referer": f"{self.host}/portal/report/"},
            name="write: citizen report (form)",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or 'id="receipt"' not in response.text:
                response.failure(f"no receipt (status {response.status_code})")
