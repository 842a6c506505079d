"""The public release: every figure that leaves without sign-in, protected by the cell-key method.

Cell-key perturbation (ONS, ABS, Destatis) adds to each count a small integer drawn from a
published perturbation table (``PTABLE``) by a deterministic function of a secret key and the
cell's content. The same content always gets the same noise, in this release and every later
one, so repeating or averaging releases gains nothing, and no protection is ever undone.
Unlike one-table suppression it protects a release as a whole: an outsider who combines
districts with their region, categories with their total, quarters with their year, or a
numerator with its denominator only ever combines noisy figures, never exact ones.

The key of a cell is derived from its content, not its name: the count's definition (measure
and filters, not the indicator code, so a numerator of one indicator and the denominator of
another get the same noise), its true value, and the set of (district, month) atoms holding
its records, with the breakdown category written only where it differs from the total. A
region whose records all sit in one district, a year whose records all fall in one month, or
a category that holds all of a total thus get the noise of that district, month or total.

Small counts are published as a band, not a number (``BAND``, "fewer than 5"): a count below
``BAND_BELOW``, and a count whose perturbed value falls below it, whether zero or not. Without
the band a published 1 says the truth is at least 1 (zeros stay zero), and a total that drew
-2 then pins each part below it (the attack of ``tests/test_release_attack.py``). With it, the
figures an outsider sees never set a bound that a true count of 1 to 4 sits on: a band spans
0 to ``BAND_BELOW - 1 + MAX_PERTURBATION``, a number ``v`` at least ``BAND_BELOW``. So that the
presence of a row says nothing either, every cell of the frame (each territory of the level
existing in the period, each category an indicator has ever had) is published, a band where
no record was counted (``release_frame``). Rates over a band are withheld.

Weakness, stated in docs/monitoring.md: two different record sets with the same definition,
value and atoms (possible only for distinct-person counts) share their noise too; ideal
record keys (a sum over records) would avoid that but the stored figures carry no records.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from qorgau.accounts.roles import Role
from qorgau.monitoring.catalogue import Indicator, Term, catalogue_load
from qorgau.monitoring.measures import ESTIMATE_PROVIDERS, POPULATION_MEASURES, WHOLE_POPULATION
from qorgau.monitoring.models import IndicatorValue
from qorgau.monitoring.periods import Period
from qorgau.territory.models import Level, Territory

if TYPE_CHECKING:
    from qorgau.accounts.typing import Viewer


# Perturbation table: for a true count n, the perturbations and their probabilities (mean
# zero). Row 1 serves n = 1 (it cannot go below -1); row 2 serves every n >= 2. Zeros stay zero.
# Since counts below BAND_BELOW are banded, only row 2 ever reaches a published number.
PTABLE: dict[int, tuple[tuple[int, float], ...]] = {
    1: ((-1, 0.30), (0, 0.45), (1, 0.20), (2, 0.05)),
    2: ((-2, 0.05), (-1, 0.20), (0, 0.50), (1, 0.20), (2, 0.05)),
}
MAX_PERTURBATION = 2
MIN_DENOMINATOR = 10  # a rate over a perturbed count denominator below this is not published
NOTE_SMALL_DENOMINATOR = gettext_lazy("not published: fewer than 10 in the denominator")
BAND_BELOW = 5  # a count, or perturbed count, below this is published as the band
BAND = "<5"  # the band in the flag columns of machine-readable outputs (stable, untranslated)
NOTE_BAND = gettext_lazy("not published: fewer than 5 in the numerator or the denominator")

Atom = tuple[int, str, str]  # district id, month code, breakdown ("" where it equals the total)


# Unperturbed small-area figures only for the roles whose work is the statistics; every other
# reader — signed in or not, page, download or API — gets the release.
EXACT_FIGURE_ROLES = frozenset({Role.NATIONAL_ANALYST, Role.DATA_STEWARD})


def may_see_exact(user: Viewer) -> bool:
    """Whether ``user`` reads stored figures as they are, not the protected release."""
    return bool(
        getattr(user, "is_superuser", False) or getattr(user, "role", "") in EXACT_FIGURE_ROLES
    )


def disclosure_key() -> bytes:
    """The secret of the cell keys; without it anyone could compute the noise and remove it."""
    key = str(getattr(settings, "QORGAU_DISCLOSURE_KEY", ""))
    if not key:
        raise ImproperlyConfigured("QORGAU_DISCLOSURE_KEY is not set.")
    return key.encode("utf-8")


def cell_key(content: str) -> float:
    """A number in [0, 1) fixed by the secret key and the cell's content."""
    digest = hmac.new(disclosure_key(), content.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def perturbation(count: int, key: float) -> int:
    """The perturbation the table gives to ``count`` at cell key ``key``."""
    if count <= 0:
        return 0
    cumulative = 0.0
    row = PTABLE[min(count, 2)]
    for step, probability in row:
        cumulative += probability
        if key < cumulative:
            return step
    return row[-1][0]


def protected(count: float, content: Callable[[], str]) -> int | None:
    """The published value of a count: the true (rounded) count plus its perturbation, or None
    for the band when the count or that sum is below ``BAND_BELOW``.

    A small count is banded before its noise is drawn, so that no perturbation can lift it out
    of the band: a published number therefore always stands for a true count of at least
    ``BAND_BELOW``, and a band for one of at most ``BAND_BELOW - 1 + MAX_PERTURBATION``.
    """
    whole = round(count)
    if whole < BAND_BELOW:
        return None
    value = whole + perturbation(whole, cell_key(content()))
    return value if value >= BAND_BELOW else None


def term_definition(term: Term) -> str:
    return json.dumps([term.measure, term.filter], sort_keys=True)


@dataclass
class _Atoms:
    """Month by district figures of each (indicator, breakdown), to name a cell's content.

    A region's or the country's atoms are those of its districts, so each (indicator,
    breakdown, side) is indexed once by district (``_by_district``) and a cell's atoms are
    concatenated from its districts' lists, instead of probing every district and month of
    the territory for every cell: the same atoms in the same order, in a fraction of the time.
    """

    figures: dict[tuple[str, str], dict[tuple[int, str], tuple[float, float | None]]]
    districts_under: dict[int, frozenset[int]]
    _index: dict[tuple[str, str, tuple[str, ...], int], dict[int, list[Atom]]] = field(
        default_factory=dict
    )

    def of(
        self, indicator: str, breakdown: str, territory: int, months: list[str], side: int
    ) -> list[Atom]:
        by_district = self._by_district(indicator, breakdown, tuple(months), side)
        under = self.districts_under.get(territory, frozenset({territory}))
        atoms: list[Atom] = []
        for district in sorted(under.intersection(by_district)):
            atoms.extend(by_district[district])
        return atoms

    def _by_district(
        self, indicator: str, breakdown: str, months: tuple[str, ...], side: int
    ) -> dict[int, list[Atom]]:
        """The non-zero atoms of each district, in the order of ``months``."""
        key = (indicator, breakdown, months, side)
        if key not in self._index:
            own = self.figures.get((indicator, breakdown), {})
            total = self.figures.get((indicator, ""), {})
            place = {month: number for number, month in enumerate(months)}
            found: list[tuple[int, int, Atom]] = []
            for (district, month), figures in own.items():
                value = figures[side]
                if value and month in place:
                    same = value == total.get((district, month), (0.0, None))[side]
                    found.append(
                        (district, place[month], (district, month, "" if same else breakdown))
                    )
            index: dict[int, list[Atom]] = {}
            for district, _place, atom in sorted(found, key=lambda item: item[:2]):
                index.setdefault(district, []).append(atom)
            self._index[key] = index
        return self._index[key]


def _districts_under() -> dict[int, frozenset[int]]:
    parents = dict(Territory.objects.values_list("pk", "parent_id"))
    levels = dict(Territory.objects.values_list("pk", "level"))
    under: dict[int, set[int]] = {}
    for pk, level in levels.items():
        if level != Level.DISTRICT:
            continue
        node: int | None = pk
        while node is not None:
            under.setdefault(node, set()).add(pk)
            node = parents.get(node)
    return {pk: frozenset(districts) for pk, districts in under.items()}


def _atoms_load(indicators: Iterable[str], period: Period) -> _Atoms:
    months = [m.code for m in period.months]
    figures: dict[tuple[str, str], dict[tuple[int, str], tuple[float, float | None]]] = {}
    stored = IndicatorValue.objects.filter(
        indicator__in=list(indicators), period__in=months, territory__level=Level.DISTRICT
    ).values_list("indicator", "breakdown", "territory_id", "period", "numerator", "denominator")
    for code, breakdown, district, month, numerator, denominator in stored:
        figures.setdefault((code, breakdown), {})[(district, month)] = (numerator, denominator)
    return _Atoms(figures, _districts_under())


def _content(definition: str, value: float, atoms: list[Atom] | str) -> str:
    return json.dumps([definition, round(value), atoms], separators=(",", ":"))


def release_protect(rows: list[dict[str, Any]], period: Period) -> None:
    """Perturb or band every count of the rows in place and recompute the rates from the
    published counts; each count gets a flag column (``BAND`` or empty).

    Rows carry ``_territory_id`` (a stored territory) or, on today's map, only a territory
    code; the latter are keyed on the code (their figures are shares of several districts).
    """
    catalogue = catalogue_load()
    atoms = _atoms_load({row["indicator"] for row in rows}, period)
    months = [m.code for m in period.months]
    for row in rows:
        indicator = catalogue.get(row["indicator"])
        _protect_row(row, indicator, atoms, months, period)


def _is_estimate(indicator: Indicator) -> bool:
    """Figures of a model, not of records: a missing one is unknown, not zero."""
    return bool(
        {indicator.numerator.measure, indicator.denominator.measure} & ESTIMATE_PROVIDERS.keys()
    )


def _protect_row(
    row: dict[str, Any], indicator: Indicator, atoms: _Atoms, months: list[str], period: Period
) -> None:
    from qorgau.monitoring.engine import rate_with_interval

    def content(term: Term, value: float, side: int) -> Callable[[], str]:
        def made() -> str:
            where: list[Atom] | str = (
                atoms.of(row["indicator"], row["breakdown"], row["_territory_id"], months, side)
                if row.get("_mapped") is None
                else f"{row['territory_code']}:{period.code}:{row['breakdown']}"
            )
            return _content(term_definition(term), value, where)

        return made

    row["note"] = ""
    numerator = protected(row["numerator"], content(indicator.numerator, row["numerator"], 0))
    row["numerator"], row["numerator_flag"] = numerator, BAND if numerator is None else ""
    denominator, row["denominator_flag"] = row["denominator"], ""
    counted = indicator.denominator.measure not in POPULATION_MEASURES
    if counted and denominator is None and not _is_estimate(indicator):
        denominator = 0.0  # no record in the denominator: a band like any small count
    if counted and denominator is not None:
        denominator = protected(denominator, content(indicator.denominator, denominator, 1))
        row["denominator"], row["denominator_flag"] = (
            denominator,
            BAND if denominator is None else "",
        )
    if numerator is None or row["denominator_flag"]:
        row["value"] = row["low"] = row["high"] = None
        row["note"] = str(NOTE_BAND)
        return
    if counted and denominator is not None and denominator < MIN_DENOMINATOR:
        row["value"] = row["low"] = row["high"] = None
        row["note"] = str(NOTE_SMALL_DENOMINATOR)
        return
    row["value"], row["low"], row["high"] = rate_with_interval(indicator, numerator, denominator)


def release_frame(
    rows: list[dict[str, Any]],
    territories: Collection[Territory],
    period: Period,
    codes: Collection[str],
) -> list[dict[str, Any]]:
    """Rows of zero for the cells of the frame that have no stored value, to publish as bands.

    The engine stores a cell only where a record was counted, so without these rows the mere
    presence of a row would say that its count is at least 1, which is the leak the band
    closes. The frame is what an outsider knows exists without any record: each territory of
    ``territories`` existing in the period, for each indicator of ``codes`` computed for
    periods of this kind, each category the indicator has had in any period (read from the
    country's rows). Estimates are left out: a missing estimate is unknown, not zero.
    Population denominators are filled in as the engine stores them, so that a filled row
    looks like a stored one.
    """
    from qorgau.monitoring.engine import _population, _population_measure

    catalogue = catalogue_load()
    kept = {code for code in codes if not _is_estimate(catalogue.get(code))}
    countries = [t.pk for t in territories if t.level == Level.COUNTRY]
    seen = IndicatorValue.objects.filter(indicator__in=kept, territory_id__in=countries)
    stored = list(seen.values_list("indicator", "period_kind", "breakdown").distinct())
    computed = {code for code, kind, _ in stored if kind == period.kind}
    categories: dict[str, set[str]] = {}
    for code, _, breakdown in stored:
        if code in computed:
            categories.setdefault(code, {""}).add(breakdown)
    existing = [t for t in territories if _exists_in(t, period)]
    have = {(row["indicator"], row["_territory_id"], row["breakdown"]) for row in rows}
    populations: dict[str, Callable[[int, int], float | None]] = {}
    added = []
    for code in sorted(categories):
        indicator = catalogue.get(code)
        measure = indicator.denominator.measure
        for territory in existing:
            for breakdown in sorted(categories[code]):
                if (code, territory.pk, breakdown) in have:
                    continue
                denominator: float | None = 0.0
                if measure in POPULATION_MEASURES:
                    name = _population_measure(measure, breakdown)
                    if name not in populations:
                        populations[name] = _population(
                            POPULATION_MEASURES[name], sampled=name not in WHOLE_POPULATION
                        )
                    denominator = populations[name](territory.pk, period.start.year)
                added.append(
                    {
                        "indicator": code,
                        "territory_code": territory.kato_code,
                        "territory": territory.name,
                        "period": period.code,
                        "breakdown": breakdown,
                        "numerator": 0.0,
                        "denominator": denominator,
                        "value": None,
                        "low": None,
                        "high": None,
                        "_level": territory.level,
                        "_territory_id": territory.pk,
                    }
                )
    return added


def _exists_in(territory: Territory, period: Period) -> bool:
    return (territory.valid_from is None or territory.valid_from <= period.end) and (
        territory.valid_to is None or territory.valid_to >= period.start
    )
