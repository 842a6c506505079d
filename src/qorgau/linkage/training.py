"""Training of the Splink model, checked after every step, and the model's diagnostics.

Splink trains in place: an EM session strips the comparisons it cannot estimate from the
linker's own settings and resets the prior, and restores them only when it ends well. A step
that raises half-way therefore leaves a corrupted model behind — on one synthetic country a
"skipped" EM step left a prior of 2e-20 and no birth or place comparison, and the run went on to
"finish" with a recall of 0.62. So no step is skipped: every step is checked (parameters
finite; the prior within :data:`PRIOR_RANGE`; every comparison with all its levels, m and u
in (0, 1]; EM converged), and the first failure raises :class:`TrainingFailed`, which fails
the run with the reason. After each EM step, m below :data:`M_FLOOR` is raised to it
(additive smoothing), so that no level becomes a veto the data never justified.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from qorgau.linkage.splink_model import ModelSpec

# The prior probability that two random records are the same person. Above 0.5 most pairs would
# be matches; below the lower bound the estimate is broken, not the data. The prior is (pairs of
# one person) / (all pairs) and so falls as 1/N: with each person seen about 1.5 times it is
# about 1/N — 7e-7 at 300,000 records. The lower bound is therefore 1e-6, or, on more records,
# :data:`PRIOR_MATCHES_PER_RECORD` pairs of one person per record (:func:`prior_range`).
PRIOR_RANGE = (1e-6, 0.5)
PRIOR_MATCHES_PER_RECORD = 0.01
# The least m an EM step may leave on a level: no outcome of a comparison is impossible for
# two records of one person (a mistyped sex, a date with a slip, a move to another region),
# at least one true pair in a thousand shows it. EM on clean training pairs otherwise learns
# m = 1e-76 for "a slip of the date" — a veto worth −243 in match weight — and the next EM step
# underflows to m = 0 and stops.
M_FLOOR = 1e-3

# Why a training failed, by code; shown on the run page in the reader's language.
FAILURES: dict[str, _StrPromise] = {
    "step": _("The training step “%(step)s” stopped with an error: %(error)s"),
    "prior": _(
        "After the training step “%(step)s” the probability that two random records are the "
        "same person is %(value)s, outside the plausible range %(low)s–%(high)s."
    ),
    "not_finite": _(
        "After the training step “%(step)s” the parameter %(parameter)s is not a finite number."
    ),
    "levels": _(
        "After the training step “%(step)s” the comparison “%(comparison)s” no longer has "
        "its levels (expected %(expected)s, found %(found)s)."
    ),
    "probability": _(
        "After the training step “%(step)s” the %(kind)s probability of “%(comparison)s: "
        "%(level)s” is %(value)s; it must lie above 0 and at most 1."
    ),
    "underflow": _(
        "In the training step “%(step)s” too few pairs of records of one person fell into a "
        "comparison level to learn from: its m probability fell to zero. Link more records at "
        "once (several years, or the whole country: a few thousand records or more)."
    ),
    "not_converged": _(
        "Expectation maximisation in the training step “%(step)s” did not converge in "
        "%(iterations)s iterations (last change %(change)s)."
    ),
}
STEPS: dict[str, _StrPromise] = {
    "prior": _("prior probability of a match"),
    "u": _("u probabilities from random pairs"),
}


class TrainingFailed(Exception):
    """A training step failed its checks: the model must not score anything.

    ``code`` is a key of :data:`FAILURES`; ``params`` (plain strings and numbers, storable as
    JSON) fill its placeholders. ``str()`` gives the English text for logs and the command.
    """

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = {key: _plain(value) for key, value in params.items()}
        super().__init__(failure_text(code, self.params))


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.6g}") if math.isfinite(value) else str(value)
    return value if isinstance(value, int | str) else str(value)


def failure_text(code: str, params: dict[str, Any]) -> str:
    """The failure in the active language (the step named in it where it has a name)."""
    message = FAILURES.get(code, FAILURES["step"])
    filled = dict(params)
    step = str(filled.get("step", ""))
    filled["step"] = str(STEPS[step]) if step in STEPS else step
    try:
        return str(message) % filled
    except (KeyError, TypeError, ValueError):
        return f"{message} {params}"


def prior_range(records: int | None = None) -> tuple[float, float]:
    """The plausible prior on ``records`` records: :data:`PRIOR_RANGE`, its lower bound
    lowered on national-scale data to one pair of one person per 100 records (a prior of
    2e-20, what a broken EM step leaves, stays far outside)."""
    low, high = PRIOR_RANGE
    if records and records > 1:
        pairs = records * (records - 1) / 2
        low = min(low, PRIOR_MATCHES_PER_RECORD * records / pairs)
    return low, high


def train(
    linker: Any,
    spec: ModelSpec,
    *,
    seed: int,
    max_pairs: float,
    say: Callable[[str], None],
    records: int | None = None,
) -> dict[str, Any]:
    """Train ``linker`` as ``spec`` says, checking after each step; the model's diagnostics.

    ``records`` (how many the linker holds) widens the plausible prior on national-scale data
    (:func:`prior_range`). Raises :class:`TrainingFailed` on the first step that errs or
    fails a check.
    """
    check = partial(check_model, linker, spec, records=records)
    steps: list[dict[str, Any]] = []
    say("estimating the prior probability of a match")
    _step(
        "prior",
        lambda: linker.training.estimate_probability_two_random_records_match(
            spec.deterministic_rules, recall=spec.deterministic_recall
        ),
    )
    check("prior", trained_m=False, trained_u=False)
    steps.append({"step": "prior"})
    say("estimating u from random pairs")
    _step("u", lambda: linker.training.estimate_u_using_random_sampling(max_pairs, seed=seed))
    check("u", trained_m=False, trained_u=True)
    steps.append({"step": "u", "max_pairs": max_pairs})
    for rule in spec.em_blocking_rules:
        say(f"estimating m by expectation maximisation on {rule}")
        steps.append(_em_step(linker, spec, rule, records=records))
    return model_diagnostics(linker, steps)


def _step(step: str, action: Callable[[], Any]) -> Any:
    """Run one Splink training call; any error fails the training (never "skipped")."""
    try:
        return action()
    except TrainingFailed:
        raise
    except Exception as exc:
        if isinstance(exc, ValueError) and "below the minimum allowed value" in str(exc):
            # Splink refuses an m that EM drove to 0: a small extract, not a broken program.
            raise TrainingFailed("underflow", step=step) from exc
        raise TrainingFailed("step", step=step, error=f"{type(exc).__name__}: {exc}") from exc


def _em_step(
    linker: Any, spec: ModelSpec, rule: str, *, records: int | None = None
) -> dict[str, Any]:
    step = f"EM: {rule}"
    session = _step(
        step,
        lambda: linker.training.estimate_parameters_using_expectation_maximisation(
            rule,
            estimate_without_term_frequencies=True,
            max_pairs=spec.em_max_pairs,
            record_sample_proportion=spec.em_probe_proportion,
        ),
    )
    history = list(getattr(session, "_core_model_settings_history", []))
    iterations = max(len(history) - 1, 0)
    change = _last_change(history)
    limit = int(spec.settings.get("max_iterations", 25))
    if iterations >= limit and change >= float(spec.settings.get("em_convergence", 1e-4)):
        raise TrainingFailed(
            "not_converged", step=step, iterations=iterations, change=f"{change:.3g}"
        )
    check_model(linker, spec, step, trained_m=True, trained_u=True, records=records)
    floored = floor_m(linker, M_FLOOR)
    sample = getattr(session, "_sample_info", None) or {}
    return {
        "step": step,
        "iterations": iterations,
        "last_change": _plain(change),
        "sampled": bool(sample.get("sampling_applied")),
        # The pairs EM trained on (Splink's estimate): capped at ``spec.em_max_pairs`` whatever
        # the number of records.
        "pairs": _em_pairs(sample),
        "m_floored": floored,
    }


def _em_pairs(sample: dict[str, Any]) -> int | None:
    """The blocked pairs an EM step used (Splink's estimate from a 1% probe): after sampling
    when Splink sampled, else all; ``None`` when the probe found none to estimate from."""
    pairs = sample.get("expected_pairs_after_sampling") or sample.get("estimated_total_pairs")
    return round(pairs) if pairs is not None else None


def floor_m(linker: Any, floor: float) -> list[str]:
    """Raise every trained m below ``floor`` to it and rescale the comparison's other levels
    so that its m still sum to 1 (additive smoothing); the levels raised, for the record."""
    raised: list[str] = []
    for comparison in linker._settings_obj.comparisons:
        levels = [
            level
            for level in comparison.comparison_levels
            if not level.is_null_level and isinstance(level._m_probability, float)
        ]
        low = [level for level in levels if level._m_probability < floor]
        if not low or len(low) == len(levels):
            continue
        rest = sum(level._m_probability for level in levels if level not in low)
        scale = (1 - floor * len(low)) / rest
        for level in levels:
            level.m_probability = floor if level in low else level._m_probability * scale
        raised += [f"{comparison.output_column_name}: {level.label_for_charts}" for level in low]
    return raised


def _last_change(history: list[Any]) -> float:
    """The largest change of the prior or an m probability in the last EM iteration."""
    if len(history) < 2:
        return 0.0
    before, after = history[-2], history[-1]
    change = abs(
        after.probability_two_random_records_match - before.probability_two_random_records_match
    )
    for old, new in zip(before.comparisons, after.comparisons, strict=False):
        for a, b in zip(old.comparison_levels, new.comparison_levels, strict=False):
            if a.is_null_level or b.is_null_level:
                continue
            m_a, m_b = a.m_probability, b.m_probability
            if isinstance(m_a, float) and isinstance(m_b, float):
                change = max(change, abs(m_b - m_a))
    return float(change)


def check_model(
    linker: Any,
    spec: ModelSpec,
    step: str,
    *,
    trained_m: bool,
    trained_u: bool,
    records: int | None = None,
) -> None:
    """Raise :class:`TrainingFailed` unless the model is sound after ``step``.

    The prior lies in :func:`prior_range` (of ``records``); every comparison of ``spec`` is
    there with all its levels; where trained (``trained_m``/``trained_u``), m and u are finite
    and in (0, 1].
    """
    settings = linker._settings_obj
    prior = settings._probability_two_random_records_match
    if not isinstance(prior, int | float) or not math.isfinite(prior):
        raise TrainingFailed("not_finite", step=step, parameter="prior")
    low, high = prior_range(records)
    if not low <= prior <= high:
        raise TrainingFailed("prior", step=step, value=prior, low=low, high=high)
    expected = {
        c["output_column_name"]: len(c["comparison_levels"]) for c in spec.settings["comparisons"]
    }
    found = {c.output_column_name: len(c.comparison_levels) for c in settings.comparisons}
    for name, count in expected.items():
        if found.get(name) != count:
            raise TrainingFailed(
                "levels", step=step, comparison=name, expected=count, found=found.get(name, 0)
            )
    kinds = [kind for kind, on in (("m", trained_m), ("u", trained_u)) if on]
    for comparison in settings.comparisons:
        levels = [level for level in comparison.comparison_levels if not level.is_null_level]
        for kind in kinds:
            _check_levels(step, comparison.output_column_name, levels, kind)


def _check_levels(step: str, comparison: str, levels: list[Any], kind: str) -> None:
    """m (or u) of every level finite and in (0, 1]. Exactly 1 is allowed: it is what float
    arithmetic makes of 1 − 1e-18 when the other levels are (almost) never seen, and Splink
    floors a level it never saw at 1e-6, so no level weighs infinitely."""
    for level in levels:
        value = getattr(level, f"{kind}_probability")
        label = level.label_for_charts
        if value is None or not math.isfinite(value):
            raise TrainingFailed(
                "not_finite", step=step, parameter=f"{kind}({comparison}: {label})"
            )
        if not 0 < value <= 1:
            raise TrainingFailed(
                "probability", step=step, kind=kind, comparison=comparison, level=label,
                value=value,
            )  # fmt: skip


def model_diagnostics(linker: Any, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """m, u, Bayes factor and match weight per comparison level, the prior and the training
    steps — what the run page shows, so that a reader can see what the model learned."""
    settings = linker._settings_obj
    comparisons = []
    for comparison in settings.comparisons:
        levels = []
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            levels.append(_level_diagnostics(level))
        comparisons.append({"name": comparison.output_column_name, "levels": levels})
    prior = settings._probability_two_random_records_match
    return {
        "prior": _plain(prior),
        "prior_weight": _plain(math.log2(prior / (1 - prior))),
        "comparisons": comparisons,
        "training": steps,
    }


def _level_diagnostics(level: Any) -> dict[str, Any]:
    m, u = level.m_probability, level.u_probability
    bayes = m / u if m and u else None
    return {
        "label": level.label_for_charts,
        "m": _plain(m),
        "u": _plain(u),
        # False: the level never occurred in the training pairs, and Splink used its default
        # (or, for a level it saw nowhere, 1e-6).
        "m_observed": isinstance(level._m_probability, float),
        "u_observed": isinstance(level._u_probability, float),
        "bayes_factor": _plain(bayes) if bayes else None,
        "match_weight": _plain(math.log2(bayes)) if bayes else None,
        "tf": bool(getattr(level, "_has_tf_adjustments", False)),
    }
