"""Synthetic data of the parts above the registry (programmes, coordination, budget, citizens).

Those parts build on the registry's synthetic records, and neither side imports the other's
core: each part keeps its generator in its own ``synthesis`` module, with two functions,
``synthesise(*, seed, progress=None)`` and ``clear()``, and this part finds them
(:func:`parts_discover`, from ``SynthConfig.ready()``). A deployment without the ``synth``
app therefore never loads them. ``qorgau synth`` runs them in the order of
``INSTALLED_APPS``, after the registry's data, in the same transaction; ``--clear`` clears
them first, in reverse order, since their rows refer to the registry's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.apps import apps
from django.utils.module_loading import autodiscover_modules

MODULE = "synthesis"


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


def parts_discover() -> None:
    """Import every installed app's ``synthesis`` module and register its two functions under
    the app's label; a module without both is not a part (idempotent)."""
    autodiscover_modules(MODULE)
    for config in apps.get_app_configs():
        module = sys.modules.get(f"{config.name}.{MODULE}")
        synthesise = getattr(module, "synthesise", None)
        clear = getattr(module, "clear", None)
        if callable(synthesise) and callable(clear):
            part_register(config.label, synthesise=synthesise, clear=clear)


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
