"""Orders and their check-ins, behaviour requirements, offences and risk assessments, each
kept within the law in force on the day it was decided (``registry.legal``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from qorgau.registry.legal import rule_versions, rules_in_force
from qorgau.synth import calibration as cal
from qorgau.synth.sampling.capture import DAY, expit
from qorgau.synth.sampling.incidents import _clip_today
from qorgau.synth.sampling.region import choice
from qorgau.synth.sampling.spec import Block, BlockSpec


def _sample_orders(rng: np.random.Generator, spec: BlockSpec, block: Block) -> None:
    inc = block.inc
    which = np.flatnonzero(inc["order"])
    k = len(which)
    today = np.datetime64(spec.today)
    reported_day = (
        inc["day"][which] + ((inc["seconds"][which] + inc["delay"][which]) // 86400) * DAY
    )
    issued = _clip_today(reported_day + (rng.random(k) < 0.25) * DAY, spec.today)
    forced = inc["forced"][which]
    serve_delay = choice(rng, {"0": 0.7, "1": 0.2, "2": 0.04, "3": 0.03, "4": 0.01, "-": 0.02}, k)
    never = (serve_delay == "-") & ~forced
    served = (
        issued
        + np.where(never | forced, 0, np.where(serve_delay == "-", "0", serve_delay).astype(int))
        * DAY
    )
    unserved = never | (served > today)
    ends = served + 29 * DAY  # the term is 30 days, the day of service being day 1
    revoked = (rng.random(k) < 0.02) & ~unserved & ~forced
    revoked_on = served + rng.integers(2, 21, k) * DAY
    revoked &= revoked_on <= today
    stop = np.where(revoked, revoked_on - DAY, ends)
    stop = np.minimum(stop, today)
    violated = (rng.random(k) < cal.ORDER_VIOLATION_SHARE) & ~unserved & (stop >= served) & ~forced
    span = (stop - served).astype(int) + 1
    violation_on = served + (rng.random(k) * np.maximum(span, 1)).astype(int) * DAY
    arrest = rng.random(k) < cal.VIOLATION_ARREST_SHARE
    pattern = choice(rng, {"diligent": 0.82, "sloppy": 0.13, "abandoned": 0.05}, k)
    if forced.any():
        f = np.flatnonzero(forced)
        pattern[f] = "diligent"
        pattern[f[:3]] = "abandoned"
    block.orders = dict(
        incident=which,
        issued=issued,
        served=served,
        unserved=unserved,
        ends=ends,
        revoked=revoked,
        revoked_on=revoked_on,
        violated=violated,
        violation_on=violation_on,
        arrest=arrest,
    )
    _sample_checks(rng, block, pattern, stop)


def _sample_checks(
    rng: np.random.Generator, block: Block, pattern: np.ndarray, stop: np.ndarray
) -> None:
    """Compliance checks every ≤7 days for most orders; some sloppy, some abandoned."""
    orders = block.orders
    k = len(pattern)
    width = 9
    gaps = np.where(
        (pattern == "sloppy")[:, None],
        rng.integers(6, 13, (k, width)),
        rng.integers(4, 8, (k, width)),
    )
    offsets = np.cumsum(gaps, axis=1)
    days = orders["served"][:, None] + offsets * DAY
    valid = (days <= stop[:, None]) & ~orders["unserved"][:, None]
    valid[:, 1:] &= (pattern != "abandoned")[:, None]
    order_idx, column = np.nonzero(valid)
    checked = days[order_idx, column]
    violation = orders["violation_on"][order_idx]
    # The first check on or after a violation finds the order broken.
    after = orders["violated"][order_idx] & (checked >= violation)
    previous = np.where(
        column > 0, days[order_idx, np.maximum(column - 1, 0)], orders["served"][order_idx]
    )
    compliant = ~(after & (previous < violation))
    last = np.where(
        valid.any(axis=1),
        np.where(valid, days, orders["served"][:, None]).max(axis=1),
        orders["served"],
    )
    orders["next_check_due"] = last + 7 * DAY
    block.checks = dict(order=order_idx, day=checked, compliant=compliant)


def _term_within_the_law(term: np.ndarray, decided: np.ndarray) -> np.ndarray:
    """Terms clipped to the range of the law of each decision day (the registry's table of legal
    rules): the short terms drawn for after June 2024 follow it if it allows them."""
    term = term.copy()
    for rule in rule_versions("requirement.term_months"):
        within = decided >= np.datetime64(rule.valid_from)
        if rule.valid_to is not None:
            within &= decided <= np.datetime64(rule.valid_to)
        term[within] = np.clip(term[within], rule.value["min"], rule.value["max"])
    return term


def _sample_requirements(rng: np.random.Generator, spec: BlockSpec, block: Block) -> None:
    inc, orders = block.inc, block.orders
    k = len(orders["incident"])
    ratio = cal.requirement_ratio(spec.year) * spec.region.requirement_factor
    chosen = np.flatnonzero(rng.random(k) < ratio)
    incident = orders["incident"][chosen]
    decided = inc["day"][incident] + rng.integers(7, 46, len(chosen)) * DAY
    keep = decided <= np.datetime64(spec.today)
    incident, decided = incident[keep], decided[keep]
    m = len(incident)
    new_law = decided >= np.datetime64(cal.CRIMINALISATION)
    term = _term_within_the_law(
        np.where(
            new_law & (rng.random(m) < 0.15),
            rng.integers(1, 3, m),
            rng.choice([3, 4, 6, 9, 12], m, p=[0.3, 0.1, 0.35, 0.1, 0.15]),
        ),
        decided,
    )
    conditions = []
    reports = np.zeros(m, dtype=int)
    draws = rng.random((m, 5))
    for i in range(m):
        chosen_conditions = ["no_contact"]
        if draws[i, 0] < 0.45:
            chosen_conditions.append("no_alcohol_drugs")
        if draws[i, 1] < 0.15:
            chosen_conditions.append("no_weapons")
        if draws[i, 2] < 0.35:
            chosen_conditions.append("report_to_police")
            reports[i] = 1 + int(draws[i, 4] * 4)
        if new_law[i] and draws[i, 3] < 0.4:
            chosen_conditions.append("attend_psychocorrection")
        if new_law[i] and draws[i, 4] < 0.12:
            chosen_conditions.append("no_cohabitation")
        conditions.append(sorted(chosen_conditions))
    violated = rng.random(m) < 0.04
    block.requirements = dict(
        incident=incident,
        decided=decided,
        term=term,
        conditions=np.asarray(conditions + [[]], dtype=object)[:-1],
        reports=reports,
        violated=violated,
        violation_share=rng.random(m),
        violation_condition=rng.random(m),
    )


def _decided(
    rng: np.random.Generator, committed: np.ndarray, low: int, high: int, today: dt.date
) -> tuple[np.ndarray, np.ndarray]:
    decided = committed + rng.integers(low, high, len(committed)) * DAY
    return decided, np.asarray(decided <= np.datetime64(today))


def _sample_offences(rng: np.random.Generator, spec: BlockSpec, block: Block) -> None:
    """Art. 73 and criminal offences of incidents, and art. 461 for violated orders."""
    inc, orders = block.inc, block.orders
    admin = np.flatnonzero(inc["art73"])
    crim = np.flatnonzero(inc["criminal"])
    violations = np.flatnonzero(orders["violated"])
    parts = []
    committed = inc["day"][admin]
    decided, done = _decided(rng, committed, 3, 61, spec.today)
    outcome = choice(
        rng,
        {"fine": 0.55, "warning": 0.08, "detention": 0.17, "community_service": 0.05,
         "dismissed": 0.10, "reconciliation": 0.05},
        len(admin),
    )  # fmt: skip
    outcome[(outcome == "community_service") & (decided < np.datetime64("2025-09-01"))] = "fine"
    parts.append(
        (
            admin,
            "administrative",
            np.full(len(admin), "73", object),
            committed,
            decided,
            done,
            outcome,
        )
    )
    committed = inc["day"][crim]
    decided, done = _decided(rng, committed, 30, 241, spec.today)
    outcome = choice(rng, {"conviction": 0.6, "reconciliation": 0.2, "dismissed": 0.2}, len(crim))
    outcome[(inc["article"][crim] == "99") & (outcome == "reconciliation")] = "conviction"
    parts.append((crim, "criminal", inc["article"][crim], committed, decided, done, outcome))
    committed = orders["violation_on"][violations]
    decided, done = _decided(rng, committed, 1, 11, spec.today)
    warn = (rng.random(len(violations)) < 0.15) & (committed < np.datetime64(cal.NO_WARNING_FROM))
    outcome = np.where(
        orders["arrest"][violations], "detention", np.where(warn, "warning", "fine")
    ).astype(object)
    parts.append(
        (
            orders["incident"][violations],
            "administrative",
            np.full(len(violations), "461", object),
            committed,
            decided,
            done,
            outcome,
        )
    )
    keys = ("incident", "kind", "article", "committed", "decided", "done", "outcome")
    block.offences = {
        key: np.concatenate(
            [
                np.full(len(p[0]), p[1], object) if key == "kind" else p[keys.index(key)]
                for p in parts
            ]
        )
        for key in keys
    }
    block.offences["violation_sanction"] = outcome
    _reconcile_within_the_law(block)


def _reconcile_within_the_law(block: Block) -> None:
    """A reconciliation the law of its decision day forbids (a second one for the same
    offender, registry.lawcheck) becomes the penalty instead: a fine or a conviction."""
    f = block.offences
    owner = block.inc["owner"][f["incident"]]
    candidates = np.flatnonzero(f["done"] & (f["outcome"] == "reconciliation"))
    reconciled: dict[int, int] = {}
    for i in candidates[np.argsort(f["decided"][candidates], kind="stable")]:
        day = f["decided"][i].astype("datetime64[D]").astype(dt.date)
        before = reconciled.get(int(owner[i]), 0)
        if any(
            f["kind"][i] in rule.value["kinds"] and before >= rule.value["max"]
            for rule in rules_in_force("offence.reconciliation_limit", day)
        ):
            f["outcome"][i] = "fine" if f["kind"][i] == "administrative" else "conviction"
        else:
            reconciled[int(owner[i])] = before + 1


def _sample_risks(rng: np.random.Generator, spec: BlockSpec, block: Block) -> None:
    inc = block.inc
    n = len(inc["owner"])
    p = np.where(inc["order"], 0.6, 0.25) * ~inc["homicide"]
    chosen = np.flatnonzero(rng.random(n) < p)
    answers = rng.random((len(chosen), len(RISK_ITEMS))) < expit(
        np.asarray(RISK_BASE)[None, :] + 0.8 * inc["severity"][chosen][:, None]
    )
    block.risks = dict(
        incident=chosen,
        answers=answers,
        delay=rng.integers(1800, 86400, len(chosen)),
        raised=rng.random(len(chosen)) < 0.08,
    )


RISK_ITEMS = (
    "strangulation", "threat_to_kill", "weapon", "escalation", "separation", "pregnancy",
    "stalking", "children_threatened", "prior_violations", "sexual_violence", "victim_fear",
    "prior_violence", "substance_abuse", "controlling", "suicide_threat", "isolation",
)  # fmt: skip
RISK_BASE = (
    -2.5, -1.8, -3.0, -1.0, -1.2, -2.5, -1.5, -2.0, -2.5, -3.0, -0.8, 0.0, -0.3, -0.8, -2.5, -1.5,
)  # fmt: skip
