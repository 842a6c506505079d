"""What one block (a region and a year) is sampled from, and the arrays it is sampled into."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qorgau.synth.sampling.region import Region


@dataclass
class Block:
    """Everything sampled for one region and year; arrays are aligned per entity."""

    region: str
    year: int
    population: int
    # true victims
    true_district: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    z: np.ndarray = field(default_factory=lambda: np.empty(0))
    seen: dict[str, np.ndarray] = field(default_factory=dict)  # register → bool per true victim
    seen_on: dict[str, np.ndarray] = field(default_factory=dict)
    police: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    victim_sex: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    victim_birth: np.ndarray = field(default_factory=lambda: np.empty(0, "datetime64[D]"))
    # police victims (indices into the true victims) and their offenders
    pv: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    relationship: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    offender_sex: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    offender_birth: np.ndarray = field(default_factory=lambda: np.empty(0, "datetime64[D]"))
    # incidents (index into pv)
    inc: dict[str, np.ndarray] = field(default_factory=dict)
    orders: dict[str, np.ndarray] = field(default_factory=dict)
    checks: dict[str, np.ndarray] = field(default_factory=dict)
    requirements: dict[str, np.ndarray] = field(default_factory=dict)
    offences: dict[str, np.ndarray] = field(default_factory=dict)
    risks: dict[str, np.ndarray] = field(default_factory=dict)
    # set by the writer: names of every victim seen by any register, and their positions
    people: Any = None
    position: np.ndarray = field(default_factory=lambda: np.empty(0, int))


@dataclass(frozen=True)
class BlockSpec:
    """The inputs of one block, all plain values."""

    region: Region
    year: int
    scale: float
    last_day: dt.date  # the last day an incident may occur
    today: dt.date  # nothing later than this
    share: float  # the region's share of national registered volumes
    forced: tuple[int, ...] = ()  # district indices getting demo cases active today
    crisis_available: bool = True
