"""The shape of one kind of extract and the pipeline every batch of it goes through.

A kind declares its columns (parser, required, documentation) and three steps:

1. :meth:`KindSpec.check`, pure rules on one parsed row (dates, districts, legal rules);
2. :meth:`KindSpec.resolve`, rules that need what the batch refers to (persons, incidents),
   looked up once per batch;
3. :meth:`KindSpec.insert`, the bulk insert of the accepted rows.

:meth:`KindSpec.process` runs them on a batch: rows whose ``record_id`` is already stored
from the same source are skipped (this is what makes a re-run or a resumed import add nothing
twice), every other row is either inserted or rejected with its field and reason.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from django.db import models

from qorgau.registry.importing.fields import (
    REQUIRED,
    CellError,
    Reason,
    is_blank,
    parse_record_id,
)
from qorgau.registry.importing.refs import TerritoryIndex, record_ids_stored
from qorgau.registry.rules import local_date
from qorgau.registry.services import IN_FUTURE, NOT_A_DISTRICT, OUTSIDE_SCOPE

if TYPE_CHECKING:
    from qorgau.accounts.models import User


RECORD_ID = "record_id"


@dataclass(frozen=True)
class Column:
    """One column of an extract, with what ``docs/import-formats.md`` says about it."""

    name: str
    parser: Callable[[object], Any]
    required: bool = False
    default: Any = None
    format: str = ""
    example: str = ""
    meaning: str = ""


@dataclass(frozen=True)
class Problem:
    """Why a row is rejected: the column, the value found and the reason."""

    field: str
    value: str
    reason: Reason


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    cells: dict[str, Any]


Parsed = list[tuple[Row, str | None, list[Problem]]]  # row, its record number, its problems


class ParsedBatch(list[tuple[int, dict[str, Any]]]):
    """A batch of ``(row number, cells)`` that carries its rows already through
    :meth:`KindSpec.prepare`."""

    parsed: Parsed


@dataclass
class BatchResult:
    accepted: int = 0
    skipped: int = 0
    rejects: list[tuple[int, Problem]] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({number for number, _problem in self.rejects})

    def reject(self, row: Row | int, problems: Sequence[Problem]) -> None:
        number = row if isinstance(row, int) else row.number
        self.rejects.extend((number, problem) for problem in problems)


@dataclass
class ImportContext:
    """Everything a batch needs besides its rows; built once per import."""

    source: str
    actor_id: int | None
    scope_ids: frozenset[int] | None  # None: the whole country
    territories: TerritoryIndex
    zone: ZoneInfo
    today: dt.date
    register: str = ""  # register-records: the register the file comes from
    organisation_id: int | None = None  # the importing user's organisation, kept on its records
    # the importing user (``None``: the system): identifiers of rows match only the persons
    # this user may link to (``registry.identities``)
    actor: User | None = None


def shown(value: object) -> str:
    """A cell as written into the rejects file (cut, so one odd cell cannot bloat it)."""
    text = "" if value is None else str(value)
    return text if len(text) <= 200 else text[:199] + "…"


class KindSpec(ABC):
    """Base of the kinds of extract; subclasses set the class attributes and the steps."""

    kind: ClassVar[str]
    model: ClassVar[type[models.Model]]
    columns: ClassVar[tuple[Column, ...]]
    related_models: ClassVar[tuple[type[models.Model], ...]] = ()  # other tables it writes

    @classmethod
    def column_names(cls) -> list[str]:
        return [column.name for column in cls.columns]

    @classmethod
    def required_columns(cls) -> list[str]:
        return [column.name for column in cls.columns if column.required]

    # --- the pipeline -------------------------------------------------------------------------

    def prepare(self, batch: Sequence[tuple[int, dict[str, Any]]], ctx: ImportContext) -> Parsed:
        """The pure part of a batch: each row's record number, parsed values and problems.

        Touches no database, so the engine runs it for the next batch in a thread while the
        database stores the current one.
        """
        parsed: Parsed = []
        for number, cells in batch:
            row = Row(number, {}, cells)
            problems = self.parse(row)
            if not problems:
                problems = self.check(row.values, ctx)
            parsed.append((row, self._record_id(cells), problems))
        return parsed

    def process(
        self, batch: Sequence[tuple[int, dict[str, Any]]], ctx: ImportContext
    ) -> BatchResult:
        """Skip stored rows, reject bad ones, insert the rest (inside the caller's transaction).

        ``batch`` may be a :class:`ParsedBatch` whose rows :meth:`prepare` has already parsed.
        """
        parsed = batch.parsed if isinstance(batch, ParsedBatch) else self.prepare(batch, ctx)
        result = BatchResult()
        stored = record_ids_stored(
            self.model, ctx.source, [record_id for _row, record_id, _p in parsed if record_id]
        )
        seen: set[str] = set()
        candidates: list[Row] = []
        for row, record_id, problems in parsed:
            if record_id:
                if record_id in stored or record_id in seen:
                    result.skipped += 1
                    continue
                seen.add(record_id)
            if problems:
                result.reject(row, problems)
            else:
                candidates.append(row)
        accepted = self.resolve(candidates, ctx, result)
        if accepted:
            result.accepted += self.insert(accepted, ctx)
        return result

    @staticmethod
    def _record_id(cells: dict[str, Any]) -> str | None:
        raw = cells.get(RECORD_ID)
        if is_blank(raw):
            return None
        try:
            return parse_record_id(raw) or None
        except CellError:
            return None

    def parse(self, row: Row) -> list[Problem]:
        """Every column through its parser; all problems of the row, not just the first.

        Columns the file lacks take their default without a look (the header check made sure
        no required one is missing).
        """
        present, defaults = self._plan(row.cells)
        problems: list[Problem] = []
        values = row.values
        values.update(defaults)
        cells = row.cells
        for name, parser, required, default in present:
            raw = cells[name]
            if raw is None or (raw.__class__ is str and (not raw or raw.isspace())):
                if required:
                    problems.append(Problem(name, "", REQUIRED))
                values[name] = default
                continue
            try:
                values[name] = parser(raw)
            except CellError as exc:
                problems.append(Problem(name, shown(raw), exc.reason))
        return problems

    def _plan(
        self, cells: dict[str, Any]
    ) -> tuple[list[tuple[str, Callable[[object], Any], bool, Any]], dict[str, Any]]:
        """The columns a row has (name, parser, required, default) and the defaults of the rest.

        Rows of one file share their keys, so the plan is made once and reused while the keys
        stay the same.
        """
        keys = cells.keys()
        cached = self.__dict__.get("_plan_cache")
        if cached is not None and cached[0] == keys:
            return cached[1], cached[2]
        present = [
            (column.name, column.parser, column.required, column.default)
            for column in self.columns
            if column.name in cells
        ]
        defaults = {
            column.name: column.default for column in self.columns if column.name not in cells
        }
        self.__dict__["_plan_cache"] = (set(keys), present, defaults)
        return present, defaults

    def check(self, values: dict[str, Any], ctx: ImportContext) -> list[Problem]:
        """Rules on one parsed row that need no lookup beyond the territory index."""
        return []

    def resolve(self, rows: list[Row], ctx: ImportContext, result: BatchResult) -> list[Row]:
        """Rules that need the persons or incidents the batch refers to; returns accepted rows."""
        return rows

    @abstractmethod
    def insert(self, rows: list[Row], ctx: ImportContext) -> int:
        """Store the accepted rows of a batch; returns how many were written."""

    # --- helpers shared by the kinds ----------------------------------------------------------

    @staticmethod
    def not_future(values: dict[str, Any], name: str, ctx: ImportContext) -> Problem | None:
        value = values.get(name)
        if value is None:
            return None
        day = local_date(value, ctx.zone) if isinstance(value, dt.datetime) else value
        if day > ctx.today:
            return Problem(name, shown(value), IN_FUTURE)
        return None

    @staticmethod
    def district(
        values: dict[str, Any], day: dt.date, ctx: ImportContext, name: str = "district"
    ) -> Problem | None:
        """Resolve ``values[name]`` (a KATO code) to a district id in place, or say why not."""
        code = values.get(name)
        if code is None:
            return None
        pk = ctx.territories.district_on(code, day)
        if pk is None:
            return Problem(name, code, NOT_A_DISTRICT)
        if ctx.scope_ids is not None and pk not in ctx.scope_ids:
            return Problem(name, code, OUTSIDE_SCOPE)
        values[f"{name}_id"] = pk
        return None
