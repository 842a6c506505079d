"""The ASEM example of COINr 1.1.14 (``build_example_coin()``), reproduced from its inputs.

COINr's pipeline: Denominate → Impute (mean of the unit's EurAsia_group) → Screen (data
availability ≥ 0.9: after imputation every unit passes) → Treat (|skew| ≥ 2 and kurtosis ≥ 3.5
→ winsorise up to 5 points, else log) → Normalise (min–max to [0, 100] after multiplying by the
direction) → Aggregate (weighted arithmetic mean, level by level). The reference scores are
printed with 6 decimals, hence the 1e-6 tolerance on scores; the treated data match to 1e-10.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qorgau.rating.compute import (
    GroupSpec,
    IndicatorSpec,
    Method,
    Treatment,
    compute_index,
    denominate,
)
from qorgau.rating.normalisation import merge_near_ties

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def asem():
    meta = pd.read_csv(DATA / "composite_asem_iMeta.csv")
    indicators = meta[meta.Type == "Indicator"]
    groups = meta[meta.Type == "Aggregate"]
    method = Method(
        name="asem",
        version=1,
        indicators=tuple(
            IndicatorSpec(
                code=r.iCode,
                direction=int(r.Direction),
                weight=float(r.Weight),
                parent=r.Parent,
                denominator=None if pd.isna(r.Denominator) else r.Denominator,
            )
            for r in indicators.itertuples()
        ),
        groups=tuple(
            GroupSpec(r.iCode, float(r.Weight), None if pd.isna(r.Parent) else r.Parent)
            for r in groups.itertuples()
        ),
        normalisation="minmax",
        aggregation="arithmetic",
        imputation="group_mean",
        imputation_group="EurAsia_group",
        treatment=Treatment(method="winsorise", skew=2, kurtosis=3.5, winmax=5),
    )
    raw = pd.read_csv(DATA / "composite_asem_iData_raw.csv")
    treated = pd.read_csv(DATA / "composite_asem_treated.csv").set_index("uCode")
    scores = pd.read_csv(DATA / "composite_asem_coinr_scores.csv").set_index("uCode")
    return method, raw, treated, scores


def test_normalisation_and_aggregation_from_the_treated_data(asem):
    method, _, treated, scores = asem
    data = treated[method.codes].to_numpy()
    # the near-tie guard leaves data without near-ties exactly as they are: plain min–max
    np.testing.assert_array_equal(merge_near_ties(data), data)
    result = compute_index(list(treated.index), data, method, treat_data=False)
    assert result.constant == {} and result.dropped == []
    expected = scores.loc[treated.index]
    for group in ["Index", "Conn", "Sust", "Physical", "ConEcFin", "Political", "Instit", "P2P"]:
        np.testing.assert_allclose(result.groups[group], expected[group], atol=1e-6)
    np.testing.assert_array_equal(result.rank, expected["Rank"])


def test_the_whole_pipeline_from_the_raw_data(asem):
    method, raw, treated, scores = asem
    data = raw[method.codes].to_numpy(dtype=float)
    for j, indicator in enumerate(method.indicators):
        if indicator.denominator:
            data[:, j] = denominate(data[:, j], raw[indicator.denominator].to_numpy(dtype=float))
    assert np.isnan(data).any()  # the raw data has gaps that must be imputed
    result = compute_index(
        raw["uCode"].tolist(), data, method, unit_groups=raw["EurAsia_group"].tolist()
    )
    np.testing.assert_allclose(
        result.treated, treated.loc[raw["uCode"], method.codes].to_numpy(), rtol=1e-10
    )
    assert result.imputed.sum() == np.isnan(data).sum()  # every imputed cell is flagged
    kinds = {t.kind for t in result.treatments}
    assert kinds == {"none", "winsorised"}  # 5 points always suffice in this example
    expected = scores.loc[raw["uCode"]]
    np.testing.assert_allclose(result.score, expected["Index"], atol=1e-6)
    np.testing.assert_array_equal(result.rank, expected["Rank"])
    top = [result.units[i] for i in np.argsort(result.rank)[:5]]
    assert top == ["CHE", "NLD", "DNK", "NOR", "BEL"]


def test_the_standalone_command_reproduces_asem_from_a_method_file(asem, tmp_path):
    """`qorgau rating compute` with a method file written from COINr's iMeta and the raw table."""
    import csv
    import io

    import yaml
    from django.core.management import call_command

    method, raw, _, scores = asem
    spec = {
        "name": "asem",
        "version": 1,
        "normalisation": "minmax",
        "scale": [0, 100],
        "aggregation": "arithmetic",
        "imputation": {"method": "group_mean", "group": "EurAsia_group"},
        "winsorisation": {"method": "winsorise", "skew": 2, "kurtosis": 3.5, "winmax": 5},
        "uncertainty": {"draws": 20, "seed": 1, "sampling": False},
        "groups": [{"code": g.code, "weight": g.weight, "parent": g.parent} for g in method.groups],
        "indicators": [
            {
                "code": i.code,
                "direction": i.direction,
                "weight": i.weight,
                "parent": i.parent,
                **({"denominator": i.denominator} if i.denominator else {}),
            }
            for i in method.indicators
        ],
    }
    (tmp_path / "asem.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    raw.rename(columns={"uCode": "unit"}).to_csv(tmp_path / "asem.csv", index=False)
    call_command(
        "rating",
        "compute",
        "--indicators",
        str(tmp_path / "asem.csv"),
        "--method",
        str(tmp_path / "asem.yaml"),
        "--out",
        str(tmp_path / "out.csv"),
        stderr=io.StringIO(),
    )
    rows = {r["unit"]: r for r in csv.DictReader((tmp_path / "out.csv").open())}
    for unit, expected in scores.iterrows():
        assert float(rows[unit]["score"]) == pytest.approx(expected["Index"], abs=1e-6)
        assert float(rows[unit]["Conn"]) == pytest.approx(expected["Conn"], abs=1e-6)
        assert int(rows[unit]["rank"]) == expected["Rank"]
