"""The public release of a synthetic year, attacked by linear programming (``attacker.py``).

The old protection (counts below five withheld one table at a time, with secondary
suppression inside each table, denominators published) fails this attack on the same data:
``test_one_table_suppression_is_reversed`` finds hidden counts of 1 to 4 pinned exactly, by a
region minus its districts, a year minus its quarters, a total minus its categories or a
numerator beside its published denominator. The cell-key release, with small counts published
as a band over the whole frame, must leave none, at two scales of the synthetic country (the
larger in the long runs).

The attack covers the counts of persons and events (``_kind``): sums of money, weeks in force,
average stocks, estimates and figures reported ready-made by organisations are not counts of
records and obey none of the identities below. The data and both releases are built once for
the module (``attack``): gathering them is most of the cost.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Q

from qorgau.monitoring.catalogue import Term, catalogue_load
from qorgau.monitoring.disclosure import CountTable, suppress
from qorgau.monitoring.engine import indicators_compute
from qorgau.monitoring.export import export_rows
from qorgau.monitoring.measures import (
    ADDITIVE_MEASURES,
    DAY_ROWS,
    DISTINCT_PERSONS,
    EXACT_MEASURES,
    MONTHLY_MEASURES,
    STOCK_MEASURES,
)
from qorgau.monitoring.periods import Period, month, quarter, year
from qorgau.monitoring.release import BAND_BELOW, MAX_PERTURBATION, term_definition
from qorgau.monitoring.tests.attacker import (
    BAND,
    Cell,
    Problem,
    Publication,
    Structure,
    pinned_small_counts,
    problems_build,
    violations,
)
from qorgau.territory.models import Level, Territory

# Marked as database tests so that they run before any transactional test flushes the database.
pytestmark = [pytest.mark.django_db, pytest.mark.one_backend]
YEAR = 2024
Release = dict[Cell, float | str | None]  # a number, BAND, or withheld (None)
# Measures counting a subset of another's records (same persons or events, same day and place).
SUBSET_OF = {
    "repeat_victims": "victims",
    "repeat_offenders": "offenders",
    "orders_within_one_day": "orders_with_incident",
    "orders_with_incident": "orders",
}
# The old method's secondary suppression runs LPs per table (80 s for every indicator); two
# indicators suffice to reverse it.
OLD_METHOD_INDICATORS = ("repeat_victimisation", "repeat_offending")
# Measures some of whose rows are made on a region, not a district (a regional body's
# decisions): a region's figure is then its districts' and its own (coordination/measures.py).
ABOVE_DISTRICT = {"decisions_due", "decisions_on_time"}
COUNTRY = "000000000"
# The synthetic country at two sizes: which cells are small, and which totals draw -2, differ.
# The larger one is nine minutes of linear programs on this machine: CI runs the smaller, the
# long runs both (QORGAU_LONG_TESTS=1, benchmarks/LONG-RUNS.md).
SCALES = (0.005, 0.01) if os.environ.get("QORGAU_LONG_TESTS") == "1" else (0.005,)


def _periods() -> list[Period]:
    return [
        year(YEAR),
        *(quarter(YEAR, q) for q in range(1, 5)),
        *(month(YEAR, m) for m in range(1, 13)),
    ]


def _kind(measure: str) -> str | None:
    """``additive`` (a count of events), ``distinct`` (of persons) or None (not a count)."""
    if measure in DISTINCT_PERSONS:
        return "distinct"
    not_records = MONTHLY_MEASURES | STOCK_MEASURES | EXACT_MEASURES | DAY_ROWS.keys()
    if measure in ADDITIVE_MEASURES and measure not in not_records:
        return "additive"
    return None


def _cells(row: dict[str, Any]) -> list[tuple[Cell, float | str | None]]:
    """The counts a row publishes, each named by its definition (measure and filter), with
    what is published of it: a number, ``BAND`` where its flag says so, or None (withheld).

    The same definition is the same figure (and gets the same noise) in every indicator, so
    an analyst joins what one indicator breaks down with what another publishes.
    """
    indicator = catalogue_load().get(row["indicator"])
    where = (row["territory_code"], row["period"], row["breakdown"])
    cells = []
    for side, term in (("numerator", indicator.numerator), ("denominator", indicator.denominator)):
        value = BAND if row.get(f"{side}_flag") else row[side]
        if _kind(term.measure) and (side == "numerator" or value is not None):
            cells.append(((term_definition(term), *where), value))
    return cells


def _gather(
    public: bool,
    protect: Callable[[list[dict[str, Any]]], None] | None = None,
    indicators: tuple[str, ...] | None = None,
) -> Release:
    """Every count of the year's release; a count published twice keeps its sharper form."""
    gathered: Release = {}
    for level in (Level.DISTRICT, Level.REGION):
        for period in _periods():
            rows = export_rows(level=level, period=period, public=public, indicators=indicators)
            if protect is not None:
                protect(rows)
            for row in rows:
                for cell, value in _cells(row):
                    if gathered.get(cell) is None:
                        gathered[cell] = value
                    elif value is not None and protect is None:
                        assert gathered[cell] == value, cell  # one figure, whoever publishes it
    return gathered


