"""Evaluation of the programmes by re-offending: Kaplan–Meier, Cox, propensity matching.

The maths are pure functions over a pandas frame with one row per obliged offender
(``cohort_frame`` builds it from the registry); lifelines and statsmodels do the estimation.

Columns of a cohort frame:

* ``group``: ``completed``, ``dropped_out`` or ``not_attended`` (obliged, never enrolled);
* ``months``: months from the time origin to the first re-offence or to the end of follow-up
  (origin: the programme's end; for those who never attended, the requirement's start plus
  the attenders' median time to the programme's end — see ``outcomes.cohort_frame``);
* ``event``: 1 if a re-offence (a new incident as offender, an order against him, an offence)
  was registered, else 0 (censored);
* ``risk``: the risk level of the index case, 0 low … 3 critical;
* ``prior_offences``: offences before the court decision;
* ``provider``, ``region``: names, for the curves by provider and region.

Caveat (shown next to every figure): nobody is randomised. Those who complete differ from
those who drop out or never come (lower risk, fewer priors, more stable lives), so a naive
comparison overstates the effect; adjustment and matching remove only what is measured.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext_lazy as _

GROUPS = ("completed", "dropped_out", "not_attended")
HORIZONS = (6, 12, 24)
COVARIATES = ("risk", "prior_offences")
DAYS_PER_MONTH = 365.25 / 12

GROUP_LABELS = {
    "completed": _("completed the programme"),
    "dropped_out": _("dropped out"),
    "not_attended": _("obliged, never attended"),
}

CAVEAT = _(
    "Nobody was assigned to a programme at random. Offenders who complete a programme differ "
    "from those who drop out or never come (on average lower risk and fewer prior offences), so "
    "the difference between the curves overstates what the programme does. The Cox model and "
    "the matched comparison adjust for the recorded risk level and prior offences only; "
    "anything unrecorded (motivation, employment, the relationship) still biases them. "
    "Re-offending here is what reached the police: it under-counts abuse."
)


# --- Kaplan–Meier ------------------------------------------------------------------------------


@dataclass
class Curve:
    """A Kaplan–Meier curve of one group: months, survival and its 95% interval."""

    group: str
    n: int
    events: int
    months: list[float]
    survival: list[float]
    low: list[float]
    high: list[float]
    reoffended: dict[int, tuple[float, float, float]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(GROUP_LABELS.get(self.group, self.group))

    @property
    def rates_list(self) -> list[tuple[int, tuple[float, float, float] | None]]:
        return [(h, self.reoffended.get(h)) for h in HORIZONS]


def km_curves(frame: pd.DataFrame, by: str = "group") -> list[Curve]:
    """One curve per value of ``by``, with the share re-offended at 6, 12 and 24 months."""
    from lifelines import KaplanMeierFitter  # type: ignore[import-untyped]

    curves = []
    for value, part in frame.groupby(by, sort=True):
        if part.empty:
            continue
        fitter = KaplanMeierFitter().fit(part["months"], part["event"], label=str(value))
        table = fitter.survival_function_.join(fitter.confidence_interval_)
        table.columns = ["s", "low", "high"]
        rates = {}
        for horizon in HORIZONS:
            if part["months"].max() < horizon:
                continue  # nobody followed up that long: no estimate, not a guess
            s = float(fitter.survival_function_at_times(horizon).iloc[0])
            ci = _interval_at(table, horizon)
            rates[horizon] = (1 - s, 1 - ci[1], 1 - ci[0])
        curves.append(
            Curve(
                group=str(value),
                n=len(part),
                events=int(part["event"].sum()),
                months=[float(t) for t in table.index],
                survival=table["s"].tolist(),
                low=table["low"].tolist(),
                high=table["high"].tolist(),
                reoffended=rates,
            )
        )
    return curves


def _interval_at(table: pd.DataFrame, t: float) -> tuple[float, float]:
    row = table[table.index <= t].iloc[-1]
    return float(row["low"]), float(row["high"])


def logrank_p(frame: pd.DataFrame, by: str = "group") -> float | None:
    from lifelines.statistics import multivariate_logrank_test  # type: ignore[import-untyped]

    if frame[by].nunique() < 2:
        return None
    result = multivariate_logrank_test(frame["months"], frame[by], frame["event"])
    return float(result.p_value)


# --- Cox ---------------------------------------------------------------------------------------


COVARIATE_LABELS = {
    "completed": _("completed the programme"),
    "treated": _("attended a programme"),
    "risk": _("risk level (0 low – 3 critical)"),
    "prior_offences": _("prior offences"),
}


@dataclass(frozen=True)
class CoxRow:
    covariate: str
    coef: float
    se: float
    hazard_ratio: float
    low: float
    high: float
    p: float

    @property
    def label(self) -> str:
        return str(COVARIATE_LABELS.get(self.covariate, self.covariate))


def cox_table(fitter: Any) -> list[CoxRow]:
    summary = fitter.summary
    return [
        CoxRow(
            covariate=str(name),
            coef=float(row["coef"]),
            se=float(row["se(coef)"]),
            hazard_ratio=float(row["exp(coef)"]),
            low=float(row["exp(coef) lower 95%"]),
            high=float(row["exp(coef) upper 95%"]),
            p=float(row["p"]),
        )
        for name, row in summary.iterrows()
    ]


def cox_fit(
    frame: pd.DataFrame,
    covariates: tuple[str, ...],
    *,
    duration: str = "months",
    event: str = "event",
    robust: bool = False,
    cluster: str | None = None,
) -> Any:
    """A Cox proportional-hazards fit (Efron ties, lifelines' default); constant columns are
    dropped, since they carry no information and make the fit singular."""
    from lifelines import CoxPHFitter

    usable = [c for c in covariates if frame[c].nunique() > 1]
    columns = [duration, event, *usable] + ([cluster] if cluster else [])
    fitter = CoxPHFitter()
    fitter.fit(
        frame[columns],
        duration_col=duration,
        event_col=event,
        robust=robust,
        cluster_col=cluster,
    )
    return fitter


def programme_cox(frame: pd.DataFrame) -> list[CoxRow]:
    """Completion against everyone else, adjusted for risk level and prior offences."""
    data = frame.assign(completed=(frame["group"] == "completed").astype(int))
    return cox_table(cox_fit(data, ("completed", *COVARIATES)))


# --- Propensity-score matching -----------------------------------------------------------------


@dataclass
class MatchResult:
    """1:1 nearest-neighbour matching on the logit of the propensity score (caliper 0.2 SD)."""

    treated: int
    controls: int
    pairs: int
    balance_before: dict[str, float]
    balance_after: dict[str, float]
    reoffended_treated: float | None
    reoffended_control: float | None
    hazard_ratio: CoxRow | None


def standardised_difference(x: np.ndarray, treated: np.ndarray) -> float:
    a, b = x[treated], x[~treated]
    pooled = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2) if len(a) > 1 and len(b) > 1 else 0
    return float((a.mean() - b.mean()) / pooled) if pooled else 0.0


def propensity_match(
    frame: pd.DataFrame,
    *,
    treated_groups: tuple[str, ...] = ("completed", "dropped_out"),
    control_group: str = "not_attended",
    covariates: tuple[str, ...] = COVARIATES,
    caliper: float = 0.2,
    horizon: int = 12,
) -> MatchResult:
    """Attenders (intention to treat: completed or dropped out) against obliged offenders who
    never attended, matched on a logistic propensity score (statsmodels) of the covariates."""
    import statsmodels.api as sm  # type: ignore[import-untyped]

    data = frame[frame["group"].isin((*treated_groups, control_group))].reset_index(drop=True)
    is_treated = data["group"].isin(treated_groups).to_numpy()
    usable = [c for c in covariates if data[c].nunique() > 1]
    before = {c: standardised_difference(data[c].to_numpy(float), is_treated) for c in usable}
    empty = MatchResult(
        int(is_treated.sum()), int((~is_treated).sum()), 0, before, {}, None, None, None
    )
    if is_treated.sum() < 5 or (~is_treated).sum() < 5:
        return empty
    design = sm.add_constant(data[usable].astype(float), has_constant="add")
    model = sm.Logit(is_treated.astype(float), design).fit(disp=0)
    score = np.clip(model.predict(design).to_numpy(), 1e-6, 1 - 1e-6)
    logit = np.log(score / (1 - score))
    pairs = _nearest_pairs(logit, is_treated, caliper * float(np.std(logit, ddof=1)))
    if not pairs:
        return empty
    matched = pd.concat(
        [
            data.iloc[[t for t, _ in pairs]].assign(treated=1, pair=range(len(pairs))),
            data.iloc[[c for _, c in pairs]].assign(treated=0, pair=range(len(pairs))),
        ],
        ignore_index=True,
    )
    flag = matched["treated"].to_numpy() == 1
    after = {c: standardised_difference(matched[c].to_numpy(float), flag) for c in usable}
    rates = {group: _share_by(matched[matched["treated"] == group], horizon) for group in (0, 1)}
    fitter = cox_fit(matched, ("treated",), robust=True, cluster="pair")
    return MatchResult(
        treated=int(is_treated.sum()),
        controls=int((~is_treated).sum()),
        pairs=len(pairs),
        balance_before=before,
        balance_after=after,
        reoffended_treated=rates[1],
        reoffended_control=rates[0],
        hazard_ratio=cox_table(fitter)[0],
    )


def _nearest_pairs(logit: np.ndarray, treated: np.ndarray, caliper: float) -> list[tuple[int, int]]:
    """Greedy 1:1 nearest-neighbour matching without replacement, within the caliper."""
    controls = sorted((float(logit[i]), int(i)) for i in np.flatnonzero(~treated))
    values = np.array([v for v, _ in controls])
    used = np.zeros(len(controls), dtype=bool)
    pairs = []
    for t in np.flatnonzero(treated):
        position = int(np.searchsorted(values, logit[t]))
        left, right = position - 1, position
        while left >= 0 and used[left]:
            left -= 1
        while right < len(values) and used[right]:
            right += 1
        best, best_distance = -1, caliper
        for j in (left, right):
            if 0 <= j < len(values) and abs(values[j] - logit[t]) <= best_distance:
                best, best_distance = j, abs(values[j] - logit[t])
        if best >= 0:
            used[best] = True
            pairs.append((int(t), controls[best][1]))
    return pairs


def _share_by(part: pd.DataFrame, horizon: int) -> float | None:
    from lifelines import KaplanMeierFitter

    if part.empty or part["months"].max() < horizon:
        return None
    fitter = KaplanMeierFitter().fit(part["months"], part["event"])
    return float(1 - fitter.survival_function_at_times(horizon).iloc[0])


# --- Naive rates (the baseline the benchmark compares with) ------------------------------------


def naive_rates(frame: pd.DataFrame, horizon: int = 12) -> dict[str, float]:
    """Share re-offended within ``horizon`` months among those followed that long, by group."""
    followed = frame[(frame["event"] == 1) | (frame["months"] >= horizon)]
    hit = (followed["event"] == 1) & (followed["months"] <= horizon)
    return {str(k): float(v) for k, v in hit.groupby(followed["group"]).mean().items()}


# --- The whole evaluation ----------------------------------------------------------------------


@dataclass
class Evaluation:
    n: int
    curves: list[Curve]
    logrank: float | None
    cox: list[CoxRow]
    matching: MatchResult | None
    by_provider: list[Curve]
    by_region: list[Curve]


MIN_GROUP = 10  # below this a curve or a model says nothing and may identify people


def evaluate(frame: pd.DataFrame, *, detail: bool = True) -> Evaluation:
    """KM by completion status (and provider, region), Cox, and the matched comparison."""
    frame = frame[frame["group"].isin(GROUPS)]
    if len(frame) < MIN_GROUP:
        return Evaluation(len(frame), [], None, [], None, [], [])
    cox: list[CoxRow] = []
    matching = None
    if frame["group"].eq("completed").sum() >= MIN_GROUP and frame["event"].sum() >= MIN_GROUP:
        cox = programme_cox(frame)
        matching = propensity_match(frame)
    attended = frame[frame["group"] != "not_attended"]
    return Evaluation(
        n=len(frame),
        curves=km_curves(frame),
        logrank=logrank_p(frame),
        cox=cox,
        matching=matching,
        by_provider=_large(km_curves(attended, "provider")) if detail else [],
        by_region=_large(km_curves(frame, "region")) if detail else [],
    )


def _large(curves: list[Curve]) -> list[Curve]:
    return [c for c in curves if c.n >= MIN_GROUP]


# --- A simulated cohort with a known effect ----------------------------------------------------


@dataclass(frozen=True)
class SimulationModel:
    """How the synthetic programme world works; the evaluation should recover ``log_hr``.

    Risk lowers the chance of enrolling and completing (selection), and raises re-offending;
    completion multiplies the hazard by ``exp(log_hr)``.
    """

    log_hr: float = math.log(0.7)
    base_monthly_hazard: float = 0.012
    risk_effect: float = 0.45
    prior_effect: float = 0.20
    enrol_intercept: float = 1.5
    complete_intercept: float = 1.6
    selection: float = 0.6


def simulate_choices(
    risk: np.ndarray, priors: np.ndarray, rng: np.random.Generator, model: SimulationModel
) -> np.ndarray:
    """The group of each obliged offender: low risk enrols and completes more often."""
    enrol = rng.random(len(risk)) < _expit(
        model.enrol_intercept - model.selection * risk - 0.2 * priors
    )
    complete = rng.random(len(risk)) < _expit(
        model.complete_intercept - model.selection * risk - 0.25 * priors
    )
    return np.where(enrol, np.where(complete, "completed", "dropped_out"), "not_attended")


def simulate_months_to_reoffence(
    group: np.ndarray,
    risk: np.ndarray,
    priors: np.ndarray,
    rng: np.random.Generator,
    model: SimulationModel,
) -> np.ndarray:
    linear = model.risk_effect * risk + model.prior_effect * priors
    linear = linear + np.where(group == "completed", model.log_hr, 0.0)
    hazard = model.base_monthly_hazard * np.exp(linear)
    return np.asarray(rng.exponential(1 / hazard))


def simulate_cohort(
    n: int, *, seed: int = 1, model: SimulationModel | None = None, follow_up: float = 30.0
) -> pd.DataFrame:
    """A cohort frame with the structure of ``cohort_frame`` and a known programme effect."""
    model = model or SimulationModel()
    rng = np.random.default_rng(seed)
    risk = rng.choice(4, size=n, p=[0.35, 0.35, 0.22, 0.08]).astype(float)
    priors = np.minimum(rng.poisson(0.4 + 0.4 * risk), 6).astype(float)
    group = simulate_choices(risk, priors, rng, model)
    months = simulate_months_to_reoffence(group, risk, priors, rng, model)
    censor = rng.uniform(3, follow_up, size=n)
    regions = np.array(["Abai", "Almaty", "Astana", "Shymkent"])
    return pd.DataFrame(
        {
            "group": group,
            "months": np.minimum(months, censor),
            "event": (months <= censor).astype(int),
            "risk": risk,
            "prior_offences": priors,
            "provider": np.where(group == "not_attended", "", rng.choice(["A", "B", "C"], size=n)),
            "region": rng.choice(regions, size=n),
        }
    )


def _expit(x: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-x)))


def months_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / DAYS_PER_MONTH
