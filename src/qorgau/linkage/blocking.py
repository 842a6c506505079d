"""Blocking keys whose blocks are capped, so that the pairs a run scores grow with the records,
not with their square.

A blocking rule pairs every two records that share its key. Over a fixed pool of names the
blocks of a key such as "surname and first initial in one region" grow with the people per
region, and their pairs with its square: 30.8M pairs at 1,000,000 records, 84% of them from
the name rules (benchmarks/LONG-RUNS.md). Each rule's key is therefore written into a column
of its own before Splink sees the records, and left empty on the records of a block larger
than the cap: a block of that size says little (tf adjustment already weighs a common name
down), and its true pairs are found through the narrower keys that add the birth year or the
full date. A rule then forms at most ``cap`` pairs per record, whatever N; below the cap
(FEBRL, a region's registers) nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# A block of more records than this is left out of its rule (see the module docstring).
BLOCK_CAP = 30


@dataclass(frozen=True)
class BlockKey:
    """One blocking rule as a key column: ``parts`` are the input columns, each whole or by its
    first ``length`` characters (``(column, length)``)."""

    column: str
    parts: tuple[str | tuple[str, int], ...]

    @property
    def rule(self) -> dict[str, Any]:
        return {"blocking_rule": f'l."{self.column}" = r."{self.column}"'}

    def values(self, frame: Any) -> Any:
        """The key of each record of ``frame`` (pandas), missing where a part is missing (as
        SQL's ``l.x = r.x`` never holds on a missing ``x``; an empty text is a value)."""
        import pandas as pd

        key: Any = None
        for part in self.parts:
            name, length = (part, None) if isinstance(part, str) else part
            value = frame[name].astype("string")
            if length is not None:
                value = value.str.slice(0, length)
            key = value if key is None else key + "\x1f" + value
        return pd.Series(key, index=frame.index, dtype="string")


def with_block_keys(tables: Sequence[Any], keys: Sequence[BlockKey], cap: int) -> list[Any]:
    """Copies of ``tables`` with a column per key, its value left missing on the records of a
    block of more than ``cap`` records (counted over all the tables, as Splink pairs them)."""
    import pandas as pd

    if not keys:
        return list(tables)
    result = [table.copy() for table in tables]
    for key in keys:
        values = [key.values(table) for table in tables]
        sizes = pd.concat(values, ignore_index=True).value_counts()
        for table, value in zip(result, values, strict=True):
            table[key.column] = value.mask(value.map(sizes).fillna(0) > cap)
    return result
