"""The review panel at work, in a real Chromium, in Kazakh.

Aigul's death in Semey has opened its review (``reviews/tests/conftest.py``). Abai's police
supervisor ``police.abai``, who keeps the region's reviews, finds the summaries in the main
menu and his reviews from there, filters the open ones, opens the review, reads its timeline
(and assembles it again: nothing is duplicated), records a coded finding and a recommendation
for the Semey police with a deadline, moves it to "in progress", closes the review with its
summary and finds the anonymised summary published: region and year, the finding by its label,
no person, no incident, no order. Elements are found by id and name.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI
from qorgau.reviews.models import Finding, Recommendation, ReviewStatus
from qorgau.reviews.opening import review_open_for_new_cases
from qorgau.reviews.tests.conftest import Story
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import assert_in_language, translated

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LANGUAGE = "kk"
SUMMARY = "Абай облысы, 2025: тексеру нәтижесіз болды, бұзушылыққа шара қолданылмады."


def _submit(page, form: str) -> None:
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def test_the_panel_reviews_a_death_and_publishes_its_summary(browser_page, make_user, story: Story):
    page = browser_page
    review = review_open_for_new_cases(as_of=timezone.localdate())[0]
    entries = review.timeline.count()
    make_user(Role.POLICE_SUPERVISOR, ABAI, username="police.abai")

    sign_in(page, "police.abai", LANGUAGE)
    page.click("nav.menu a[href='/serious-case-reviews/summaries/']")
    assert_in_language(page, LANGUAGE, "Serious-case reviews: published summaries")
    assert translated("No review has been closed yet.", LANGUAGE) in page.inner_text("main")
    page.click("main a[href='/serious-case-reviews/']")
    assert_in_language(page, LANGUAGE, "Serious-case reviews")
    page.select_option("#status", ReviewStatus.OPEN)
    _submit(page, "main form[method=get]")
    page.wait_for_url("**/serious-case-reviews/?status=open")
    page.click(f"main a[href='/serious-case-reviews/{review.pk}/']")
    page.wait_for_url(f"**/serious-case-reviews/{review.pk}/")
    assert review.reference in page.inner_text("h1")
    assert page.inner_text("#review-status") == translated("open", LANGUAGE)

    timeline = page.inner_text("#timeline")
    assert translated("Timeline", LANGUAGE) in timeline
    assert "PO-1" in timeline and story.victim.label in timeline
    assert translated("protective order issued", LANGUAGE) in timeline
    assert "Semey crisis centre" in timeline  # who saw the referral
    assert page.locator("#timeline tbody tr").count() == entries
    _submit(page, "form[action$='/timeline/']")
    assert page.locator("#timeline tbody tr").count() == entries  # replaced, not duplicated

    page.select_option("#finding_code", "failed_check")
    page.fill("#finding_text", "18 қаңтардағы тексеру нәтижесіз, шара қолданылмады.")
    _submit(page, "form[action$='/findings/']")
    findings = page.inner_text("#findings")
    assert translated("check failed or missed", LANGUAGE) in findings
    assert "18 қаңтардағы" in findings
    assert Finding.objects.get().code == "failed_check"

    deadline = timezone.localdate() + dt.timedelta(days=60)
    page.fill("#recommendation_text", "Нәтижесіз тексеруге бір күн ішінде шара қолдану.")
    page.select_option("#recommendation_owner", str(story.police.pk))
    page.fill("#recommendation_deadline", deadline.isoformat())
    _submit(page, "form[action$='/recommendations/']")
    recommendation = Recommendation.objects.get()
    assert (recommendation.owner, recommendation.deadline) == (story.police, deadline)
    shown = page.inner_text("#recommendations")
    assert recommendation.reference in shown and "Semey police" in shown

    status_form = f"form[action$='/recommendations/{recommendation.pk}/status/']"
    page.select_option(f"#rec{recommendation.pk}_status", "in_progress")
    page.fill(f"#rec{recommendation.pk}_progress_note", "Бұйрық шықты.")
    _submit(page, status_form)
    shown = page.inner_text("#recommendations")
    assert translated("in progress", LANGUAGE) in shown and "Бұйрық шықты." in shown

    page.fill("#close_summary", SUMMARY)
    _submit(page, "form[action$='/close/']")
    assert page.inner_text("#review-status") == translated("closed, summary published", LANGUAGE)
    assert SUMMARY in page.inner_text("#summary")
    assert page.locator("form[action$='/findings/']").count() == 0  # closed: nothing more
    review.refresh_from_db()
    assert review.status == ReviewStatus.CLOSED

    page.goto("/serious-case-reviews/summaries/")
    published = page.inner_text("main")
    assert review.reference in published and SUMMARY in published and "2025" in published
    assert translated("check failed or missed", LANGUAGE) in published
    assert "Нәтижесіз тексеруге" in published
    for hidden in (story.victim.label, story.offender.label, story.death.label, "PO-1"):
        assert hidden not in published