def _children() -> dict[str, list[str]]:
    """The codes of each territory's parts in the year: one version of each code in it."""
    start, end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    versions = Territory.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=end),
        Q(valid_to__isnull=True) | Q(valid_to__gte=start),
    ).values_list("kato_code", "parent__kato_code")
    codes = [code for code, _ in versions]
    assert len(codes) == len(set(codes)), "a code changed its version within the year"
    children: dict[str, list[str]] = {}
    for code, parent in versions:
        if parent and parent != code:
            children.setdefault(parent, []).append(code)
    return children


def _by_territory(children: dict[str, list[str]]) -> Callable[[Cell], list[Cell]]:
    """A whole's parts over territories; for a measure some of whose rows are booked on a
    region (``ABOVE_DISTRICT``), a region is more than its districts: only the country is."""

    def parts(cell: Cell) -> list[Cell]:
        if cell[1] != COUNTRY and json.loads(cell[0])[0] in ABOVE_DISTRICT:
            return []
        return [(cell[0], code, cell[2], cell[3]) for code in children.get(cell[1], [])]

    return parts


def _by_period(cell: Cell) -> list[Cell]:
    code = cell[2]
    if len(code) == 4:
        parts = [f"{code}Q{q}" for q in range(1, 5)]
    elif "Q" in code:
        first = 3 * int(code[-1]) - 2
        parts = [f"{code[:4]}-{m:02d}" for m in range(first, first + 3)]
    else:
        return []
    return [(cell[0], cell[1], part, cell[3]) for part in parts]


def _by_breakdown(categories: dict[tuple[str, str], set[str]]) -> Callable[[Cell], list[Cell]]:
    """A total's parts over the categories of one breakdown (each record is in one of them)."""

    def parts(cell: Cell) -> list[Cell]:
        if cell[3]:
            return []
        return [
            (cell[0], cell[1], cell[2], category)
            for (definition, _), names in sorted(categories.items())
            if definition == cell[0]
            for category in sorted(names)
        ]

    return parts


def _within(terms: dict[str, Term]) -> Callable[[str], list[str]]:
    """The definitions counting every record of a definition: its measure's or a wider one's,
    with a filter that lets through at least what this one's does."""

    def accepted(value: Any) -> set[str]:
        return {str(v) for v in (value if isinstance(value, list) else [value])}

    def wider(small: Term, large: Term) -> bool:
        measure: str | None = small.measure
        while measure is not None and measure != large.measure:
            measure = SUBSET_OF.get(measure)
        return measure is not None and all(
            name in small.filter and accepted(small.filter[name]) <= accepted(wanted)
            for name, wanted in large.filter.items()
        )

    def of(definition: str) -> list[str]:
        small = terms[definition]
        return [d for d, t in terms.items() if d != definition and wider(small, t)]

    return of


def _family(terms: dict[str, Term]) -> Callable[[str], str]:
    def of(definition: str) -> str:
        measure = terms[definition].measure
        while measure in SUBSET_OF:
            measure = SUBSET_OF[measure]
        return measure

    return of


def _structure(truth: Release) -> Structure:
    """What the analyst knows: the territorial tree of the year, the calendar, the breakdowns
    and the catalogue's definitions."""
    terms = {
        term_definition(term): term
        for indicator in catalogue_load().indicators
        for term in (indicator.numerator, indicator.denominator)
    }
    categories: dict[tuple[str, str], set[str]] = {}
    for definition, _, _, breakdown in truth:
        if breakdown:
            categories.setdefault((definition, breakdown.split("=")[0]), set()).add(breakdown)
    by_breakdown = [_by_breakdown({key: names}) for key, names in sorted(categories.items())]
    return Structure(
        parts=[_by_territory(_children()), _by_period, *by_breakdown],
        additive=lambda definition: _kind(terms[definition].measure) == "additive",
        within=_within(terms),
        family=_family(terms),
    )


