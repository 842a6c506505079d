"""Reading a table of capture histories from a CSV file (the ``qorgau latency mse`` input).

One column per list holding 0 or 1 and a ``count`` column; one row per observed pattern.
Every problem is reported with the row and column it is in, so the analyst can fix the file.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from qorgau.latency.mse import CaptureTable
from qorgau.lib.tabular import EmptyTable, UnreadableTable, read_table


class TableError(ValueError):
    """The file is not a table of capture histories; the message names the row and column."""


def read_capture_csv(path: Path) -> CaptureTable:
    """The table in ``path``: CSV in UTF-8 (with or without a byte-order mark) or Windows-1251,
    separated by commas, semicolons (a spreadsheet in a Kazakh or Russian locale) or tabs."""
    try:
        table = read_table(path, kind="csv")
    except EmptyTable:
        raise TableError(_("The file is empty.")) from None
    except (OSError, UnreadableTable) as exc:
        raise TableError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}
        ) from exc
    return parse_capture_rows([table.header, *(cells for _number, cells in table.rows)])


def parse_capture_rows(rows: list[list[str]]) -> CaptureTable:
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise TableError(_("The file is empty."))
    header = [cell.strip() for cell in rows[0]]
    if "count" not in header:
        raise TableError(_("Row 1: there is no column named 'count'."))
    lists = [name for name in header if name != "count"]
    if len(lists) < 2:
        raise TableError(_("Row 1: at least two list columns are needed besides 'count'."))
    if len(set(header)) != len(header) or "" in header:
        raise TableError(_("Row 1: column names must be unique and not empty."))
    position = {name: header.index(name) for name in header}
    counts: dict[tuple[int, ...], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise TableError(
                _("Row %(row)s: %(found)s values, but the header has %(expected)s.")
                % {"row": number, "found": len(row), "expected": len(header)}
            )
        pattern = []
        for name in lists:
            value = row[position[name]].strip()
            if value not in ("0", "1"):
                raise TableError(
                    _("Row %(row)s, column '%(column)s': %(value)r is not 0 or 1.")
                    % {"row": number, "column": name, "value": value}
                )
            pattern.append(int(value))
        raw = row[position["count"]].strip()
        try:
            count = int(raw)
        except ValueError:
            count = -1
        if count < 0:
            raise TableError(
                _("Row %(row)s, column 'count': %(value)r is not a whole number of 0 or more.")
                % {"row": number, "value": raw}
            )
        key = tuple(pattern)
        if not any(key):
            if count:
                raise TableError(
                    _(
                        "Row %(row)s: the all-zero pattern (on no list) cannot be observed; "
                        "it is what is estimated."
                    )
                    % {"row": number}
                )
            continue
        if key in counts:
            raise TableError(_("Row %(row)s: the same pattern appears twice.") % {"row": number})
        counts[key] = count
    return CaptureTable.from_counts(lists, counts)
