"""Capped blocking keys: the pairs a rule forms grow with the records, not with their square."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from qorgau.linkage.blocking import BlockKey, with_block_keys
from qorgau.linkage.splink_model import PERSON_BLOCKS, person_spec

SURNAME_INITIAL = BlockKey("block_a", ("surname", ("first_name", 1), "region_code"))


def _frame(**columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_a_key_joins_its_parts_and_is_missing_where_a_part_is():
    frame = _frame(
        surname=["ahmetova", "ahmetova", None, "ahmetova"],
        first_name=["aigul", "asel", "aigul", "aigul"],
        region_code=["10", "10", "10", None],
    )
    keys = SURNAME_INITIAL.values(frame)
    assert keys[0] == keys[1] == "ahmetova\x1fa\x1f10"
    assert keys[2] is pd.NA and keys[3] is pd.NA  # a missing part never blocks, as in SQL


def test_a_block_above_the_cap_is_left_out_and_the_rest_kept():
    frame = _frame(
        surname=["ahmetova"] * 4 + ["beisenova"] * 2,
        first_name=["aigul"] * 6,
        region_code=["10"] * 6,
    )
    (capped,) = with_block_keys([frame], [SURNAME_INITIAL], cap=3)
    assert capped["block_a"].isna().tolist() == [True] * 4 + [False] * 2
    assert "block_a" not in frame  # the caller's table is not changed
    (kept,) = with_block_keys([frame], [SURNAME_INITIAL], cap=4)
    assert kept["block_a"].notna().all()


def test_blocks_are_counted_over_both_tables_of_a_link():
    left = _frame(surname=["ahmetova"] * 2, first_name=["aigul"] * 2, region_code=["10"] * 2)
    right = _frame(surname=["ahmetova"] * 2, first_name=["asel"] * 2, region_code=["10"] * 2)
    capped = with_block_keys([left, right], [SURNAME_INITIAL], cap=3)
    assert all(table["block_a"].isna().all() for table in capped)


def _pairs(frame: pd.DataFrame, column: str) -> int:
    con = duckdb.connect()
    con.register("f", frame)
    sql = f'SELECT count(*) FROM f l JOIN f r ON l."{column}" = r."{column}" AND l.i < r.i'
    row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


@given(
    records=st.integers(min_value=50, max_value=3000),
    names=st.integers(min_value=1, max_value=40),
    cap=st.integers(min_value=2, max_value=60),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_a_capped_key_forms_at_most_cap_over_two_pairs_per_record(records, names, cap, seed):
    """Over any pool of names, however small (every record of one name at the extreme)."""
    rng = np.random.default_rng(seed)
    frame = _frame(
        i=list(range(records)),
        surname=[f"s{k}" for k in rng.integers(0, names, records)],
        first_name=[f"f{k}" for k in rng.integers(0, 3, records)],
        region_code=[f"{k}" for k in rng.integers(0, 2, records)],
    )
    (capped,) = with_block_keys([frame], [SURNAME_INITIAL], cap=cap)
    assert _pairs(capped, "block_a") <= records * (cap - 1) / 2


def test_the_person_model_blocks_only_on_capped_keys():
    spec = person_spec()
    assert spec.block_keys == PERSON_BLOCKS
    rules = [
        rule["blocking_rule"] for rule in spec.settings["blocking_rules_to_generate_predictions"]
    ]
    assert rules == [f'l."{key.column}" = r."{key.column}"' for key in PERSON_BLOCKS]
    assert len({key.column for key in PERSON_BLOCKS}) == len(PERSON_BLOCKS)
