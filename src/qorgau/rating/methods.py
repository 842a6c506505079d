"""Method files: versioned YAML, parsed and checked with errors that name the key and the reason.

A method file is the whole recipe of an index (see ``docs/rating.md``). The files shipped with
Qorgau live in ``data/methods/<name>-v<N>.yaml``; versions uploaded by a methodologist are
stored in the database (:class:`qorgau.rating.models.RatingMethod`), never overwriting one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from qorgau.rating.compute import (
    AGGREGATIONS,
    IMPUTATIONS,
    OUTLIER_TREATMENTS,
    WEIGHTINGS,
    GroupSpec,
    IndicatorSpec,
    Method,
    Treatment,
    Uncertainty,
)
from qorgau.rating.normalisation import NORMALISATIONS

METHODS_DIR = Path(__file__).resolve().parent / "data" / "methods"
FILE_NAME = re.compile(r"^(?P<name>[a-z0-9][a-z0-9_-]*)-v(?P<version>\d+)\.yaml$")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
DEFAULT_METHOD = "default"


class MethodError(ValueError):
    """A method file that cannot be used; ``key`` says where, the message says why."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


@dataclass(frozen=True)
class MethodFile:
    """A parsed method with the text it came from (shown on the method page) and its hash."""

    method: Method
    text: str
    data: dict[str, Any]

    @property
    def sha256(self) -> str:
        return content_hash(self.text)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def method_parse(text: str, *, catalogue: Any | None = None) -> MethodFile:
    """Parse and check a method file; with ``catalogue``, also against the indicator catalogue."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MethodError("(file)", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise MethodError("(file)", "must be a mapping of keys such as name, version, indicators")
    method = _method(data)
    if catalogue is not None:
        _check_catalogue(method, catalogue)
    return MethodFile(method=method, text=text, data=data)


def _method(data: dict[str, Any]) -> Method:
    name = data.get("name", "index")
    if not isinstance(name, str) or not NAME.match(name):
        raise MethodError("name", "lower-case letters, digits, - and _ (at most 60)")
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise MethodError("version", "a whole number from 1")
    groups = _groups(data.get("groups"))
    indicators = _indicators(data.get("indicators"), {g.code for g in groups})
    _check_tree(indicators, groups)
    normalisation, scale = _normalisation(data.get("normalisation", "minmax"), data.get("scale"))
    aggregation = _choice(data, "aggregation", AGGREGATIONS, "arithmetic")
    if aggregation == "geometric" and (normalisation == "zscore" or scale[0] <= 0):
        raise MethodError(
            "aggregation",
            "geometric needs positive normalised values: use minmax, rank or target with a "
            "scale starting above 0, e.g. scale: [1, 100]",
        )
    if normalisation == "target":
        for n, indicator in enumerate(indicators):
            if indicator.target is None:
                raise MethodError(f"indicators[{n}].target", "distance to target needs a target")
    imputation = data.get("imputation", "none")
    if isinstance(imputation, str):
        imputation = {"method": imputation}
    if not isinstance(imputation, dict):
        raise MethodError("imputation", "a method name or {method: ..., group: ...}")
    impute_method = _choice(imputation, "method", IMPUTATIONS, "none", prefix="imputation.")
    if impute_method == "group_mean" and not imputation.get("group"):
        raise MethodError(
            "imputation.group", "group_mean needs the column naming each unit's group"
        )
    return Method(
        name=name,
        version=version,
        indicators=indicators,
        groups=groups,
        normalisation=normalisation,
        scale=scale,
        aggregation=aggregation,
        weighting=_choice(data, "weighting", WEIGHTINGS, "expert"),
        imputation=impute_method,
        imputation_group=imputation.get("group"),
        treatment=_treatment(data.get("winsorisation")),
        uncertainty=_uncertainty(data.get("uncertainty")),
        flags=_flags(data.get("flags")),
    )


def _choice(
    data: dict[str, Any], key: str, allowed: tuple[str, ...], default: str, prefix: str = ""
) -> str:
    value = data.get(key, default)
    if value not in allowed:
        raise MethodError(prefix + key, f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _number(value: Any, key: str, *, positive: bool = False, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MethodError(key, f"{value!r} is not a number")
    if positive and value <= 0:
        raise MethodError(key, "must be greater than 0")
    if minimum is not None and value < minimum:
        raise MethodError(key, f"must be at least {minimum}")
    return float(value)


def _groups(items: Any) -> tuple[GroupSpec, ...]:
    if not isinstance(items, list) or not items:
        raise MethodError("groups", "a list of {code, weight, parent}; the top group has no parent")
    groups = []
    for n, item in enumerate(items):
        key = f"groups[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            raise MethodError(key, "needs a code")
        groups.append(
            GroupSpec(
                code=item["code"],
                weight=_number(item.get("weight", 1), f"{key}.weight", minimum=0),
                parent=item.get("parent"),
            )
        )
    tops = [g.code for g in groups if g.parent is None]
    if len(tops) != 1:
        raise MethodError("groups", f"exactly one group must have no parent (found {tops})")
    codes = [g.code for g in groups]
    if len(set(codes)) != len(codes):
        raise MethodError("groups", "group codes must be unique")
    for n, group in enumerate(groups):
        if group.parent is not None and group.parent not in codes:
            raise MethodError(f"groups[{n}].parent", f"{group.parent!r} is not a group")
    return tuple(groups)


def _indicators(items: Any, groups: set[str]) -> tuple[IndicatorSpec, ...]:
    if not isinstance(items, list) or not items:
        raise MethodError("indicators", "a list of {code, direction: 1|-1, weight, parent}")
    indicators = []
    for n, item in enumerate(items):
        key = f"indicators[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            raise MethodError(key, "needs a code")
        if item.get("direction") not in (1, -1):
            raise MethodError(f"{key}.direction", "1 (higher is better) or -1 (lower is better)")
        if not isinstance(item.get("parent"), str) or item["parent"] not in groups:
            raise MethodError(f"{key}.parent", f"{item.get('parent')!r} is not a group")
        if item["code"] in groups:
            raise MethodError(f"{key}.code", "an indicator and a group cannot share a code")
        target = item.get("target")
        indicators.append(
            IndicatorSpec(
                code=item["code"],
                direction=int(item["direction"]),
                weight=_number(item.get("weight", 1), f"{key}.weight", minimum=0),
                parent=item["parent"],
                target=None if target is None else _number(target, f"{key}.target"),
                denominator=item.get("denominator"),
            )
        )
    codes = [i.code for i in indicators]
    if len(set(codes)) != len(codes):
        raise MethodError("indicators", "indicator codes must be unique")
    return tuple(indicators)


def _check_tree(indicators: tuple[IndicatorSpec, ...], groups: tuple[GroupSpec, ...]) -> None:
    parents = {g.code: g.parent for g in groups}
    for code in parents:
        seen = {code}
        current = parents[code]
        while current is not None:
            if current in seen:
                raise MethodError("groups", f"the hierarchy loops through {current!r}")
            seen.add(current)
            current = parents[current]
    used = {i.parent for i in indicators} | {g.parent for g in groups if g.parent}
    for n, group in enumerate(groups):
        if group.code not in used:
            raise MethodError(f"groups[{n}]", f"{group.code!r} has no indicator or group under it")
    for level, siblings in _siblings(indicators, groups).items():
        if sum(siblings) <= 0:
            raise MethodError("weights", f"the weights under {level!r} add up to 0")


def _siblings(
    indicators: tuple[IndicatorSpec, ...], groups: tuple[GroupSpec, ...]
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    pairs = [(i.parent, i.weight) for i in indicators] + [(g.parent, g.weight) for g in groups]
    for parent, weight in pairs:
        if parent is not None:
            out.setdefault(parent, []).append(weight)
    return out


def _normalisation(value: Any, scale: Any) -> tuple[str, tuple[float, float]]:
    if isinstance(value, dict):
        scale = value.get("scale", scale)
        value = value.get("method")
    if value not in NORMALISATIONS:
        raise MethodError("normalisation", f"{value!r} is not one of {', '.join(NORMALISATIONS)}")
    if scale is None:
        return str(value), (0.0, 100.0)
    if not isinstance(scale, list) or len(scale) != 2:
        raise MethodError("scale", "two numbers [low, high]")
    low, high = _number(scale[0], "scale[0]"), _number(scale[1], "scale[1]")
    if high <= low:
        raise MethodError("scale", "high must be above low")
    return str(value), (low, high)


def _treatment(data: Any) -> Treatment:
    if data is None:
        return Treatment(method="none")
    if data is False:
        return Treatment(method="none")
    if not isinstance(data, dict):
        raise MethodError("winsorisation", "a mapping {method, skew, kurtosis, winmax, then_log}")
    method = _choice(data, "method", OUTLIER_TREATMENTS, "winsorise", prefix="winsorisation.")
    return Treatment(
        method=method,
        skew=_number(data.get("skew", 2.0), "winsorisation.skew", positive=True),
        kurtosis=_number(data.get("kurtosis", 3.5), "winsorisation.kurtosis"),
        winmax=int(_number(data.get("winmax", 5), "winsorisation.winmax", minimum=0)),
        then_log=bool(data.get("then_log", True)),
    )


def _uncertainty(data: Any) -> Uncertainty:
    if data is None:
        return Uncertainty(draws=0)
    if not isinstance(data, dict):
        raise MethodError("uncertainty", "a mapping {draws, seed, weight_range, ...}")
    draws = int(_number(data.get("draws", 1000), "uncertainty.draws", minimum=0))
    weight_range = _number(data.get("weight_range", 0.25), "uncertainty.weight_range", minimum=0)
    if weight_range >= 1:
        raise MethodError("uncertainty.weight_range", "below 1 (0.25 = each weight ±25%)")
    lists = {}
    for key, allowed in (
        ("normalisations", NORMALISATIONS),
        ("aggregations", AGGREGATIONS),
        ("imputations", IMPUTATIONS),
    ):
        values = data.get(key, [])
        if not isinstance(values, list) or any(v not in allowed for v in values):
            raise MethodError(f"uncertainty.{key}", f"a list of {', '.join(allowed)}")
        if key == "normalisations" and ("zscore" in values or "target" in values):
            raise MethodError(
                "uncertainty.normalisations", "alternatives must be minmax or rank (0–100 scale)"
            )
        lists[key] = tuple(values)
    real = _number(data.get("real_difference", 0.9), "uncertainty.real_difference")
    if not 0.5 < real < 1:
        raise MethodError("uncertainty.real_difference", "a probability between 0.5 and 1")
    return Uncertainty(
        draws=draws,
        seed=int(_number(data.get("seed", 1), "uncertainty.seed", minimum=0)),
        weight_range=weight_range,
        sampling=bool(data.get("sampling", True)),
        normalisations=lists["normalisations"],
        aggregations=lists["aggregations"],
        imputations=lists["imputations"],
        real_difference=real,
    )


def _flags(items: Any) -> tuple[dict[str, Any], ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise MethodError("flags", "a list of {code, registered, hard, fall}")
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not {"code", "registered", "hard"} <= set(item):
            raise MethodError(f"flags[{n}]", "needs code, registered and hard")
        _number(item.get("fall", 0.2), f"flags[{n}].fall", positive=True)
    return tuple(items)


def _check_catalogue(method: Method, catalogue: Any) -> None:
    """System methods score catalogue indicators (or the rating's own, from registers outside
    the police: :mod:`qorgau.rating.sources`) only, in their direction, never context ones."""
    from qorgau.rating.sources import SOURCE_INDICATORS

    for n, indicator in enumerate(method.indicators):
        key = f"indicators[{n}]"
        try:
            entry = SOURCE_INDICATORS.get(indicator.code) or catalogue.get(indicator.code)
        except KeyError:
            raise MethodError(
                f"{key}.code", f"{indicator.code!r} is not in the catalogue"
            ) from None
        if entry.better == "context":
            raise MethodError(
                f"{key}.code",
                f"{indicator.code!r} is context only in the catalogue and is never scored "
                "(registered counts must not become a target)",
            )
        if indicator.denominator:
            raise MethodError(
                f"{key}.denominator", "catalogue indicators are already rates; no denominator"
            )
        expected = 1 if entry.better == "higher" else -1
        if indicator.direction != expected:
            raise MethodError(
                f"{key}.direction",
                f"the catalogue says {entry.better} is better for {indicator.code!r}",
            )
    for n, flag in enumerate(method.flags):
        for code in [flag["registered"], *flag["hard"]]:
            try:
                catalogue.get(code)
            except KeyError:
                raise MethodError(f"flags[{n}]", f"{code!r} is not in the catalogue") from None


def check_gaps_never_reward(method: Method) -> None:
    """Refuse a method for the rating of akimats under which a missing value can raise a rank.

    Only ``worst`` qualifies (``docs/rating.md``, "Missing values"): ``mean``, ``median`` and
    ``group_mean`` give a territory whose figure is missing the average of the others, and
    ``none`` the average of its own other indicators; either can lift a territory whose
    estimate was refused above one that reported a poor figure. Old versions stay readable
    (their runs are kept); only storing and running are refused.
    """
    if method.imputation != "worst":
        raise MethodError(
            "imputation",
            f"{method.imputation!r} can reward a missing value; the rating of akimats counts a "
            "missing value as the worst value observed for that indicator (imputation: worst)",
        )
    rewarding = [m for m in method.uncertainty.imputations if m != "worst"]
    if rewarding:
        raise MethodError(
            "uncertainty.imputations",
            f"{', '.join(rewarding)} can reward a missing value in some draws; list only worst "
            "or leave the list out",
        )


def builtin_files() -> list[tuple[str, int, Path]]:
    """The method files shipped with Qorgau: (name, version, path), oldest first."""
    out = []
    for path in sorted(METHODS_DIR.glob("*.yaml")):
        match = FILE_NAME.match(path.name)
        if match:
            out.append((match["name"], int(match["version"]), path))
    return sorted(out, key=lambda item: (item[0], item[1]))
