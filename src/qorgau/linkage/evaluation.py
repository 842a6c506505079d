"""Where the true persons behind linked records come from, when anyone knows them.

Real registers carry no truth, so a real deployment cannot measure its own linkage quality
(the data steward's review queue is its labelled sample). Synthetic data do know the truth,
but linkage must not import the generator that made them: the ``synth`` part registers a
lookup here from its ``AppConfig.ready()``. Without a lookup, or when the lookup knows none
of the records, a run simply carries no quality figures.

Truth keys name the true person and are for evaluation only: they are read into memory to
score clusters and never stored beside them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

POLICE = "police"


@dataclass(frozen=True)
class TruthKeys:
    """The true person of each record: police ``Person`` ids and ``RegisterRecord`` ids."""

    persons: Mapping[int, str] = field(default_factory=dict)
    records: Mapping[int, str] = field(default_factory=dict)

    def key(self, register: str, source_id: int) -> str | None:
        """The truth key of one linkage record (``register`` as in ``LinkedRecord``)."""
        return (self.persons if register == POLICE else self.records).get(source_id)


class TruthLookup(Protocol):
    def __call__(self) -> TruthKeys: ...


_LOOKUP: list[TruthLookup] = []


def truth_lookup_register(lookup: TruthLookup | None) -> None:
    """Make ``lookup`` the source of truth keys (``None`` removes it; one lookup at a time)."""
    _LOOKUP.clear()
    if lookup is not None:
        _LOOKUP.append(lookup)


def truth_keys() -> TruthKeys:
    """The truth keys the registered lookup knows; none without a lookup."""
    return _LOOKUP[0]() if _LOOKUP else TruthKeys()
