"""Plausible Kazakh mobile numbers for synthetic directory entries.

Every entry once had ``+7 700 000 00 00``, which looks like a placeholder on a demo. Numbers
are drawn from the operators' mobile prefixes with random subscriber digits, from a
generator seeded by the run, so the same seed gives the same numbers. They are random, not
taken from anyone: no real-looking personal data beyond a well-formed number.
"""

from __future__ import annotations

import numpy as np

# Mobile prefixes (after +7) of the Kazakh operators (Beeline, Kcell/Activ, Tele2/Altel).
MOBILE_PREFIXES = (
    "700",
    "701",
    "702",
    "705",
    "707",
    "708",
    "747",
    "771",
    "775",
    "776",
    "777",
    "778",
)


def mobile_number(rng: np.random.Generator) -> str:
    """One number written as Kazakh directories do: ``+7 7XX XXX XX XX``."""
    prefix = MOBILE_PREFIXES[int(rng.integers(len(MOBILE_PREFIXES)))]
    digits = f"{int(rng.integers(10_000_000)):07d}"
    return f"+7 {prefix} {digits[:3]} {digits[3:5]} {digits[5:]}"
