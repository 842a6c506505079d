"""Series breaks as data (monitoring/data/series_breaks.yaml): alerts compare like with like
across a change of the law, and trend charts mark the break."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, SEMEY
from qorgau.monitoring import charts
from qorgau.monitoring.alerts import alerts_compute
from qorgau.monitoring.breaks import breaks_load, breaks_of, breaks_parse, comparable, straddles
from qorgau.monitoring.catalogue import CatalogueError, catalogue_load
from qorgau.monitoring.models import Alert, AlertKind, IndicatorValue
from qorgau.monitoring.periods import period_parse
from qorgau.territory.models import Level, Territory

pytestmark = pytest.mark.django_db
BEFORE = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2"]
AFTER = ["2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3"]
TODAY = dt.date(2026, 1, 15)


def _series(territory, indicator, counts: dict[str, float], kind: str = "quarter") -> None:
    now = timezone.now()
    for period, count in counts.items():
        IndicatorValue.objects.create(
            indicator=indicator,
            territory=territory,
            period=period,
            period_kind=kind,
            period_start=period_parse(period).start,
            numerator=count,
            denominator=100_000,
            value=count,
            computed_at=now,
        )


def _jump(after: list[str], high: float = 250) -> dict[str, float]:
    """About 100 a quarter before June 2024 and ``high`` after; the straddling quarter between."""
    counts = dict.fromkeys(BEFORE[:-1], 100.0) | {"2024Q2": 130.0}
    return counts | dict.fromkeys(after, high)


def test_the_2024_recriminalisation_is_a_break_of_criminal_offences_only():
    [recriminalisation] = breaks_of("criminal_offences_rate")
    assert (recriminalisation.date, recriminalisation.act) == (dt.date(2024, 6, 16), "law-72-viii")
    assert breaks_of("incidents_rate") == ()
    with translation.override("ru"):
        assert "72-VIII" in recriminalisation.label() and "72-VIII" in recriminalisation.act_name
    assert straddles("2024Q2", (recriminalisation,)) and straddles("2024", (recriminalisation,))
    assert not straddles("2024Q3", (recriminalisation,))
    assert comparable("2024Q3", "2025Q1", (recriminalisation,))
    assert not comparable("2024Q1", "2025Q1", (recriminalisation,))
    assert not comparable("2024Q2", "2024Q1", (recriminalisation,))


def test_a_break_names_a_known_act_and_known_indicators():
    good = {
        "code": "x",
        "date": dt.date(2024, 6, 16),
        "act": "law-72-viii",
        "indicators": ["criminal_offences_rate"],
        "title": {"kk": "a", "ru": "b", "en": "c"},
    }
    assert breaks_parse({"breaks": [good]})[0].indicators == ("criminal_offences_rate",)
    for wrong in ({"act": "no-such-law"}, {"indicators": ["nothing"]}, {"title": {"en": "c"}}):
        with pytest.raises(CatalogueError):
            breaks_parse({"breaks": [{**good, **wrong}]})
    assert len(breaks_load()) >= 2


def test_no_spike_across_the_break_but_one_within_the_new_series():
    region = Territory.objects.by_code(ABAI)
    _series(region, "criminal_offences_rate", _jump(AFTER[:3]))
    # The same figures for an indicator without a break: the jump is a spike there.
    _series(region, "orders_rate", _jump(AFTER[:3]))
    alerts_compute(quarter="2025Q1", today=TODAY)
    assert not Alert.objects.filter(indicator="criminal_offences_rate").exists()
    assert Alert.objects.filter(indicator="orders_rate", kind=AlertKind.SPIKE).exists()
    # The first quarter under the new law has no comparable history: no alert either.
    alerts_compute(quarter="2024Q3", today=TODAY)
    assert not Alert.objects.filter(indicator="criminal_offences_rate").exists()
    # Once the new series has four quarters, a real rise is found against them alone.
    IndicatorValue.objects.filter(indicator="criminal_offences_rate").delete()
    _series(region, "criminal_offences_rate", _jump(AFTER[:4]) | {"2025Q3": 400.0})
    alerts_compute(quarter="2025Q3", today=TODAY)
    spike = Alert.objects.get(indicator="criminal_offences_rate", kind=AlertKind.SPIKE)
    assert spike.expected == 250.0  # the four quarters after the break, not the ones before


def test_the_trend_chart_marks_the_break():
    indicator = catalogue_load().get("criminal_offences_rate")
    marks = charts.break_marks(indicator, ["2022", "2023", "2024", "2025"])
    assert [m["period"] for m in marks] == ["2024"]
    assert charts.break_marks(indicator, ["2025", "2026"]) == []
    assert charts.break_marks(catalogue_load().get("incidents_rate"), ["2023", "2024"]) == []
    semey = Territory.objects.by_code(SEMEY)
    _series(semey, "criminal_offences_rate", {"2023": 900, "2024": 1800, "2025": 2500}, "year")
    values = list(IndicatorValue.objects.filter(territory=semey).order_by("period_start"))
    with translation.override("en"):
        svg = charts.trend_chart(indicator, values, "Semey", "svg").decode()
    assert "stroke-dasharray" in svg and marks[0]["short"] in svg


def test_the_indicator_page_names_the_break(make_user, signed_in):
    analyst = make_user(Role.NATIONAL_ANALYST, "000000000")
    country = Territory.objects.get(level=Level.COUNTRY)
    _series(country, "criminal_offences_rate", {"2023": 900, "2024": 1800}, "year")
    page = signed_in(analyst).get("/monitoring/indicator/criminal_offences_rate/").content.decode()
    assert "Series break" in page and "72-VIII" in page
    page = signed_in(analyst).get("/monitoring/indicator/incidents_rate/").content.decode()
    assert "Series break" not in page
