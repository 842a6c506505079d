"""Who saw what, and when: a timeline entry names the officer its source row names.

Semey's inspector Aliya Nurlanova recorded January's incident and checked the order; another
officer, who gave no full name, assessed the risk. A case conference names no officer: its
entries say the agency only: the page shows "—", the API null. The officer is read with the
entries, never one query per row.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qorgau.accounts.models import User
from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, SEMEY
from qorgau.registry.models import Incident, OrderCheckIn, RiskAssessment
from qorgau.reviews.models import SeriousCaseReview, Source, TimelineEntry
from qorgau.reviews.opening import review_open_for_new_cases
from qorgau.reviews.tests.conftest import Story

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2025, 3, 10)
FIRST_INCIDENT = dt.date(2025, 1, 10)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: AS_OF)


@pytest.fixture
def officers(story: Story, make_user) -> dict[str, User]:
    inspector = make_user(
        Role.POLICE_INSPECTOR,
        SEMEY,
        username="inspector-semey",
        first_name="Aliya",
        last_name="Nurlanova",
    )
    assessor = make_user(Role.POLICE_INSPECTOR, SEMEY, username="assessor-semey")
    Incident.objects.exclude(pk=story.death.pk).update(created_by=inspector)
    OrderCheckIn.objects.update(checked_by=inspector)
    RiskAssessment.objects.update(assessed_by=assessor)
    return {"inspector": inspector, "assessor": assessor}


@pytest.fixture
def review(officers: dict[str, User]) -> SeriousCaseReview:
    return review_open_for_new_cases(as_of=AS_OF)[0]


@pytest.fixture
def keeper(make_user) -> User:
    return make_user(Role.AKIMAT_COORDINATOR, ABAI, username="coord-abai")


def _entry(review: SeriousCaseReview, source: str, **kw) -> TimelineEntry:
    return review.timeline.filter(source=source, **kw).first()  # type: ignore[return-value]


def test_the_timeline_names_the_officer_each_source_row_names(review, officers):
    incident = _entry(review, Source.INCIDENT, day=FIRST_INCIDENT)
    assert incident.officer == officers["inspector"]
    assert _entry(review, Source.ORDER_CHECK).officer == officers["inspector"]
    assert _entry(review, Source.RISK).officer == officers["assessor"]
    conference = _entry(review, Source.CONFERENCE)
    assert conference.officer is None and conference.territory is not None  # the agency only
    death = _entry(review, Source.INCIDENT, day=dt.date(2025, 3, 1))
    assert death.officer is None  # recorded by an import that named nobody


def _row(page: str, reference: str) -> str:
    """The timeline row of the record ``reference``, its cells' text joined by "|"."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        if f"<td>{reference}</td>" in row:
            return "|".join(re.findall(r"<td>(.*?)</td>", row, flags=re.S))
    raise AssertionError(f"no timeline row for {reference}")


def test_the_review_page_shows_the_officer_or_a_dash(review, keeper, signed_in):
    page = signed_in(keeper).get(f"/serious-case-reviews/{review.pk}/").content.decode()
    risk = _entry(review, Source.RISK)
    assert "|assessor-semey|" in _row(page, risk.reference)  # no full name: the user name
    conference = _entry(review, Source.CONFERENCE)
    row = _row(page, conference.reference)
    assert "coordinating body" in row and row.split("|")[5] == "—"


def test_the_api_returns_the_officer(review, keeper, signed_in):
    entries = signed_in(keeper).get(f"/api/v1/reviews/{review.pk}/timeline/").json()
    officer = {(e["source"], e["day"]): e["officer"] for e in entries}
    assert officer[(Source.INCIDENT, FIRST_INCIDENT.isoformat())] == "Aliya Nurlanova"
    assert officer[(Source.RISK, "2025-01-11")] == "assessor-semey"
    conference = next(e for e in entries if e["source"] == Source.CONFERENCE)
    assert conference["officer"] is None and conference["who"]


@pytest.mark.parametrize("url", ["/serious-case-reviews/{pk}/", "/api/v1/reviews/{pk}/timeline/"])
def test_officers_cost_no_query_per_entry(review, officers, keeper, signed_in, url):
    client = signed_in(keeper)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url.format(pk=review.pk)).status_code == 200
    review.timeline.update(officer=officers["assessor"])
    with CaptureQueriesContext(connection) as every:
        assert client.get(url.format(pk=review.pk)).status_code == 200
    assert review.timeline.count() > 10
    assert len(every.captured_queries) == len(few.captured_queries)
