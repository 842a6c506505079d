"""The Splink model of a person, shared by every backend (DuckDB here, Spark on a cluster).

The comparisons and blocking rules are written once, as Splink settings in portable SQL, and
handed to whichever backend runs them: :func:`person_settings` is the same object for DuckDB and
Spark, so a cluster run scores pairs exactly as a laptop run does. Training follows the Splink 5
API: the prior from deterministic rules, u from random pairs, m by EM on two blocking rules
that between them leave every comparison free once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

BACKENDS = ("duckdb", "spark")


class BackendUnavailable(RuntimeError):
    """The chosen Splink backend cannot run on this machine (e.g. pyspark or Java missing)."""


def _null_level(condition: str) -> dict[str, Any]:
    return {"sql_condition": condition, "label_for_charts": "missing", "is_null_level": True}


def _jaro_winkler(column: str, thresholds: tuple[float, ...]) -> dict[str, Any]:
    """Exact / Jaro–Winkler bands / else on a name key, missing on either side is neutral."""
    levels = [
        _null_level(f'"{column}_l" IS NULL OR "{column}_r" IS NULL'),
        {"sql_condition": f'"{column}_l" = "{column}_r"', "label_for_charts": "exact"},
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


def _birth() -> dict[str, Any]:
    """Full date where both have it; otherwise the year, which some registers keep alone."""
    return {
        "output_column_name": "birth",
        "comparison_levels": [
            _null_level('"birth_year_l" IS NULL OR "birth_year_r" IS NULL'),
            {"sql_condition": '"birth_date_l" = "birth_date_r"', "label_for_charts": "same date"},
            {
                "sql_condition": '"birth_year_l" = "birth_year_r"',
                "label_for_charts": "same year",
            },
            {
                "sql_condition": 'abs("birth_year_l" - "birth_year_r") <= 1',
                "label_for_charts": "one year apart",
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


@dataclass(frozen=True)
class ModelSpec:
    """Everything a backend needs besides the data: settings and how to train."""

    settings: dict[str, Any]
    deterministic_rules: list[str]
    deterministic_recall: float
    em_blocking_rules: list[str]
    columns: tuple[str, ...] = field(default=())


PERSON_COLUMNS = (
    "unique_id",
    "surname",
    "first_name",
    "patronymic",
    "birth_date",
    "birth_year",
    "sex",
    "region_code",
    "district_code",
)


def person_spec(*, max_iterations: int = 20) -> ModelSpec:
    """The person model of the registers: normalised names, birth, sex, place."""
    settings = {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": [
            _jaro_winkler("surname", (0.94, 0.86)),
            _jaro_winkler("first_name", (0.94, 0.86)),
            _jaro_winkler("patronymic", (0.9,)),
            _birth(),
            _exact("sex"),
            _place(),
        ],
        # OR-ed, so that a typo or a missing field in one key does not lose the pair
        # (methods.md §4.3: one blocking key capped FEBRL's recall at 0.65). Most pairs stay
        # within a region; the last two rules catch a person seen in two regions.
        "blocking_rules_to_generate_predictions": [
            _block("surname", "first_name", "region_code"),
            _block("surname", "birth_year", "region_code"),
            _block("first_name", "birth_year", "region_code"),
            _block("surname", "first_name", "birth_year"),
            _block("first_name", "patronymic", "birth_year"),
        ],
        "probability_two_random_records_match": 1e-4,
        "max_iterations": max_iterations,
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
        em_blocking_rules=[
            'l."surname" = r."surname" AND l."first_name" = r."first_name"',
            'l."birth_year" = r."birth_year" AND l."region_code" = r."region_code"',
        ],
        columns=PERSON_COLUMNS,
    )


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
        "max_iterations": 20,
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
    """The Splink database API of ``backend``; a clear error when it cannot run here."""
    if backend == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI()
    if backend == "spark":
        try:
            from pyspark.sql import SparkSession  # type: ignore[import-not-found]
            from splink.backends.spark import SparkAPI
        except ImportError as exc:
            raise BackendUnavailable(
                "The Spark backend needs pyspark and a Java runtime (Java 17): "
                "pip install 'pyspark>=3.5' on the driver, then run on the cluster with "
                "spark-submit (see docs/linkage.md)."
            ) from exc
        session = spark_session or SparkSession.builder.getOrCreate()
        return SparkAPI(spark_session=session)
    raise BackendUnavailable(f"Unknown linkage backend {backend!r}: choose one of {BACKENDS}.")


def _input_table(api: Any, frame: Any, backend: str) -> Any:
    if backend == "spark":
        return api.spark.createDataFrame(frame)
    return frame


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
) -> Any:
    """Train the model on ``frame`` (or the two ``frames`` of a link job), score every blocked
    pair and return those at or above ``threshold`` as a pandas frame with ``unique_id_l``,
    ``unique_id_r`` and ``match_probability``."""
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
    Linker: Any,  # noqa: N803 - the class, imported lazily by the caller
) -> Any:
    api = api or backend_api(backend)
    tables = frames if frames is not None else [frame]
    registered = [api.register(_input_table(api, t, backend)) for t in tables]
    linker = Linker(
        registered if len(registered) > 1 else registered[0],
        spec.settings,
        log_level=logging.ERROR,
    )
    say = log or (lambda message: None)
    say("estimating the prior probability of a match")
    try:
        linker.training.estimate_probability_two_random_records_match(
            spec.deterministic_rules, recall=spec.deterministic_recall
        )
    except Exception as exc:  # too few deterministic matches in a small extract
        say(f"prior kept at its default ({exc})")
    say("estimating u from random pairs")
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for rule in spec.em_blocking_rules:
        say(f"estimating m by expectation maximisation on {rule}")
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except Exception as exc:  # e.g. no pairs under this rule in a small extract
            say(f"EM on {rule} skipped ({exc})")
    say("scoring the blocked pairs")
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    result = predictions.as_pandas_dataframe()
    return result[["unique_id_l", "unique_id_r", "match_probability"]]
