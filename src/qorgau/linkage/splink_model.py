"""The Splink model of a person, shared by every backend (DuckDB here, Spark on a cluster).

The comparisons and blocking rules are written once, as Splink settings in portable SQL, and
handed to whichever backend runs them: :func:`person_spec` is the same object for DuckDB and
Spark, so a cluster run scores pairs exactly as a laptop run does. Training (the prior from a
deterministic rule, u from random pairs, m by EM on capped samples of two blocking rules) is
checked step by step in :mod:`qorgau.linkage.training`; a model that fails a check is never
used to score.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any

from qorgau.linkage.spark import BackendUnavailable, spark_api, spark_frame, spark_sql
from qorgau.linkage.training import train

BACKENDS = ("duckdb", "spark")


# One side wrote the surname as the first name and the reverse (see records._name_pair).
_SWAPPED = '"name_pair_l" = "name_pair_r" AND "surname_l" <> "surname_r"'


def _null_level(condition: str) -> dict[str, Any]:
    return {"sql_condition": condition, "label_for_charts": "missing", "is_null_level": True}


def _exact_level(column: str, *, swaps: bool, tf: bool) -> dict[str, Any]:
    """Agreement on ``column``; with ``swaps``, a pair whose surname and first name are
    swapped on one side agrees too (the same ``name_pair``, different surnames).

    With ``tf`` the level's weight is adjusted by how common the value is (Splink's term
    frequency adjustment): two records sharing a rare surname say more than two Ахметовы.
    Splink takes the larger of the two sides' frequencies, so a swapped pair is weighed by the
    frequency of the name where it belongs.
    """
    condition = f'"{column}_l" = "{column}_r"'
    label = "exact"
    if swaps:
        condition = f"{condition} OR ({_SWAPPED})"
        label = "exact (or swapped with the other name)"
    level: dict[str, Any] = {"sql_condition": condition, "label_for_charts": label}
    if tf:
        level["tf_adjustment_column"] = column
        level["tf_adjustment_weight"] = 1.0
        # The level is not a plain l = r (the swap), so Splink must take this level's own u.
        level["disable_tf_exact_match_detection"] = True
    return level


def _jaro_winkler(
    column: str,
    thresholds: tuple[float, ...],
    *,
    swaps: bool = False,
    tf: bool = False,
) -> dict[str, Any]:
    """Exact / Jaro–Winkler bands / else on a name key, missing on either side is neutral."""
    levels = [
        _null_level(f'"{column}_l" IS NULL OR "{column}_r" IS NULL'),
        _exact_level(column, swaps=swaps, tf=tf),
    ]
    for threshold in thresholds:
        levels.append(
            {
                "sql_condition": f'jaro_winkler_similarity("{column}_l", "{column}_r") >= '
                f"{threshold}",
                "label_for_charts": f"Jaro-Winkler >= {threshold}",
            }
        )
    levels.append({"sql_condition": "ELSE", "label_for_charts": "different"})
    return {"output_column_name": column, "comparison_levels": levels}


_BOTH_DATES = '"birth_date_l" IS NOT NULL AND "birth_date_r" IS NOT NULL'
_ONE_DATE_MISSING = '("birth_date_l" IS NULL OR "birth_date_r" IS NULL)'
# A slip of the pen between two full ISO dates: the same day and month (the year mistyped),
# day and month swapped in the same year, or a single digit wrong.
_DATE_SLIP = (
    'substr("birth_date_l", 6, 5) = substr("birth_date_r", 6, 5) '
    'OR (substr("birth_date_l", 1, 4) = substr("birth_date_r", 1, 4) '
    'AND substr("birth_date_l", 6, 2) = substr("birth_date_r", 9, 2) '
    'AND substr("birth_date_l", 9, 2) = substr("birth_date_r", 6, 2)) '
    'OR levenshtein("birth_date_l", "birth_date_r") <= 1'
)


def _birth() -> dict[str, Any]:
    """Birth, in levels that keep apart what the registers mix up.

    Two full dates are either the same, a slip of the pen (:data:`_DATE_SLIP`), or different —
    and different full dates are strong evidence of two persons (two sisters, six years
    apart). Where one side keeps only the year, the same year is a level of its own: it must
    not borrow the weight of "two different dates in the same year".
    """
    return {
        "output_column_name": "birth",
        "comparison_levels": [
            _null_level('"birth_year_l" IS NULL OR "birth_year_r" IS NULL'),
            {"sql_condition": '"birth_date_l" = "birth_date_r"', "label_for_charts": "same date"},
            {
                "sql_condition": f"{_BOTH_DATES} AND ({_DATE_SLIP})",
                "label_for_charts": "a slip (one digit, day/month swapped, year mistyped)",
            },
            {
                "sql_condition": f'{_ONE_DATE_MISSING} AND "birth_year_l" = "birth_year_r"',
                "label_for_charts": "same year, a side with the year only",
            },
            {
                "sql_condition": f'{_ONE_DATE_MISSING} AND abs("birth_year_l" - "birth_year_r") '
                "<= 1",
                "label_for_charts": "one year apart, a side with the year only",
            },
            {"sql_condition": "ELSE", "label_for_charts": "different"},
        ],
    }


def _exact(column: str) -> dict[str, Any]:
    return {
        "output_column_name": column,
        "comparison_levels": [
            _null_level(f'"{column}_l" IS NULL OR "{column}_r" IS NULL'),
            {"sql_condition": f'"{column}_l" = "{column}_r"', "label_for_charts": "same"},
            {"sql_condition": "ELSE", "label_for_charts": "different"},
        ],
    }


def _place() -> dict[str, Any]:
    return {
        "output_column_name": "place",
        "comparison_levels": [
            _null_level('"region_code_l" IS NULL OR "region_code_r" IS NULL'),
            {
                "sql_condition": '"district_code_l" = "district_code_r"',
                "label_for_charts": "same district",
            },
            {
                "sql_condition": '"region_code_l" = "region_code_r"',
                "label_for_charts": "same region",
            },
            {"sql_condition": "ELSE", "label_for_charts": "different region"},
        ],
    }


def _block(*columns: str) -> dict[str, Any]:
    return {"blocking_rule": " AND ".join(f'l."{c}" = r."{c}"' for c in columns)}


def _block_sql(*conditions: str) -> dict[str, Any]:
    return {"blocking_rule": " AND ".join(conditions)}


def _prefix(column: str, length: int) -> str:
    return f'substr(l."{column}", 1, {length}) = substr(r."{column}", 1, {length})'


_SAME_REGION = 'l."region_code" = r."region_code"'


@dataclass(frozen=True)
class ModelSpec:
    """Everything a backend needs besides the data: settings and how to train.

    ``em_max_pairs`` caps the pairs each EM step samples from its blocking rule, so that
    training grows with the data, not with the square of a common name's block. Splink
    estimates a rule's pairs from a probe of ``em_probe_proportion`` of the records on each
    side; on a few thousand records a 1% probe finds no pair, and the cap is not needed.
    """

    settings: dict[str, Any]
    deterministic_rules: list[str]
    deterministic_recall: float
    em_blocking_rules: list[str]
    em_max_pairs: float = 1e6
    em_probe_proportion: float = 0.01
    columns: tuple[str, ...] = field(default=())


PERSON_COLUMNS = (
    "unique_id",
    "surname",
    "first_name",
    "name_pair",
    "patronymic",
    "birth_date",
    "birth_year",
    "sex",
    "region_code",
    "district_code",
)


def _person_blocking_rules() -> list[dict[str, Any]]:
    """OR-ed, so that a typo, a swap or a missing field in one key does not lose the pair
    (methods.md §4.3: one blocking key capped FEBRL's recall at 0.65). Most pairs stay within
    a region; two rules catch a person seen in two regions."""
    return [
        # A typo in one name (clerks rarely miss the first letter), the other exact.
        _block_sql('l."surname" = r."surname"', _prefix("first_name", 1), _SAME_REGION),
        _block_sql('l."first_name" = r."first_name"', _prefix("surname", 1), _SAME_REGION),
        # Typos in both names, past their third letter.
        _block_sql(_prefix("surname", 3), _prefix("first_name", 3), _SAME_REGION),
        # Surname and first name swapped on one side.
        _block("name_pair", "region_code"),
        _block("surname", "birth_year", "region_code"),
        _block("first_name", "birth_year", "region_code"),
        _block("birth_date", "region_code"),
        _block("surname", "first_name", "birth_year"),
        _block("first_name", "patronymic", "birth_year"),
    ]


def person_spec(*, max_iterations: int = 50) -> ModelSpec:
    """The person model of the registers: normalised names, birth, sex, place."""
    settings = {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": [
            _jaro_winkler("surname", (0.94, 0.86), swaps=True, tf=True),
            _jaro_winkler("first_name", (0.94, 0.86), swaps=True, tf=True),
            _jaro_winkler("patronymic", (0.9,)),
            _birth(),
            _exact("sex"),
            _place(),
        ],
        "blocking_rules_to_generate_predictions": _person_blocking_rules(),
        "probability_two_random_records_match": 1e-4,
        "max_iterations": max_iterations,
        "em_convergence": 1e-4,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
    }
    return ModelSpec(
        settings=settings,
        deterministic_rules=[
            'l."surname" = r."surname" AND l."first_name" = r."first_name" '
            'AND l."birth_date" = r."birth_date"',
        ],
        deterministic_recall=0.6,
        # Between them, the two rules leave every comparison free once: the first trains
        # birth, sex, place and patronymic; the second (a full date in one region: mostly the
        # same person) trains the names.
        em_blocking_rules=[
            'l."surname" = r."surname" AND l."first_name" = r."first_name"',
            'l."birth_date" = r."birth_date" AND l."region_code" = r."region_code"',
        ],
        columns=PERSON_COLUMNS,
    )


_COLUMN = re.compile(r'"(\w+)_[lr]"')


def spec_for_data(spec: ModelSpec, frame: Any) -> ModelSpec:
    """``spec`` without the comparisons whose fields ``frame`` never carries; nothing else
    changed.

    On such data a comparison is missing on every pair, so its null level (weight 0) is all it
    could ever contribute: removing it changes no score. Left in, it cannot be trained: Splink
    never sees its other levels and falls back to default u values (1.6 for "sex: different"),
    which :func:`qorgau.linkage.training.check_model` rightly rejects — an extract without
    anybody's sex (a register that does not record it) would fail for a confusing reason.
    """
    kept = []
    for comparison in spec.settings["comparisons"]:
        null_level = comparison["comparison_levels"][0]
        columns = set(_COLUMN.findall(null_level["sql_condition"]))
        if any(frame[column].notna().any() for column in columns if column in frame):
            kept.append(comparison)
    if len(kept) == len(spec.settings["comparisons"]):
        return spec
    return replace(spec, settings={**spec.settings, "comparisons": kept})


# Both records carry an IIN pseudonym: the IIN decides (engine.exact_edges), Splink never does.
IIN_DECIDED = 'l."has_iin" AND r."has_iin"'


def without_iin_decided_pairs(spec: ModelSpec) -> ModelSpec:
    """``spec`` whose prediction blocking rules leave out the pairs the IIN decides.

    Three in four blocked pairs of the registers have an IIN on both sides; scoring them only
    to throw the score away was most of the scoring work. The condition stands in each rule's
    WHERE clause, so DuckDB (or Spark) drops such a pair straight after the join, before any
    comparison is computed. Training is untouched: pairs of one person found by their IIN teach
    the model as well as any. The input needs the boolean column ``has_iin``
    (:meth:`qorgau.linkage.records.Records.frame`).
    """
    rules = [
        {**rule, "blocking_rule": f"({rule['blocking_rule']}) AND NOT ({IIN_DECIDED})"}
        for rule in spec.settings["blocking_rules_to_generate_predictions"]
    ]
    settings = {**spec.settings, "blocking_rules_to_generate_predictions": rules}
    return replace(spec, settings=settings)


def febrl_spec() -> ModelSpec:
    """The same machinery on the FEBRL columns (the labelled benchmark, two files)."""
    settings = {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "comparisons": [
            _jaro_winkler("given_name", (0.94, 0.86)),
            _jaro_winkler("surname", (0.94, 0.86)),
            _jaro_winkler("date_of_birth", (0.9,)),
            _jaro_winkler("soc_sec_id", (0.9,)),
            _jaro_winkler("address_1", (0.9, 0.8)),
            _jaro_winkler("suburb", (0.9,)),
            _exact("postcode"),
            _exact("street_number"),
            _exact("state"),
        ],
        "blocking_rules_to_generate_predictions": [
            _block("given_name", "surname"),
            _block("date_of_birth"),
            _block("soc_sec_id"),
            _block("postcode", "street_number"),
            _block("surname", "suburb"),
        ],
        "probability_two_random_records_match": 1 / 5000,
        "max_iterations": 50,
        "em_convergence": 1e-4,
        "retain_matching_columns": False,
    }
    return ModelSpec(
        settings=settings,
        deterministic_rules=[
            'l."soc_sec_id" = r."soc_sec_id" AND l."date_of_birth" = r."date_of_birth"'
        ],
        deterministic_recall=0.7,
        em_blocking_rules=[
            'l."date_of_birth" = r."date_of_birth"',
            'l."postcode" = r."postcode" AND l."surname" = r."surname"',
        ],
    )


def backend_api(backend: str, *, spark_session: Any = None) -> Any:
    """The Splink database API of ``backend``; a clear error when it cannot run here.

    For Spark: ``spark_session`` when given, else the session already running in this process
    (a notebook, a job that built its own), else a new one
    (:func:`~qorgau.linkage.spark.spark_session_start`).
    """
    if backend == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI()
    if backend == "spark":
        return spark_api(spark_session)
    raise BackendUnavailable(f"Unknown linkage backend {backend!r}: choose one of {BACKENDS}.")


def spec_for_backend(spec: ModelSpec, backend: str) -> ModelSpec:
    """``spec`` in the SQL of ``backend``: unchanged for DuckDB, in which it is written; every
    condition and blocking rule translated for Spark (:func:`~qorgau.linkage.spark.spark_sql`).
    The model is the same: the same levels, labels, rules and training steps, in the other
    dialect."""
    if backend != "spark":
        return spec

    def level(item: dict[str, Any]) -> dict[str, Any]:
        condition = item["sql_condition"]
        return item if condition == "ELSE" else {**item, "sql_condition": spark_sql(condition)}

    settings = {
        **spec.settings,
        "comparisons": [
            {**c, "comparison_levels": [level(x) for x in c["comparison_levels"]]}
            for c in spec.settings["comparisons"]
        ],
        "blocking_rules_to_generate_predictions": [
            {**rule, "blocking_rule": spark_sql(rule["blocking_rule"])}
            for rule in spec.settings["blocking_rules_to_generate_predictions"]
        ],
    }
    return replace(
        spec,
        settings=settings,
        deterministic_rules=[spark_sql(rule) for rule in spec.deterministic_rules],
        em_blocking_rules=[spark_sql(rule) for rule in spec.em_blocking_rules],
    )


def _input_table(api: Any, frame: Any, backend: str) -> Any:
    if backend == "spark":
        return spark_frame(api.spark, frame)
    return frame


@dataclass(frozen=True)
class Prediction:
    """The scored pairs (pandas: ``unique_id_l``, ``unique_id_r``, ``match_probability``) and
    the trained model's diagnostics (:func:`qorgau.linkage.training.model_diagnostics`)."""

    pairs: Any
    model: dict[str, Any]


def predict(
    frame: Any,
    spec: ModelSpec,
    *,
    backend: str = "duckdb",
    frames: list[Any] | None = None,
    threshold: float = 0.5,
    seed: int = 1,
    max_pairs: float = 2e6,
    api: Any = None,
    log: Any = None,
) -> Prediction:
    """Train the model on ``frame`` (or the two ``frames`` of a link job), score every blocked
    pair and return those at or above ``threshold``, with the model's diagnostics.

    Raises :class:`qorgau.linkage.training.TrainingFailed` when a training step fails its
    checks: nothing is scored with a broken model.
    """
    from splink import Linker

    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    splink_logger.setLevel(logging.ERROR)  # untrained-level notices on small extracts
    try:
        return _predict(frame, spec, backend, frames, threshold, seed, max_pairs, api, log, Linker)
    finally:
        splink_logger.setLevel(level)


def _predict(
    frame: Any,
    spec: ModelSpec,
    backend: str,
    frames: list[Any] | None,
    threshold: float,
    seed: int,
    max_pairs: float,
    api: Any,
    log: Any,
    Linker: Any,  # the class, imported lazily by the caller
) -> Prediction:
    api = api or backend_api(backend)
    spec = spec_for_backend(spec, backend)
    tables = frames if frames is not None else [frame]
    registered = [api.register(_input_table(api, t, backend)) for t in tables]
    linker = Linker(
        registered if len(registered) > 1 else registered[0],
        spec.settings,
        log_level=logging.ERROR,
    )
    say = log or (lambda message: None)
    records = sum(len(t) for t in tables) if frames is None else None
    try:
        model = train(linker, spec, seed=seed, max_pairs=max_pairs, say=say, records=records)
        say("scoring the blocked pairs")
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        result = predictions.as_pandas_dataframe()
    finally:
        if backend == "spark":  # the persisted tables hold name keys: not kept past the run
            linker.table_management.delete_tables_created_by_splink_from_db()
            api.spark.catalog.clearCache()
    return Prediction(result[["unique_id_l", "unique_id_r", "match_probability"]], model)
