"""Dashboards open on the latest ended year with data and on the user's own territory; alerts
test ended quarters only.

Coordination deadlines in the next year used to create indicator values dated in the future,
and the dashboards, the map and the report form opened on that empty year.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, COUNTRY, SEMEY
from qorgau.monitoring import selectors
from qorgau.monitoring.alerts import alerts_compute
from qorgau.monitoring.models import Alert, AlertKind, IndicatorValue
from qorgau.monitoring.periods import period_parse, quarter
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year


def _value(code: str, period: str, indicator: str = "incidents_rate", count: float = 50) -> None:
    parsed = period_parse(period)
    IndicatorValue.objects.create(
        indicator=indicator,
        territory=Territory.objects.by_code(code),
        period=period,
        period_kind=parsed.kind,
        period_start=parsed.start,
        numerator=count,
        denominator=100_000,
        value=count / 1000,
        computed_at=timezone.now(),
    )


def _years(*years: int) -> None:
    for year in years:
        for code in (COUNTRY, ABAI, SEMEY):
            _value(code, str(year))


def test_the_default_year_is_the_latest_ended_one_never_the_current_or_a_future_one():
    _years(THIS_YEAR - 2, THIS_YEAR - 1, THIS_YEAR)
    _value(COUNTRY, str(THIS_YEAR + 1), "decisions_executed_on_time", 0)
    assert selectors.latest_year() == period_parse(str(THIS_YEAR - 1))


def test_with_data_only_in_the_current_year_it_is_the_default_and_a_future_year_never_is():
    _value(COUNTRY, str(THIS_YEAR + 1), "decisions_executed_on_time", 0)
    assert selectors.latest_year() is None
    _years(THIS_YEAR)
    assert selectors.latest_year() == period_parse(str(THIS_YEAR))


def test_a_year_is_complete_only_after_its_last_day():
    year = period_parse("2025")
    assert not selectors.is_complete(year, dt.date(2025, 12, 31))
    assert selectors.is_complete(year, dt.date(2026, 1, 1))


def test_the_trend_stops_at_the_current_year():
    _years(THIS_YEAR - 1, THIS_YEAR, THIS_YEAR + 1)
    country = Territory.objects.by_code(COUNTRY)
    periods = [v.period for v in selectors.trend("incidents_rate", country)]
    assert periods == [str(THIS_YEAR - 1), str(THIS_YEAR)]


def test_the_national_dashboard_opens_on_the_last_ended_year(make_user, signed_in):
    _years(THIS_YEAR - 1, THIS_YEAR, THIS_YEAR + 1)
    client = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    response = client.get("/monitoring/")
    assert response.status_code == 200
    assert response.context["territory"].kato_code == COUNTRY
    assert response.context["period"].code == str(THIS_YEAR - 1)
    assert response.context["units"], "the map of the default year has its regions"
    assert f"· {THIS_YEAR + 1}<" not in response.content.decode()


def test_a_chosen_period_that_has_not_ended_is_marked(make_user, signed_in):
    _years(THIS_YEAR - 1, THIS_YEAR)
    client = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    assert "has not ended yet" in client.get(f"/monitoring/?period={THIS_YEAR}").content.decode()
    assert "has not ended yet" not in client.get("/monitoring/").content.decode()


def test_a_regional_coordinator_lands_on_the_region_and_can_still_open_the_country(
    make_user, signed_in
):
    _years(THIS_YEAR - 1)
    client = signed_in(make_user(Role.AKIMAT_COORDINATOR, ABAI))
    response = client.get("/monitoring/")
    assert response.context["territory"].kato_code == ABAI
    assert [v.territory.kato_code for v in response.context["units"]] == [SEMEY]
    country = Territory.objects.by_code(COUNTRY)
    assert f'href="/monitoring/territory/{country.pk}/"' in response.content.decode()
    national = client.get(f"/monitoring/territory/{country.pk}/")
    assert national.context["territory"].kato_code == COUNTRY


def test_the_report_form_defaults_to_the_last_ended_year(make_user, signed_in):
    _years(THIS_YEAR - 1, THIS_YEAR, THIS_YEAR + 1)
    client = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    form = client.get("/reports/").context["form"]
    assert form.initial["period"] == str(THIS_YEAR - 1)


def _quarters(count: int) -> list[str]:
    """The last ``count`` ended quarters and the running one, oldest first."""
    today = timezone.localdate()
    number = (today.month - 1) // 3 + 1
    year = today.year
    codes: list[str] = []
    for _ in range(count + 1):
        codes.insert(0, quarter(year, number).code)
        year, number = (year, number - 1) if number > 1 else (year - 1, 4)
    return codes


def test_alerts_test_the_last_ended_quarter_not_the_running_one():
    *ended, running = _quarters(8)
    for code in ended:
        _value(SEMEY, code, count=50)
    _value(SEMEY, running, count=5)  # a third of the quarter counted so far
    assert alerts_compute() == 0
    assert not Alert.objects.filter(period=running).exists()
    with pytest.raises(ValueError, match="has not ended"):
        alerts_compute(quarter=running)


def test_an_alert_left_on_a_running_quarter_is_withdrawn_and_marked_until_then(
    make_user, signed_in
):
    *ended, running = _quarters(8)
    for code in ended:
        _value(SEMEY, code, count=50)
    Alert.objects.create(
        territory=Territory.objects.by_code(SEMEY),
        indicator="incidents_rate",
        period=running,
        kind=AlertKind.DROP,
        observed=5,
        expected=50,
        p_value=1e-9,
        computed_at=timezone.now(),
    )
    client = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    assert "period not ended" in client.get("/monitoring/alerts/").content.decode()
    alerts_compute()
    assert not Alert.objects.filter(period=running).exists()
