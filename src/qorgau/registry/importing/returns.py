"""Yearly returns of social services and forensic medicine: ``qorgau returns import FILE``.

A return is one body's figures for one district and year (:class:`SocialReturn`): families in a
difficult life situation identified and supported, children in families at social risk, family
support centres, deaths from domestic violence. The rows are parsed and checked by the same
machinery as the register extracts (:class:`~qorgau.registry.importing.spec.KindSpec`: column
parsers, every problem of a row with its column and reason, the rejects file, the exit codes),
but a return is not a kind of :class:`ImportJob`: it holds no person, has no record number and
is keyed by ``(district, year, source)``, so it is not offered on the Imports page to the
holders of the police extracts' permission.

A re-run adds nothing: a row already stored from the same source with the same figures is
skipped; with other figures it is rejected (saying which figure differs) unless ``replace``
asks to correct the stored return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.registry.importing.engine import (
    EXIT_OK,
    EXIT_REJECTS,
    EXIT_UNREADABLE,
    RejectsWriter,
    import_scope,
)
from qorgau.registry.importing.fields import parse_int, parse_kato
from qorgau.registry.importing.readers import UnreadableFile, open_extract
from qorgau.registry.importing.refs import TerritoryIndex
from qorgau.registry.importing.spec import (
    BatchResult,
    Column,
    ImportContext,
    KindSpec,
    Problem,
    Row,
)
from qorgau.registry.models.returns import FIGURES, SocialReturn
from qorgau.registry.rules import local_zone
from qorgau.registry.services import OUTSIDE_SCOPE

if TYPE_CHECKING:
    from qorgau.accounts.models import User


KIND = "social-returns"
YEAR_NOT_BEGUN = _("This year has not begun yet.")
NO_DISTRICT_IN_YEAR = _("No district (or city administration) had this KATO code in that year.")
NO_FIGURE = _("The row gives no figure: fill at least one of %(columns)s.")
PART_OVER_WHOLE = _("Larger than %(whole)s (%(value)s) in the same row.")
PART_WITHOUT_WHOLE = _("Given without %(whole)s: fill %(whole)s in the same row.")
REPEATED_IN_FILE = _("The file gives this district and year twice (first in row %(row)s).")
DIFFERS_FROM_STORED = _(
    "Already imported from this source for this district and year with %(field)s = %(stored)s; "
    "run again with --replace to correct the stored return."
)
# (part, whole): a part is never larger than its whole and never given without it
PARTS = (
    ("families_supported", "families_identified"),
    ("deaths_female", "deaths"),
    ("deaths_children", "deaths"),
)


def _count(name: str, example: str, meaning: str, maximum: int = 10_000_000) -> Column:
    return Column(
        name, parse_int(0, maximum), format="whole number", example=example, meaning=meaning
    )


class SocialReturnsSpec(KindSpec):
    """Yearly figures per district from social services or forensic medicine."""

    kind = KIND
    model = SocialReturn
    columns: ClassVar[tuple[Column, ...]] = (
        Column(
            "district",
            parse_kato,
            required=True,
            format="KATO code (9 digits), as in force in `year`",
            example="101000000",
            meaning="District or city administration the figures are for.",
        ),
        Column(
            "year",
            parse_int(1990, 2100),
            required=True,
            format="year",
            example="2024",
            meaning="The calendar year the figures cover; not a year still to come.",
        ),
        _count("families_identified", "120", "Families in a difficult life situation identified."),
        _count("families_supported", "95", "Of them, families given support (at most identified)."),
        _count("children_at_risk", "240", "Children living in families at social risk."),
        _count("support_centres", "1", "Family support centres serving the district.", 1000),
        _count("deaths", "2", "Deaths from domestic violence (forensic medicine, civil registry)."),
        _count("deaths_female", "2", "Of the deaths, women and girls (at most deaths)."),
        _count("deaths_children", "0", "Of the deaths, children under 18 (at most deaths)."),
    )

    def check(self, values: dict[str, Any], ctx: ImportContext) -> list[Problem]:
        problems = [self._year_begun(values, ctx), self._district_in_year(values, ctx)]
        problems += self._figures(values)
        return [problem for problem in problems if problem]

    @staticmethod
    def _year_begun(values: dict[str, Any], ctx: ImportContext) -> Problem | None:
        if values["year"] > ctx.today.year:
            return Problem("year", str(values["year"]), YEAR_NOT_BEGUN)
        return None

    @staticmethod
    def _district_in_year(values: dict[str, Any], ctx: ImportContext) -> Problem | None:
        """The district's version at the end of the year, else at its start (a district
        abolished during the year still reports that year)."""
        code, year = values["district"], values["year"]
        pk = ctx.territories.district_on(code, dt.date(year, 12, 31))
        if pk is None:
            pk = ctx.territories.district_on(code, dt.date(year, 1, 1))
        if pk is None:
            return Problem("district", code, NO_DISTRICT_IN_YEAR)
        if ctx.scope_ids is not None and pk not in ctx.scope_ids:
            return Problem("district", code, OUTSIDE_SCOPE)
        values["district_id"] = pk
        return None

    @staticmethod
    def _figures(values: dict[str, Any]) -> list[Problem]:
        if all(values[name] is None for name in FIGURES):
            return [Problem(FIGURES[0], "", NO_FIGURE % {"columns": ", ".join(FIGURES)})]
        problems = []
        for part, whole in PARTS:
            if values[part] is None:
                continue
            if values[whole] is None:
                problems.append(
                    Problem(part, str(values[part]), PART_WITHOUT_WHOLE % {"whole": whole})
                )
            elif values[part] > values[whole]:
                reason = PART_OVER_WHOLE % {"whole": whole, "value": values[whole]}
                problems.append(Problem(part, str(values[part]), reason))
        return problems

    def insert(self, rows: list[Row], ctx: ImportContext) -> int:
        SocialReturn.objects.bulk_create(
            SocialReturn(
                district_id=row.values["district_id"],
                year=row.values["year"],
                source=ctx.source,
                imported_by_id=ctx.actor_id,
                **{name: row.values[name] for name in FIGURES},
            )
            for row in rows
        )
        return len(rows)


@dataclass(frozen=True)
class ReturnsOutcome:
    """How an import of returns ended, and the exit code the command returns for it."""

    exit_code: int
    processed: int = 0
    accepted: int = 0
    replaced: int = 0
    skipped: int = 0
    rejected: int = 0
    message: str = ""
    unknown_columns: tuple[str, ...] = ()


def returns_import(
    path: Path,
    *,
    source: str,
    actor: User | None = None,
    replace: bool = False,
    rejects_path: Path | None = None,
    today: dt.date | None = None,
) -> ReturnsOutcome:
    """Import a file of returns from ``source``; one transaction and one audit entry.

    ``actor`` (``None``: the system, the whole country) limits the districts to its territory.
    Rejected rows go to ``rejects_path`` (``row, field, value, reason``).
    """
    spec = SocialReturnsSpec()
    try:
        extract = open_extract(path, known=spec.column_names(), required=spec.required_columns())
    except UnreadableFile as exc:
        return ReturnsOutcome(EXIT_UNREADABLE, message=str(exc.reason))
    ctx = ImportContext(
        source=source,
        actor_id=getattr(actor, "pk", None),
        scope_ids=import_scope(actor),
        territories=TerritoryIndex(),
        zone=local_zone(),
        today=today or timezone.localdate(),
        actor=actor,
    )
    try:
        rows = list(extract.rows)
    except UnreadableFile as exc:
        return ReturnsOutcome(EXIT_UNREADABLE, message=str(exc.reason))
    finally:
        extract.close()
    with transaction.atomic():
        result, replaced = _store(spec, spec.prepare(rows, ctx), ctx, replace)
        if result.accepted or replaced:
            audit_record(
                action=AuditAction.CREATE,
                actor=actor,
                object_type="registry.socialreturn",
                details={"kind": KIND, "source": source, "rows": result.accepted,
                         "replaced": replaced},
            )  # fmt: skip
    writer = RejectsWriter(rejects_path)
    writer.write(result)
    writer.close()
    code = EXIT_REJECTS if result.rejects else EXIT_OK
    return ReturnsOutcome(
        code,
        processed=len(rows),
        accepted=result.accepted,
        replaced=replaced,
        skipped=result.skipped,
        rejected=result.rejected_rows,
        unknown_columns=tuple(extract.unknown_columns),
    )


def _store(
    spec: SocialReturnsSpec,
    parsed: list[tuple[Row, str | None, list[Problem]]],
    ctx: ImportContext,
    replace: bool,
) -> tuple[BatchResult, int]:
    """Reject bad and repeated rows, skip or correct stored ones, insert the rest."""
    result = BatchResult()
    stored = {
        (r.district_id, r.year): r
        for r in SocialReturn.objects.filter(source=ctx.source, year__in=_years(parsed))
    }
    first: dict[tuple[int, int], int] = {}
    fresh: list[Row] = []
    corrected: list[SocialReturn] = []
    for row, _record_id, problems in parsed:
        if problems:
            result.reject(row, problems)
            continue
        key = (row.values["district_id"], row.values["year"])
        if key in first:
            reason = REPEATED_IN_FILE % {"row": first[key]}
            result.reject(row, [Problem("district", row.values["district"], reason)])
            continue
        first[key] = row.number
        if key not in stored:
            fresh.append(row)
            continue
        outcome = _against_stored(row, stored[key], replace)
        if isinstance(outcome, Problem):
            result.reject(row, [outcome])
        elif outcome is None:
            result.skipped += 1
        else:
            corrected.append(outcome)
    if fresh:
        result.accepted = spec.insert(fresh, ctx)
    if corrected:
        SocialReturn.objects.bulk_update(corrected, list(FIGURES))
    return result, len(corrected)


def _years(parsed: list[tuple[Row, str | None, list[Problem]]]) -> set[int]:
    return {row.values["year"] for row, _id, problems in parsed if not problems}


def _against_stored(row: Row, stored: SocialReturn, replace: bool) -> Problem | SocialReturn | None:
    """``None`` when the stored return has the same figures (skip), the corrected return when
    ``replace``, else the problem naming the first figure that differs."""
    differing = [name for name in FIGURES if getattr(stored, name) != row.values[name]]
    if not differing:
        return None
    if replace:
        for name in FIGURES:
            setattr(stored, name, row.values[name])
        return stored
    name = differing[0]
    value = row.values[name]
    reason = DIFFERS_FROM_STORED % {"field": name, "stored": _shown(getattr(stored, name))}
    return Problem(name, _shown(value), reason)


def _shown(value: int | None) -> str:
    return "" if value is None else str(value)
