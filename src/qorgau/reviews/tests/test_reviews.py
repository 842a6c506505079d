"""Serious-case reviews: opened by every death or near-death, once; a timeline from every register
and service; the panel's findings and recommendations; the access layer's wall and the audit
trail; the measure that counts what recurs.

Personas: the coordinator of Abai keeps Semey's reviews, Abai's police supervisor too; the
coordinator of Almaty must see nothing of them; the national analyst reads the summaries and
indicators only; a district inspector keeps no reviews.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditEntry
from qorgau.conftest import ABAI, ALMATY_CITY, COUNTRY, SEMEY
from qorgau.registry.models import Incident, Offence
from qorgau.reviews import services
from qorgau.reviews.measures import review_findings
from qorgau.reviews.models import (
    Finding,
    FindingCode,
    Harm,
    OpenedHow,
    Recommendation,
    ReviewStatus,
    SeriousCaseReview,
    Source,
)
from qorgau.reviews.opening import review_open_for_new_cases
from qorgau.reviews.tests.conftest import DEATH_DAY, Story, incident

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2025, 3, 10)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: AS_OF)


@pytest.fixture
def panel(make_user):
    return {
        "coordinator": make_user(Role.AKIMAT_COORDINATOR, ABAI, username="coord-abai"),
        "supervisor": make_user(Role.POLICE_SUPERVISOR, ABAI, username="police-abai"),
        "outsider": make_user(Role.AKIMAT_COORDINATOR, ALMATY_CITY, username="coord-almaty"),
        "analyst": make_user(Role.NATIONAL_ANALYST, COUNTRY, username="analyst"),
        "inspector": make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector"),
    }


# --- opening --------------------------------------------------------------------------------


def test_a_death_opens_one_review_and_a_second_run_opens_none(story: Story):
    opened = review_open_for_new_cases(as_of=AS_OF)
    assert len(opened) == 1
    review = opened[0]
    assert (review.victim, review.offender, review.incident) == (
        story.victim,
        story.offender,
        story.death,
    )
    assert review.harm == Harm.DEATH and review.event_on == DEATH_DAY
    assert review.opened_how == OpenedHow.AUTOMATIC and review.district == story.semey
    assert review_open_for_new_cases(as_of=AS_OF) == []
    assert SeriousCaseReview.objects.count() == 1


def test_nothing_is_opened_before_the_event_or_for_lesser_harm(story: Story):
    assert review_open_for_new_cases(as_of=DEATH_DAY - dt.timedelta(days=1)) == []
    incident(story.victim, story.offender, story.semey, dt.date(2025, 3, 2), injury="moderate")
    assert len(review_open_for_new_cases(as_of=AS_OF)) == 1  # the death only


def test_grave_harm_opens_a_near_death_review(story: Story):
    grave = incident(story.victim, story.offender, story.semey, dt.date(2025, 3, 3), injury="grave")
    harms = {r.incident_id: r.harm for r in review_open_for_new_cases(as_of=AS_OF)}
    assert harms == {story.death.pk: Harm.DEATH, grave.pk: Harm.NEAR_DEATH}


def test_a_homicide_offence_opens_a_review_where_the_injury_field_says_less(story: Story):
    item = incident(story.victim, story.offender, story.semey, dt.date(2025, 2, 20), injury="light")
    Offence.objects.create(
        incident=item,
        district=story.semey,
        offender=story.offender,
        kind="criminal",
        article="106 ч.1",
        committed_on=dt.date(2025, 2, 20),
    )
    harms = {r.incident_id: r.harm for r in review_open_for_new_cases(as_of=AS_OF)}
    assert harms[item.pk] == Harm.NEAR_DEATH


# --- the timeline -----------------------------------------------------------------------------


def test_the_timeline_holds_every_register_and_service_up_to_the_event(story: Story):
    review = review_open_for_new_cases(as_of=AS_OF)[0]
    entries = list(review.timeline.all())
    sources = {entry.source for entry in entries}
    assert {
        Source.INCIDENT,
        Source.ORDER,
        Source.ORDER_SERVED,
        Source.ORDER_CHECK,
        Source.ORDER_VIOLATION,
        Source.RISK,
        Source.OFFENCE,
        Source.REFERRAL,
        Source.CONFERENCE,
        Source.SAFETY_ACTION,
        Source.REQUIREMENT,
        Source.ENROLMENT,
        Source.CITIZEN_REPORT,
    } <= sources
    assert all(entry.day <= DEATH_DAY for entry in entries)  # the check-in of 5 March is not
    assert [e.day for e in entries if e.source == Source.ORDER_CHECK] == [dt.date(2025, 1, 18)]
    referral = next(e for e in entries if e.source == Source.REFERRAL)
    assert referral.organisation == story.crisis  # who saw it: the receiving agency
    enrolment = next(e for e in entries if e.source == Source.ENROLMENT)
    assert enrolment.organisation == story.provider and enrolment.subject == "offender"
    references = {e.person_reference for e in entries}
    assert references == {story.victim.label, story.offender.label}


def test_the_timeline_can_be_assembled_again_without_duplicates(story: Story, panel):
    review = review_open_for_new_cases(as_of=AS_OF)[0]
    before = review.timeline.count()
    assert services.review_timeline_refresh(actor=panel["coordinator"], review=review) == before
    assert review.timeline.count() == before


# --- the panel ------------------------------------------------------------------------------


def test_findings_recommendations_and_closure(story: Story, panel):
    review = review_open_for_new_cases(as_of=AS_OF)[0]
    keeper = panel["coordinator"]
    with pytest.raises(ValidationError):
        services.review_close(actor=keeper, review=review, summary="…")  # no finding yet
    services.finding_record(
        actor=keeper, review=review, code=FindingCode.FAILED_CHECK, text="Breach on 18 Jan."
    )
    services.finding_record(
        actor=keeper, review=review, code=FindingCode.MISSED_RISK, text="Medium, not high."
    )
    recommendation = services.recommendation_record(
        actor=keeper,
        review=review,
        owner=story.police,
        deadline=dt.date(2025, 6, 1),
        text="Act on every failed check within a day.",
    )
    with pytest.raises(ValidationError):
        services.recommendation_record(
            actor=keeper, review=review, owner=story.police, deadline=dt.date(2025, 1, 1), text="x"
        )
    with pytest.raises(PermissionDenied):
        services.finding_record(actor=panel["inspector"], review=review, code="other", text="x")
    services.review_close(actor=keeper, review=review, summary="A woman killed in Abai, 2025.")
    review.refresh_from_db()
    assert review.status == ReviewStatus.CLOSED
    with pytest.raises(ValidationError):
        services.finding_record(actor=keeper, review=review, code="other", text="late")
    services.recommendation_update(actor=keeper, recommendation=recommendation, status="done")
    recommendation.refresh_from_db()
    assert recommendation.completed_on == AS_OF and recommendation.on_time


def test_a_review_opened_by_hand_for_an_incident_in_scope(story: Story, panel):
    item = incident(
        story.victim, story.offender, story.semey, dt.date(2025, 2, 25), injury="moderate"
    )
    opened = services.review_open(actor=panel["supervisor"], incident_pk=item.pk, harm="grave")
    assert opened[0].opened_how == OpenedHow.BY_HAND and opened[0].opened_by == panel["supervisor"]
    with pytest.raises(ValidationError):  # the victim of this incident has her review
        services.review_open(actor=panel["supervisor"], incident_pk=item.pk, harm="grave")


# --- access and audit -----------------------------------------------------------------------


def test_reviews_are_seen_in_their_region_only_and_refusals_are_audited(story, panel, signed_in):
    review = review_open_for_new_cases(as_of=AS_OF)[0]
    url = f"/serious-case-reviews/{review.pk}/"
    assert signed_in(panel["coordinator"]).get(url).status_code == 200
    assert signed_in(panel["supervisor"]).get(url).status_code == 200
    assert signed_in(panel["outsider"]).get(url).status_code == 404
    refused = AuditEntry.objects.filter(
        object_type="reviews.seriouscasereview", object_id=str(review.pk), actor=panel["outsider"]
    ).get()
    assert refused.details == {"outside_scope": True, "refused": True}
    for role in ("analyst", "inspector"):
        assert signed_in(panel[role]).get(url).status_code == 403
        assert signed_in(panel[role]).get("/serious-case-reviews/").status_code == 403
    outsider_list = signed_in(panel["outsider"]).get("/serious-case-reviews/").content.decode()
    assert review.reference not in outsider_list


def test_every_view_of_a_review_is_audited_under_the_review_and_the_victim(story, panel, signed_in):
    review = review_open_for_new_cases(as_of=AS_OF)[0]
    signed_in(panel["coordinator"]).get(f"/serious-case-reviews/{review.pk}/")
    seen = AuditEntry.objects.filter(actor=panel["coordinator"], action="view")
    assert seen.filter(object_type="reviews.seriouscasereview", object_id=str(review.pk)).exists()
    assert seen.filter(object_type="registry.person", object_id=str(story.victim.pk)).exists()


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_pages_in_each_language(story, panel, signed_in, language):
    review = review_open_for_new_cases(as_of=AS_OF)[0]
    client = signed_in(panel["coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    base = f"/serious-case-reviews/{review.pk}"
    response = client.post(f"{base}/findings/", {"code": "no_referral", "text": "Too late."})
    assert response.status_code == 302
    client.post(
        f"{base}/recommendations/",
        {"text": "Refer the same day.", "owner": story.crisis.pk, "deadline": "2025-05-01"},
    )
    recommendation = Recommendation.objects.get()
    client.post(
        f"/serious-case-reviews/recommendations/{recommendation.pk}/status/",
        {"status": "in_progress"},
    )
    page = client.get(f"{base}/").content.decode()
    assert f'lang="{language}"' in page
    assert "Too late." in page and "Refer the same day." in page and "PO-1" in page
    assert story.victim.label in page and "None" not in page
    assert (
        "Semey crisis centre" in page and "Semey centre" in page
    )  # who saw the referral, the programme
    assert not re.search(r">[^<]*\b(no_referral|dropped_out)\b", page)  # codes shown as words
    client.post(f"{base}/close/", {"summary": "Killed after a failed check."})
    assert SeriousCaseReview.objects.get().status == ReviewStatus.CLOSED
    listing = client.get("/serious-case-reviews/").content.decode()
    assert review.reference in listing


def test_the_published_summaries_name_no_person(story, panel, signed_in):
    review = review_open_for_new_cases(as_of=AS_OF)[0]
    keeper = panel["coordinator"]
    services.finding_record(actor=keeper, review=review, code="no_conference", text="x")
    services.review_close(actor=keeper, review=review, summary="Published text.")
    page = signed_in(panel["analyst"]).get("/serious-case-reviews/summaries/").content.decode()
    assert "Published text." in page and "2025" in page
    assert story.victim.label not in page and story.offender.label not in page
    assert story.death.label not in page and "PO-1" not in page
    assert signed_in(panel["outsider"]).get("/serious-case-reviews/summaries/").status_code == 200


# --- the measure ----------------------------------------------------------------------------


def test_the_measure_counts_findings_by_code_on_the_event_day(story: Story, panel):
    review = review_open_for_new_cases(as_of=AS_OF)[0]
    keeper = panel["coordinator"]
    for code in ("missed_risk", "missed_risk", "no_order"):
        services.finding_record(actor=keeper, review=review, code=code, text="x")
    rows = list(review_findings(None))
    assert sorted(row.fields["code"] for row in rows) == ["missed_risk", "missed_risk", "no_order"]
    assert {(row.day, row.district_id) for row in rows} == {(DEATH_DAY, story.semey.pk)}
    assert list(review_findings(DEATH_DAY + dt.timedelta(days=1))) == []
    assert Finding.objects.count() == 3 and Incident.objects.count() == 2


# --- the synthetic part -------------------------------------------------------------------------


def test_the_synthetic_part_opens_what_is_owed_and_clears_only_synthetic_reviews(story: Story):
    from qorgau.reviews import synthesis
    from qorgau.synth.models import SynthRun

    assert synthesis.synthesise(seed=1) == {"reviews": 0, "timeline_entries": 0}  # no run yet
    SynthRun.objects.create(seed=1, first_year=2025, last_year=2025, scale=0.01, last_day=AS_OF)
    synthetic = incident(story.victim, story.offender, story.semey, dt.date(2025, 3, 2))
    Incident.objects.filter(pk=synthetic.pk).update(source="synth", injury="grave")
    written = synthesis.synthesise(seed=1)
    assert written["reviews"] == 2 and written["timeline_entries"] > 10
    synthesis.clear()
    assert list(SeriousCaseReview.objects.values_list("incident_id", flat=True)) == [story.death.pk]


def test_an_import_or_a_registration_opens_the_reviews_it_owes_at_once(story: Story):
    from qorgau.registry.models import IncidentParticipant
    from qorgau.registry.signals import records_stored

    records_stored.send(Incident, pks=[story.death.pk])  # as the incident import sends it
    assert SeriousCaseReview.objects.get().incident == story.death
    grave = incident(story.victim, story.offender, story.semey, dt.date(2025, 3, 3), injury="grave")
    light = incident(story.victim, story.offender, story.semey, dt.date(2025, 3, 4), injury="light")
    participants = IncidentParticipant.objects.filter(incident__in=[grave, light])
    records_stored.send(IncidentParticipant, pks=[p.pk for p in participants])  # a registration
    assert set(SeriousCaseReview.objects.values_list("incident_id", flat=True)) == {
        story.death.pk,
        grave.pk,
    }


def test_an_import_batch_is_judged_by_the_rows_it_sends(story: Story):
    """The import sends the rows it created: only their injuries can owe a review (no offence
    names a row that did not exist), so a batch without a grave one reads nothing back."""
    from types import SimpleNamespace

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qorgau.registry.signals import records_stored

    grave = incident(story.victim, story.offender, story.semey, dt.date(2025, 3, 3), injury="grave")
    light = incident(story.victim, story.offender, story.semey, dt.date(2025, 3, 4), injury="light")
    with CaptureQueriesContext(connection) as light_only:
        records_stored.send(
            Incident, pks=[light.pk], records=[SimpleNamespace(pk=light.pk, injury=light.injury)]
        )
    assert not SeriousCaseReview.objects.exists()
    assert not [q for q in light_only.captured_queries if "reviews_" in q["sql"]]
    sent = [SimpleNamespace(pk=i.pk, injury=i.injury) for i in (grave, light)]
    records_stored.send(Incident, pks=[grave.pk, light.pk], records=sent)
    assert list(SeriousCaseReview.objects.values_list("incident_id", flat=True)) == [grave.pk]


def test_the_command_opens_what_is_owed_and_says_how_many(story: Story):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("reviews", "open", "--as-of", "2025-03-10", stdout=out)
    assert out.getvalue().startswith("1 ") and SeriousCaseReview.objects.count() == 1
    call_command("reviews", "open", stdout=out)  # today: nothing more
    assert SeriousCaseReview.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("reviews", "open", "--as-of", "10.03.2025")


def test_the_review_page_repeats_no_id(story: Story, panel, signed_in):
    """The finding's and the recommendation's ``text``, and each recommendation's status form,
    have ids of their own, so that every label names its own field."""
    review = review_open_for_new_cases(as_of=AS_OF)[0]
    for text in ("Serve every order.", "Check within a day."):
        services.recommendation_record(
            actor=panel["coordinator"],
            review=review,
            owner=story.police,
            deadline=dt.date(2025, 6, 1),
            text=text,
        )
    first = Recommendation.objects.order_by("pk").first()
    assert first is not None
    services.recommendation_update(
        actor=panel["coordinator"], recommendation=first, status="in_progress"
    )
    page = signed_in(panel["coordinator"]).get(f"/serious-case-reviews/{review.pk}/")
    ids = re.findall(r'\bid="([^"]+)"', page.content.decode())
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {"finding_text", "recommendation_text", f"rec{first.pk}_status"} <= set(ids)
    assert re.search(
        rf'id="rec{first.pk}_status">.*?<option value="in_progress" selected>',
        page.content.decode(),
        re.S,
    )
