"""Pure sampling: numbers in, numpy arrays out. Nothing here touches the database.

One *block* is a region and a year. Its true victims are drawn first (the hidden violence),
each with a latent severity ``z`` and help-seeking ``u``; every register, the police
included, captures a victim with a logistic probability in ``z`` and ``u`` (so captures are
heterogeneous and positively dependent), and being seen by health, a crisis centre or the
111 line raises the chance of reaching the police. The victims the police register then get
their incidents, orders, requirements, offences, check-ins and risk assessments.

The parts, in the order a block is sampled: ``capture`` (the registers' capture model),
``region`` (a region's effects, the weighted days), ``spec`` (a block's inputs and arrays),
``victims``, ``incidents``, ``justice`` (orders, requirements, offences, risks) and ``block``
(``sample_block``, the whole). The names the writer and the services use are re-exported here.
"""

from qorgau.synth.sampling.block import sample_block
from qorgau.synth.sampling.capture import DAY, REGISTERS, Capture, capture_intercepts, expit
from qorgau.synth.sampling.justice import RISK_BASE, RISK_ITEMS
from qorgau.synth.sampling.region import Region, choice, day_weights, region_effects, year_days
from qorgau.synth.sampling.spec import Block, BlockSpec

__all__ = [
    "DAY",
    "REGISTERS",
    "RISK_BASE",
    "RISK_ITEMS",
    "Block",
    "BlockSpec",
    "Capture",
    "Region",
    "capture_intercepts",
    "choice",
    "day_weights",
    "expit",
    "region_effects",
    "sample_block",
    "year_days",
]