@dataclass
class Attack:
    """The true counts, what each protection publishes of them, and the analyst's knowledge."""

    truth: dict[Cell, float]
    release: Release
    old_truth: dict[Cell, float]
    old: Release
    structure: Structure


def _problems(
    published: Release, truth: dict[Cell, float], attack: Attack, publication: Publication
) -> list[Problem]:
    """The analyst's programmes, each checked to hold the truth: the attacker is honest."""
    problems = list(problems_build(published, truth, publication, attack.structure).values())
    for problem in problems:
        broken = violations(problem, truth)
        assert not broken, broken[:5]
    return problems


def _one_table_suppression(rows: list[dict[str, Any]]) -> None:
    """The protection this release replaced: per (indicator, breakdown) table, below five."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["indicator"], row["breakdown"]), []).append(row)
    for group in groups.values():
        units = [r for r in group if r["territory_code"] != "000000000"]
        table = CountTable({(r["territory_code"], "n"): round(r["numerator"]) for r in units})
        hidden = {code for code, _ in suppress(table)} if units else set()
        for row in group:
            small = row["territory_code"] == "000000000" and 0 < row["numerator"] < 5
            if row["territory_code"] in hidden or small:
                row["numerator"] = row["value"] = None


def _exact(release: Release) -> dict[Cell, float]:
    return {cell: float(value or 0) for cell, value in release.items()}


def _with_frame(truth: dict[Cell, float], release: Release) -> dict[Cell, float]:
    """The truth of every published cell: a cell of the frame with no stored value is zero."""
    assert truth.keys() <= release.keys(), "every stored count is published"
    return {**dict.fromkeys(release, 0.0), **truth}


@pytest.fixture(scope="module", params=SCALES, ids=lambda scale: f"scale-{scale}")
def attack(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any
) -> Iterator[Attack]:
    """The synthetic year at one scale, both releases of it, and the analyst's knowledge."""
    from qorgau.synth.services import synth_run
    from qorgau.territory.services import territories_load

    with django_db_blocker.unblock(), transaction.atomic():
        territories_load()  # a transactional test that ran earlier may have flushed it
        synth_run(
            first_year=YEAR,
            last_year=YEAR,
            scale=request.param,
            seed=5,
            today=dt.date(YEAR + 1, 3, 1),
        )
        indicators_compute()
        release = _gather(public=True)
        truth = _with_frame(_exact(_gather(public=False)), release)
        yield Attack(
            truth=truth,
            release=release,
            old_truth=_exact(_gather(public=False, indicators=OLD_METHOD_INDICATORS)),
            old=_gather(False, _one_table_suppression, OLD_METHOD_INDICATORS),
            structure=_structure(truth),
        )
        transaction.set_rollback(True)


def test_one_table_suppression_is_reversed(attack: Attack) -> None:
    hidden = {cell for cell, value in attack.old.items() if value is None}
    pinned = []
    for problem in _problems(attack.old, attack.old_truth, attack, Publication(spread=0.0)):
        pinned += pinned_small_counts(problem, attack.old_truth, among=hidden, first_only=True)
    assert pinned, "the old method should fail the attack on this data"


def test_no_small_count_of_the_release_can_be_pinned(attack: Attack) -> None:
    """Counts of 1 to 4, banded, and every other count, perturbed or banded, over the whole
    frame: the analyst who knows the method (``Publication``) pins none of the small ones."""
    bands = [cell for cell, value in attack.release.items() if value == BAND]
    assert all(v == BAND for c, v in attack.release.items() if 1 <= attack.truth[c] <= 4)
    assert all(isinstance(v, int) and v >= BAND_BELOW for v in attack.release.values() if v != BAND)
    small = [c for c, v in attack.truth.items() if 1 <= round(v) <= 4]
    assert len(small) > 100 and len(bands) > len(small)  # material, and zeros banded alike
    publication = Publication(spread=float(MAX_PERTURBATION), threshold=float(BAND_BELOW))
    for problem in _problems(attack.release, attack.truth, attack, publication):
        assert pinned_small_counts(problem, attack.truth, first_only=True) == []
