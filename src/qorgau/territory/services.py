"""Loading the territory register and walking its hierarchy through time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from qorgau.lib.tabular import read_table
from qorgau.territory.models import Territory, TerritoryPopulation, TerritorySuccession

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class LoadSummary:
    territories: int
    population_rows: int
    successions: int


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _int(value: str) -> int | None:
    return int(value) if value else None


def _rows(name: str, data_dir: Path) -> list[dict[str, str]]:
    table = read_table(data_dir / f"{name}.csv", kind="csv", encodings=("utf-8",))
    return [{key: value or "" for key, value in row.items()} for row in table.records()]


def _translations(model: Any, row: dict[str, str], field: str) -> dict[str, str]:
    """``<field>_kk/_ru/_en`` of the row, for a model that has them.

    The data migration that first loaded the register (0002) passes historical models from
    before these fields existed; they get the text as entered only.
    """
    names = {f.name for f in model._meta.get_fields()}
    columns = (f"{field}_{language}" for language in ("kk", "ru", "en"))
    return {c: row.get(c) or "" for c in columns if c in names}


@transaction.atomic
def territories_load(
    *,
    data_dir: Path = DATA_DIR,
    territory_model: Any = Territory,
    population_model: Any = TerritoryPopulation,
    succession_model: Any = TerritorySuccession,
) -> LoadSummary:
    """Create or update every territory, population figure and succession from the data files.

    Safe to re-run: rows are matched on (KATO code, valid-from) and (territory, year). The model
    classes are parameters so that the data migration can pass its historical models.
    """
    versions: dict[tuple[str, dt.date | None], Any] = {}
    rows = sorted(_rows("territories", data_dir), key=lambda row: int(row["level"]))
    for row in rows:
        parent_key = (row["parent_code"], _date(row["parent_valid_from"]))
        version, _created = territory_model.objects.update_or_create(
            kato_code=row["kato_code"],
            valid_from=_date(row["valid_from"]),
            defaults={
                "level": int(row["level"]),
                "kind": row["kind"],
                "parent": versions[parent_key] if row["parent_code"] else None,
                "name_kk": row["name_kk"],
                "name_ru": row["name_ru"],
                "name_en": row["name_en"],
                "valid_to": _date(row["valid_to"]),
            },
        )
        versions[(row["kato_code"], _date(row["valid_from"]))] = version

    population = _rows("population", data_dir)
    for row in population:
        population_model.objects.update_or_create(
            territory=versions[(row["kato_code"], _date(row["valid_from"]))],
            year=int(row["year"]),
            defaults={
                "total": int(row["total"]),
                "males": _int(row["males"]),
                "females": _int(row["females"]),
                "urban": _int(row["urban"]),
                "rural": _int(row["rural"]),
                "source": row["source"],
                **_translations(population_model, row, "source"),
            },
        )

    successions = _rows("successions", data_dir)
    for row in successions:
        succession_model.objects.update_or_create(
            predecessor=versions[(row["predecessor_code"], _date(row["predecessor_valid_from"]))],
            successor=versions[(row["successor_code"], _date(row["successor_valid_from"]))],
            defaults={
                "date": dt.date.fromisoformat(row["date"]),
                "population_share": Decimal(row["population_share"]),
                "note": row["note"],
                **_translations(succession_model, row, "note"),
            },
        )
    return LoadSummary(len(rows), len(population), len(successions))


def territory_scope_ids(territory: Territory) -> set[int]:
    """Ids of ``territory``, every unit below it, and every older version wholly inside it.

    This is what "records of this territory" means across time: a 2021 record made in Semey
    (then under East Kazakhstan) belongs to today's Abai Region, because its district's only
    successor lies inside Abai; the old East Kazakhstan as a whole does not, since part of it
    went elsewhere.

    Kept on the ``territory`` instance once computed: a page asks it of the user's territory
    for every query of personal data (the access layer), and the tree changes only with a
    reload of the territory register, never within a request.
    """
    cached = territory.__dict__.get("_scope_ids")
    if cached is not None:
        return set(cached)
    scope = _scope_ids(territory)
    territory.__dict__["_scope_ids"] = frozenset(scope)
    return scope


def _scope_ids(territory: Territory) -> set[int]:
    scope = {territory.pk}
    frontier = {territory.pk}
    while frontier:
        frontier = (
            set(Territory.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            - scope
        )
        scope |= frontier

    successors_of: dict[int, set[int]] = {}
    for predecessor_id, successor_id in TerritorySuccession.objects.values_list(
        "predecessor_id", "successor_id"
    ):
        successors_of.setdefault(predecessor_id, set()).add(successor_id)
    changed = True
    while changed:
        changed = False
        for predecessor_id, successor_ids in successors_of.items():
            if predecessor_id not in scope and successor_ids <= scope:
                scope.add(predecessor_id)
                changed = True
    return scope


def territory_current_shares(territory: Territory) -> list[tuple[Territory, Decimal]]:
    """Today's units that ``territory`` maps onto, with the share of its population each took.

    Used to re-express a figure recorded on a past territory on today's map. A current
    territory maps onto itself with share 1.
    """
    if territory.is_current:
        return [(territory, Decimal(1))]
    shares: list[tuple[Territory, Decimal]] = []
    for succession in territory.successions_out.select_related("successor"):
        for current, share in territory_current_shares(succession.successor):
            shares.append((current, succession.population_share * share))
    return shares
