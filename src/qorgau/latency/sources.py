"""Where capture histories come from: the linkage part, or — for synthetic evaluation only —
the synthetic ground truth.

Production estimates use :func:`linkage_histories`, the person clusters of the latest linkage
run counted by register (``qorgau.linkage.selectors.capture_histories``); latency never sees a
person.

:func:`truth_histories` is **evaluation only**: it builds the same tables from the synthetic
data set's ``truth_key`` (the true person behind each police victim and each register
sighting), i.e. the capture histories a perfect linkage would give, so that an estimator can
be checked against ``synth.TruthCount`` without the linkage's own errors. It reads columns that
must never reach analysts; only the counts per pattern leave this function.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from qorgau.linkage.selectors import REGISTERS, CaptureHistories


class NoCaptureHistories(Exception):
    """No capture histories are available (e.g. linkage has not run); ``reason`` says why."""

    def __init__(self, reason: object) -> None:
        super().__init__(str(reason))
        self.reason = reason


def linkage_histories(years: Sequence[int] | None = None) -> list[CaptureHistories]:
    from qorgau.linkage import selectors

    histories = selectors.capture_histories(years=years)
    if not histories:
        raise NoCaptureHistories(
            _(
                "No linkage run has finished with capture histories for these years, so there "
                "is nothing to estimate from. Run the linkage first (or, on synthetic data, "
                "use --from-truth)."
            )
        )
    return histories


def _district_regions() -> dict[int, str]:
    """Every district version (past ones too) → today's region KATO code."""
    from qorgau.territory.models import Territory
    from qorgau.territory.services import territory_scope_ids

    mapping: dict[int, str] = {}
    for region in Territory.objects.current().regions():
        for pk in territory_scope_ids(region):
            mapping[pk] = region.kato_code
    return mapping


def truth_histories(years: Sequence[int] | None = None) -> list[CaptureHistories]:
    """EVALUATION ONLY: capture histories of the latest synthetic run from its truth keys."""
    from qorgau.registry.models import IncidentParticipant
    from qorgau.synth.models import RegisterSighting, SynthRun, VictimTruth

    run = SynthRun.objects.order_by("-started_at", "-pk").first()
    if run is None:
        raise NoCaptureHistories(_("There is no synthetic data set (run qorgau synth)."))
    wanted = set(years) if years else None
    seen: dict[str, set[str]] = defaultdict(set)
    place: dict[str, tuple[str, int]] = {}
    sightings = RegisterSighting.objects.filter(run=run)
    if wanted:
        sightings = sightings.filter(year__in=wanted)
    for register, region, year, key in sightings.values_list(
        "register", "region_code", "year", "truth_key"
    ).iterator(chunk_size=20000):
        seen[key].add(register)
        place[key] = (region, year)
    truth_of = dict(
        VictimTruth.objects.filter(run=run)
        .values_list("person_id", "truth_key")
        .iterator(chunk_size=20000)
    )
    regions = _district_regions()
    zone = ZoneInfo(settings.TIME_ZONE)
    victims = IncidentParticipant.objects.filter(role="victim").values_list(
        "person_id", "incident__occurred_at", "incident__district_id"
    )
    for person, moment, district in victims.iterator(chunk_size=20000):
        truth = truth_of.get(person)
        if truth is None:
            continue
        year = moment.astimezone(zone).year
        if wanted and year not in wanted:
            continue
        seen[truth].add("police")
        place.setdefault(truth, (regions.get(district, ""), year))
    cells: dict[tuple[str, int], dict[tuple[int, ...], int]] = defaultdict(lambda: defaultdict(int))
    for key, registers in seen.items():
        pattern = tuple(int(r in registers) for r in REGISTERS)
        cells[place[key]][pattern] += 1
    return [
        CaptureHistories(region_code=region, year=year, lists=REGISTERS, counts=dict(counts))
        for (region, year), counts in sorted(cells.items())
        if region
    ]
