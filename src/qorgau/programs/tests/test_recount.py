"""A re-offence after a programme is counted on the day of the completion: the nightly run
recounts that day for the re-offending indicator (``monitoring.recount``)."""

from __future__ import annotations

import datetime as dt

import pytest

from qorgau.monitoring.engine import indicators_compute
from qorgau.monitoring.models import IndicatorValue, RecountDay
from qorgau.programs.models import Enrolment, EnrolmentStatus
from qorgau.programs.tests.conftest import START, TODAY, World
from qorgau.registry import choices as c
from qorgau.registry.models import Offence

REOFFENDING = "reoffending_after_programme"


def _reoffending() -> list[tuple[object, ...]]:
    return sorted(
        IndicatorValue.objects.filter(indicator=REOFFENDING).values_list(
            "territory_id", "period", "numerator", "denominator"
        )
    )


@pytest.mark.django_db
def test_a_re_offence_after_a_programme_is_recounted_on_the_day_of_completion(
    world: World,
) -> None:
    requirement = world.requirements[0]
    completed_on = START + dt.timedelta(days=40)
    Enrolment.objects.create(
        requirement=requirement,
        offender=requirement.offender,
        district=requirement.district,
        programme=world.programme,
        status=EnrolmentStatus.COMPLETED,
        listed_on=START,
        enrolled_on=START + dt.timedelta(days=2),
        ended_on=completed_on,
    )
    indicators_compute()
    assert not RecountDay.objects.exists()
    before = _reoffending()

    Offence.objects.create(
        offender=requirement.offender,
        district=requirement.district,
        kind=c.OffenceKind.ADMINISTRATIVE,
        article="73",
        committed_on=TODAY - dt.timedelta(days=1),
    )
    noted = set(RecountDay.objects.values_list("day", "measure"))
    assert (completed_on, "programme_reoffended_12m") in noted

    summary = indicators_compute(since=TODAY - dt.timedelta(days=1))

    assert summary.recounted_from is not None and summary.recounted_from <= completed_on
    after = _reoffending()
    assert after != before  # the completion's month now counts a re-offender
    indicators_compute()
    assert _reoffending() == after

    Offence.objects.create(  # a second re-offence changes nothing already counted
        offender=requirement.offender,
        district=requirement.district,
        kind=c.OffenceKind.ADMINISTRATIVE,
        article="73",
        committed_on=TODAY,
    )
    assert not RecountDay.objects.filter(measure="programme_reoffended_12m").exists()
