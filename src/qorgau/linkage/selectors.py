"""What the linkage part offers the parts above it: capture histories, never identities.

``latency`` estimates the hidden share of violence from these tables; it never sees a person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

# The registers a victim may reach, in the column order of every capture history.
REGISTERS: tuple[str, ...] = ("police", "health", "crisis_centre", "line_111", "social")


@dataclass(frozen=True)
class CaptureHistories:
    """How many linked, identifiable victims each combination of registers saw in one region
    and year.

    ``counts`` maps an observed capture pattern (one 0/1 per entry of ``lists``) to the
    number of person clusters with exactly that pattern; unobserved patterns are absent
    (zero). ``region_code`` is today's KATO code of the region.
    """

    region_code: str
    year: int
    lists: tuple[str, ...] = REGISTERS
    counts: dict[tuple[int, ...], int] = field(default_factory=dict)
    # The same counts split by what every register records: (sex, age band) → pattern → count
    # (see :func:`stratum`); empty when the caller did not split them.
    strata: dict[tuple[int, int], dict[tuple[int, ...], int]] = field(default_factory=dict)


SEXES = {"F": 0, "M": 1}  # anything else, unknown: 2
AGE_BANDS = (18, 55)  # under 18, 18-54, 55 and over; unknown: 3


def stratum(sex: str, birth_year: int | None, year: int) -> tuple[int, int]:
    """The (sex, age band) group of a person in ``year``, coarsest first, unknown last."""
    if birth_year is None:
        band = len(AGE_BANDS) + 1
    else:
        age = year - birth_year
        band = sum(age >= limit for limit in AGE_BANDS)
    return SEXES.get(sex, len(SEXES)), band


def capture_histories(*, years: Sequence[int] | None = None) -> list[CaptureHistories]:
    """Capture histories of the latest *finished* linkage run, per region and year — a run
    that failed (a training check, an error) is never read.

    A person cluster counts once in a region and year, with the pattern of the registers that
    saw it there; a person seen in two regions (or years) counts in each. Only identifiable
    records are linked (:func:`qorgau.linkage.records.identifiable`), so the counts are of
    *distinct identifiable victims*: a victim known only from records that cannot tell her
    apart (a first name on the 111 line) is not in them. Empty when no run has finished.
    """
    from qorgau.linkage.models import LinkedRecord
    from qorgau.linkage.services import latest_finished_run

    run = latest_finished_run()
    if run is None:
        return []
    rows = LinkedRecord.objects.filter(run=run)
    if years is not None:
        rows = rows.filter(year__in=list(years))
    position = {name: i for i, name in enumerate(REGISTERS)}
    seen: dict[tuple[str, int], dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    known: dict[int, tuple[str, int | None]] = {}
    for region, year, cluster, register, sex, born in rows.values_list(
        "region_code", "year", "cluster", "register", "sex", "birth_year"
    ).iterator(chunk_size=10_000):
        seen[(region, year)][cluster].add(register)
        had_sex, had_born = known.get(cluster, ("", None))
        known[cluster] = (had_sex or sex or "", had_born or born)
    result = []
    for (region, year), clusters in sorted(seen.items()):
        counts: dict[tuple[int, ...], int] = defaultdict(int)
        strata: dict[tuple[int, int], dict[tuple[int, ...], int]] = defaultdict(dict)
        for cluster, registers in clusters.items():
            pattern = [0] * len(REGISTERS)
            for register in registers:
                if register in position:
                    pattern[position[register]] = 1
            if any(pattern):
                key = tuple(pattern)
                counts[key] += 1
                group = strata[stratum(*known[cluster], year)]
                group[key] = group.get(key, 0) + 1
        result.append(
            CaptureHistories(
                region_code=region, year=year, counts=dict(counts), strata=dict(strata)
            )
        )
    return result


def run_summaries(limit: int = 50) -> list[Any]:
    """The latest runs, newest first (aggregates only: counts and quality)."""
    from qorgau.linkage.models import LinkageRun

    return list(LinkageRun.objects.select_related("started_by")[:limit])


def cluster_counts(run: Any) -> list[Any]:
    """Records and person clusters per register and year of a run (no identities)."""
    from django.db.models import Count

    from qorgau.linkage.models import LinkedRecord

    return list(
        LinkedRecord.objects.filter(run=run)
        .values("year", "register")
        .annotate(records=Count("pk"), clusters=Count("cluster", distinct=True))
        .order_by("year", "register")
    )


# Names of the model's comparisons and levels as the run page shows them.
COMPARISON_NAMES: dict[str, Any] = {
    "surname": _("surname"),
    "first_name": _("first name"),
    "patronymic": _("patronymic"),
    "birth": _("birth"),
    "sex": _("sex"),
    "place": _("place"),
}
LEVEL_NAMES: dict[str, Any] = {
    "exact": _("exact"),
    "exact (or swapped with the other name)": _("exact, or swapped with the other name"),
    "different": _("different"),
    "same": _("same"),
    "same date": _("same date"),
    "a slip (one digit, day/month swapped, year mistyped)": _(
        "a slip (one digit, day and month swapped, or the year mistyped)"
    ),
    "same year, a side with the year only": _("same year, one side with the year only"),
    "one year apart, a side with the year only": _("one year apart, one side with the year only"),
    "same district": _("same district"),
    "same region": _("same region, another district"),
    "different region": _("another region"),
}
_JARO_WINKLER = "Jaro-Winkler >= "


@dataclass(frozen=True)
class ModelRow:
    """One comparison level of a run's trained model, formatted for the run page."""

    comparison: str
    level: str
    m: str
    u: str
    match_weight: str
    term_frequency: bool


def model_rows(run: Any) -> list[ModelRow]:
    """The run's model diagnostics (``LinkageRun.model``) as table rows, in the reader's
    language; empty when the run trained no model."""
    rows = []
    for comparison in (run.model or {}).get("comparisons", []):
        name = str(COMPARISON_NAMES.get(comparison["name"], comparison["name"]))
        for level in comparison["levels"]:
            rows.append(
                ModelRow(
                    comparison=name,
                    level=_level_name(str(level["label"])),
                    m=_probability(level["m"], level.get("m_observed", True)),
                    u=_probability(level["u"], level.get("u_observed", True)),
                    match_weight=_number(level.get("match_weight")),
                    term_frequency=bool(level.get("tf")),
                )
            )
    return rows


def _level_name(label: str) -> str:
    if label.startswith(_JARO_WINKLER):
        return str(
            _("similar spelling (Jaro–Winkler ≥ %(threshold)s)")
            % {"threshold": label.removeprefix(_JARO_WINKLER)}
        )
    return str(LEVEL_NAMES.get(label, label))


def _probability(value: Any, observed: bool) -> str:
    if not observed:
        note = _("not observed")
        return f"{_number(value)} ({note})"
    return _number(value)


def _number(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, int | float) else "—"
