"""The column tables of ``docs/import-formats.md``, generated from the kinds' declarations.

A test checks that the document contains exactly these tables, so the documentation cannot
drift from what the importer accepts. Regenerate them with ``print(column_tables())`` from
``qorgau shell``.
"""

from __future__ import annotations

from qorgau.registry.importing.engine import SPECS


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|") if text not in (None, "") else ""


def kind_table(kind: str) -> str:
    spec = SPECS[kind]
    lines = [
        f"### `{kind}`",
        "",
        "| column | required | format | example | meaning |",
        "|---|---|---|---|---|",
    ]
    for column in spec.columns:
        default = column.default
        if isinstance(default, tuple):
            default = ";".join(default)
        meaning = column.meaning
        if not column.required and default not in (None, "", False):
            meaning = f"{meaning} Default: `{default}`."
        codes = getattr(column.parser, "codes", "")
        shape = f"{column.format}: {codes}" if codes else column.format
        lines.append(
            f"| `{column.name}` | {'yes' if column.required else ''} | {_cell(shape)} | "
            f"{_cell(column.example)} | {_cell(meaning)} |"
        )
    return "\n".join(lines)


def column_tables() -> str:
    return "\n\n".join(kind_table(kind) for kind in SPECS) + "\n"
