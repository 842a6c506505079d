"""Synthetic data of the parts above the registry (programmes, coordination, budget, citizens).

Those parts build on the registry's synthetic records, and the registry's synthesis must not
import them; each registers its synthesiser here from its ``AppConfig.ready()``, and
``qorgau synth`` runs them, in registration order, after the registry's data, in the same
transaction. ``--clear`` clears them first, in reverse order, since their rows refer to the
registry's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Synthesise(Protocol):
    def __call__(self, *, seed: int, progress: Callable[[str], None] | None = None) -> Any: ...


@dataclass(frozen=True)
class PartSynthesiser:
    name: str
    synthesise: Synthesise
    clear: Callable[[], Any]


PARTS: dict[str, PartSynthesiser] = {}


def part_register(name: str, *, synthesise: Synthesise, clear: Callable[[], Any]) -> None:
    """Have ``qorgau synth`` generate (and ``--clear`` remove) the synthetic data of ``name``."""
    PARTS[name] = PartSynthesiser(name, synthesise, clear)


def parts_synthesise(*, seed: int, progress: Callable[[str], None]) -> dict[str, int]:
    """Run every registered part; returns the rows written, ``{"part.table": rows}``."""
    counts: dict[str, int] = {}
    for part in PARTS.values():
        progress(f"{part.name}: synthesising")
        written = part.synthesise(seed=seed, progress=progress) or {}
        counts.update({f"{part.name}.{key}": int(value) for key, value in written.items()})
    return counts


def parts_clear() -> None:
    for part in reversed(list(PARTS.values())):
        part.clear()
