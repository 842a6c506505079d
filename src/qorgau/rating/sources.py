"""Indicators the rating computes itself, from registers the akimat does not control.

Monitoring's catalogue counts harm from the police register (homicides, grave harm, repeat
victimisation), and an akimat that hides violence from the police makes those look better.
These indicators count harm from the registers outside the police — health facilities,
crisis centres, the 111 line, social services (:class:`~qorgau.registry.models.RegisterRecord`,
each record in its district on the day it was seen) — per 10,000 population, and turn the
police register into what it is, a measure of detection: how many of the people the other
registers saw the police registered, and whether police registrations fell behind the other
registers (:mod:`qorgau.rating.concealment`).

Social disadvantage and deaths come from the yearly returns of social services and forensic
medicine instead (:mod:`qorgau.rating.social`); their entries are here too, so that one list
says what a method may score beside the catalogue.

They are read directly (registry and monitoring are below rating), never stored by monitoring,
and listed here with their direction and source so that a method may score them
(:func:`qorgau.rating.methods.method_parse` accepts them beside the catalogue's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from qorgau.rating.concealment import INDICATOR as DISCORDANCE
from qorgau.rating.concealment import Discordance, discordance
from qorgau.rating.normalisation import Array
from qorgau.rating.social import CODES as SOCIAL_CODES
from qorgau.rating.social import social_fill
from qorgau.registry.models import Register

PER = 10_000.0
HISTORY_YEARS = 3  # years before the rated one read for the discordance's own history
POLICE_INCIDENTS = "incidents_rate"  # monitoring's indicators whose numerators are counts
POLICE_VICTIMS = "victims_rate"


def _register_source(register: Register, *, injury: bool = False) -> Promise:
    """A register named by its label in the reader's language, not its stored code: the
    method page showed "register crisis_centre" in every language."""
    if injury:
        return format_lazy(_("register: {} (RegisterRecord), injury recorded"), register.label)
    return format_lazy(_("register: {} (RegisterRecord)"), register.label)


@dataclass(frozen=True)
class SourceIndicator:
    """A rating-owned indicator, shaped like a catalogue entry for the method page."""

    code: str
    better: str
    name: Promise
    source: Promise
    rationale: Promise
    gaming: Promise
    unit: Promise

    def label(self) -> str:
        return str(self.name)

    def unit_label(self) -> str:
        return str(self.unit)


# Social disadvantage and deaths, from the yearly returns of social services and forensic
# medicine (:mod:`qorgau.rating.social`): no police figure enters them.
SOCIAL_INDICATORS = (
    SourceIndicator(
        "difficult_families_supported_share",
        "higher",
        _("Families in a difficult life situation given support, per 100 identified"),
        _("yearly returns of social services (SocialReturn: families identified and supported)"),
        _(
            "Social disadvantage, as the study asks: of the families social services found in a "
            "difficult life situation, how many were given support. A share, so a small and a "
            "large district are judged alike."
        ),
        _(
            "Leaving hard cases unidentified would raise it; the families identified are reviewed "
            "by the interdepartmental commission every six months. Hiding violence from the "
            "police does not change it."
        ),
        _("per 100"),
    ),
    SourceIndicator(
        "children_at_social_risk_per_10k",
        "lower",
        _("Children in families at social risk per 10,000 population"),
        _("yearly returns of social services (SocialReturn: children in families at social risk)"),
        _(
            "The social disadvantage violence grows from, which the akimat's social policy can "
            "reduce. Per 10,000 population: the population of children is not in the territory "
            "tables."
        ),
        _(
            "Social services are the akimat's own, so identifying fewer children would lower it: "
            "it weighs least, beside the share supported and the deaths, which identifying fewer "
            "does not improve. Hiding violence from the police does not change it."
        ),
        _("per 10,000"),
    ),
    SourceIndicator(
        "family_support_centre_coverage",
        "higher",
        _("Share of the population living in districts served by a family support centre"),
        _("yearly returns of social services (SocialReturn: family support centres)"),
        _(
            "Victims are referred to family support centres; a district without one has nowhere "
            "to send them."
        ),
        _(
            "Counts only centres social services report as serving the district; opening one is "
            "the response the indicator asks for."
        ),
        _("per cent"),
    ),
    SourceIndicator(
        "domestic_violence_deaths_per_100k",
        "lower",
        _("Deaths from domestic violence per 100,000 population (forensic medicine)"),
        _("yearly returns of forensic medicine or the civil registry (SocialReturn: deaths)"),
        _(
            "The gravest harm, counted where neither the akimat nor the police decide it: every "
            "violent death is examined by forensic medicine and registered by the civil registry."
        ),
        _(
            "A death cannot be hidden from a forensic examination, and what it is recorded as is "
            "the forensic expert's finding, not the akimat's or the police's. Hiding incidents "
            "from the police does not change it."
        ),
        _("per 100,000"),
    ),
)
SOURCE_INDICATORS: dict[str, SourceIndicator] = {
    i.code: i
    for i in (
        SourceIndicator(
            "health_violence_injuries_rate",
            "lower",
            _("Injuries from violence recorded by health facilities per 10,000 population"),
            _register_source(Register.HEALTH, injury=True),
            _(
                "Harm the police register does not decide: a hospital records an injury whether "
                "or not the police registered the incident."
            ),
            _("Health facilities report to the health department, not to the akimat."),
            _("per 10,000"),
        ),
        SourceIndicator(
            "crisis_centre_clients_per_10k",
            "lower",
            _("Crisis-centre clients per 10,000 population"),
            _register_source(Register.CRISIS_CENTRE),
            _("Victims who sought shelter or help, counted by the centres themselves."),
            _(
                "Turning clients away would lower it; centres report their clients by name, and "
                "the 111 line and health facilities would still see the victims."
            ),
            _("per 10,000"),
        ),
        SourceIndicator(
            "calls_111_per_10k",
            "lower",
            _("Calls about violence to the 111 line per 10,000 population"),
            _register_source(Register.LINE_111),
            _(
                "A national line the akimat does not run: calls reach it without a visit to the "
                "police."
            ),
            _("Outside the akimat's reach."),
            _("per 10,000"),
        ),
        SourceIndicator(
            "police_share_of_independent",
            "higher",
            _("Police-registered victims per 100 people seen by health, crisis centres or 111"),
            _("police register ÷ health, crisis-centre and 111 registers"),
            _(
                "Detection: violence the other registers saw, against what the police registered. "
                "Hiding violence from the police lowers it."
            ),
            _("Cannot be raised by hiding; inflating police registrations is audited."),
            _("per 100"),
        ),
        SourceIndicator(
            DISCORDANCE,
            "higher",
            _("Fall of police registrations behind the independent registers (0 = kept pace)"),
            _(
                "police register against health, crisis-centre and 111 registers, over the "
                "region's own years and its peers"
            ),
            _(
                "A fall in police registrations without a matching fall in the independent "
                "registers, beyond what the region's history and its peers predict, is the trace "
                "of concealment; it lowers the detection score and is flagged."
            ),
            _("At most 0: it can only cost a region that registers less."),
            _("percentage points"),
        ),
        SourceIndicator(
            "social_support_per_10k",
            "higher",
            _("People supported by social services after violence per 10,000 population"),
            _register_source(Register.SOCIAL),
            _("Social disadvantage: families in a difficult life situation reached by support."),
            _("Counted by social services; compare with the other registers."),
            _("per 10,000"),
        ),
        *SOCIAL_INDICATORS,
    )
}
INDEPENDENT = ("health", "crisis_centre", "line_111")


@dataclass
class SourceCounts:
    """Counts per unit (rows) and year (columns, ``years`` order) read from the registers."""

    years: list[int]
    population: Array
    health_injuries: Array
    crisis_centre: Array
    line_111: Array
    social: Array
    police_incidents: Array
    police_victims: Array

    @property
    def independent(self) -> Array:
        return np.asarray(self.health_injuries + self.crisis_centre + self.line_111)


def _scopes(units: list[Any]) -> dict[int, int]:
    """Every territory id (with past versions) → the row of the unit it lies in."""
    from qorgau.territory.services import territory_scope_ids

    out: dict[int, int] = {}
    for row, unit in enumerate(units):
        for pk in territory_scope_ids(unit):
            out.setdefault(pk, row)
    return out


def counts_read(units: list[Any], years: list[int]) -> SourceCounts:
    """Read the counts of ``units`` for ``years`` (read only; nothing is written)."""
    from qorgau.monitoring.models import IndicatorValue
    from qorgau.monitoring.population import population_nearest
    from qorgau.registry.models import RegisterRecord

    shape = (len(units), len(years))
    column = {y: n for n, y in enumerate(years)}
    arrays = {k: np.zeros(shape) for k in ("health", "crisis_centre", "line_111", "social")}
    scope = _scopes(units)
    first, last = dt.date(min(years), 1, 1), dt.date(max(years), 12, 31)
    records = (
        RegisterRecord.objects.filter(seen_on__range=(first, last))
        .values("register", "district_id", "seen_on__year", "injury")
        .annotate(n=Count("pk"))
    )
    seen_years = set()
    for row in records:
        unit, year = scope.get(row["district_id"]), row["seen_on__year"]
        register = row["register"]
        if unit is None or year not in column or register not in arrays:
            continue
        if register == "health" and not row["injury"]:
            continue  # a visit without a recorded injury is not harm from violence
        arrays[register][unit, column[year]] += row["n"]
        seen_years.add(year)
    for year in set(years) - seen_years:  # no register supplied anything that year: unknown
        for array in arrays.values():
            array[:, column[year]] = np.nan
    police = {POLICE_INCIDENTS: np.full(shape, np.nan), POLICE_VICTIMS: np.full(shape, np.nan)}
    ids = {u.pk: n for n, u in enumerate(units)}
    for code, territory, period, numerator in IndicatorValue.objects.filter(
        indicator__in=list(police),
        breakdown="",
        period__in=[str(y) for y in years],
        territory_id__in=list(ids),
    ).values_list("indicator", "territory_id", "period", "numerator"):
        police[code][ids[territory], column[int(period)]] = numerator
    population = np.full(shape, np.nan)
    for y, n in column.items():  # the nearest year's population, as the registry rates
        for territory, people in population_nearest(ids, y).items():
            population[ids[territory], n] = people
    return SourceCounts(
        years=list(years),
        population=population,
        health_injuries=arrays["health"],
        crisis_centre=arrays["crisis_centre"],
        line_111=arrays["line_111"],
        social=arrays["social"],
        police_incidents=police[POLICE_INCIDENTS],
        police_victims=police[POLICE_VICTIMS],
    )


def source_values(counts: SourceCounts) -> tuple[dict[str, Array], Discordance]:
    """The indicators of the last year of ``counts``, one array per code (NaN = unknown)."""
    with np.errstate(all="ignore"):
        people = counts.population[:, -1]
        independent = counts.independent[:, -1]
        values = {
            "health_violence_injuries_rate": PER * counts.health_injuries[:, -1] / people,
            "crisis_centre_clients_per_10k": PER * counts.crisis_centre[:, -1] / people,
            "calls_111_per_10k": PER * counts.line_111[:, -1] / people,
            "social_support_per_10k": PER * counts.social[:, -1] / people,
            "police_share_of_independent": np.where(
                independent > 0, 100.0 * counts.police_victims[:, -1] / independent, np.nan
            ),
        }
    found = discordance(counts.police_incidents, counts.independent)
    values[DISCORDANCE] = found.value
    return values, found


def source_intervals(code: str, counts: SourceCounts, value: Array) -> tuple[Array, Array]:
    """95% intervals: Poisson on the count for the rates, none (the value) otherwise."""
    from qorgau.monitoring.intervals import poisson_interval

    numerators = {
        "health_violence_injuries_rate": counts.health_injuries,
        "crisis_centre_clients_per_10k": counts.crisis_centre,
        "calls_111_per_10k": counts.line_111,
        "social_support_per_10k": counts.social,
    }
    if code not in numerators:
        return value.copy(), value.copy()
    low, high = value.copy(), value.copy()
    for i, n in enumerate(numerators[code][:, -1]):
        if not np.isnan(n) and not np.isnan(value[i]):
            lo, hi = poisson_interval(float(n))
            people = counts.population[i, -1]
            low[i], high[i] = PER * lo / people, PER * hi / people
    return low, high


def source_fill(table: Any, year: int) -> Discordance | None:
    """Fill the rating-owned columns of a :class:`~qorgau.rating.services.Table` for ``year``;
    the discordance found (with its evidence) when the table has that column."""
    wanted = [c for c in table.codes if c in SOURCE_INDICATORS and c not in SOCIAL_CODES]
    social = [c for c in table.codes if c in SOCIAL_CODES]
    if social:
        social_fill(table, year, social)
    if not wanted:
        return None
    counts = counts_read(table.units, list(range(year - HISTORY_YEARS, year + 1)))
    values, found = source_values(counts)
    for code in wanted:
        j = table.codes.index(code)
        table.value[:, j] = values[code]
        table.low[:, j], table.high[:, j] = source_intervals(code, counts, values[code])
    return found if DISCORDANCE in wanted else None
