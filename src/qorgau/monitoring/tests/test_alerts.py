from __future__ import annotations

import pytest
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, MEDEU, SEMEY
from qorgau.monitoring.alerts import alerts_compute, two_sided_p
from qorgau.monitoring.models import Alert, AlertKind, IndicatorValue
from qorgau.monitoring.periods import period_parse
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db
QUARTERS = [
    "2023Q1",
    "2023Q2",
    "2023Q3",
    "2023Q4",
    "2024Q1",
    "2024Q2",
    "2024Q3",
    "2024Q4",
    "2025Q1",
]


def _series(territory, indicator, counts, population=100_000):
    now = timezone.now()
    for period, count in zip(QUARTERS, counts, strict=True):
        IndicatorValue.objects.create(
            indicator=indicator,
            territory=territory,
            period=period,
            period_kind="quarter",
            period_start=period_parse(period).start,
            numerator=count,
            denominator=population,
            value=count / population * 1e5,
            computed_at=now,
        )


def test_poisson_p_values():
    assert two_sided_p(10, 10)[0] == 1.0
    p, above = two_sided_p(30, 10)
    assert above and p < 1e-5
    p, above = two_sided_p(0, 10)
    assert not above and p < 1e-3


def test_a_fall_in_incidents_with_steady_deaths_is_flagged_as_under_registration():
    abai, semey = Territory.objects.by_code(ABAI), Territory.objects.by_code(SEMEY)
    _series(abai, "incidents_rate", [200, 210, 190, 205, 200, 195, 210, 200, 90])
    _series(abai, "domestic_homicide_rate", [2, 3, 2, 2, 3, 2, 2, 3, 3])
    _series(semey, "incidents_rate", [50, 52, 49, 51, 50, 48, 53, 50, 140])
    assert alerts_compute() >= 3
    kinds = set(Alert.objects.filter(territory=abai).values_list("kind", flat=True))
    assert {AlertKind.DROP, AlertKind.UNDER_REGISTRATION} <= kinds
    assert Alert.objects.filter(territory=semey, kind=AlertKind.SPIKE).exists()
    assert not Alert.objects.filter(territory=abai, indicator="domestic_homicide_rate").exists()


def test_a_territory_far_above_its_peers_is_flagged():
    regions = [Territory.objects.by_code(code) for code in ("100000000", "110000000", "150000000")]
    for region, count in zip(regions, (100, 105, 400), strict=True):
        _series(region, "incidents_rate", [count] * 9)
    alerts_compute()
    assert Alert.objects.filter(territory=regions[2], kind=AlertKind.PEER_HIGH).exists()
    assert not Alert.objects.filter(kind__in=[AlertKind.SPIKE, AlertKind.DROP]).exists()


def test_a_coordinator_sees_the_alerts_of_the_region_only(make_user, signed_in):
    _series(
        Territory.objects.by_code(SEMEY), "incidents_rate", [50, 52, 49, 51, 50, 48, 53, 50, 140]
    )
    _series(
        Territory.objects.by_code(MEDEU), "incidents_rate", [50, 52, 49, 51, 50, 48, 53, 50, 140]
    )
    alerts_compute()
    page = (
        signed_in(make_user(Role.AKIMAT_COORDINATOR, ABAI))
        .get("/monitoring/alerts/")
        .content.decode()
    )
    assert "Semey City" in page and "Medeu District" not in page
    national = (
        signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
        .get("/monitoring/alerts/")
        .content.decode()
    )
    assert "Semey City" in national and "Medeu District" in national
    assert (
        signed_in(make_user(Role.AUDITOR, "000000000")).get("/monitoring/alerts/").status_code
        == 403
    )


def test_the_alerts_page_costs_a_fixed_number_of_queries(
    make_user, signed_in, django_assert_max_num_queries
):
    """Territories and their parents come with the alerts (``select_related``) and the overdue
    reports in a few grouped reads: more alerts add no query."""
    client = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    for code in (SEMEY, MEDEU):
        _series(
            Territory.objects.by_code(code), "incidents_rate", [50, 52, 49, 51, 50, 48, 53, 50, 140]
        )
        alerts_compute()
        client.get("/monitoring/alerts/")
        with django_assert_max_num_queries(20):
            page = client.get("/monitoring/alerts/")
        assert page.status_code == 200
    assert Alert.objects.count() >= 2
