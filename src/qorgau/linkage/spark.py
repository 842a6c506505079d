"""Spark for record linkage: the session, Splink's API on it, and the model's SQL and input
in Spark's terms (:mod:`qorgau.linkage.splink_model` holds the model itself). pyspark is
imported only when a Spark run starts, so the DuckDB path never needs it."""

from __future__ import annotations

import logging
import os
from typing import Any


class BackendUnavailable(RuntimeError):
    """The chosen Splink backend cannot run on this machine (e.g. pyspark or Java missing)."""


SPARK_MISSING = (
    "The Spark backend needs pyspark and a Java runtime (Java 17): "
    "pip install -e '.[spark]' (pyspark 3.5) and apt-get install default-jre-headless "
    "on the driver; see docs/deployment.md, 'Record linkage on Spark'."
)

# Local mode on one machine (CI, a laptop): two cores, few shuffle partitions (the default 200
# would make every small query wait on 200 tasks), a modest driver and no web UI. A cluster
# master takes its resources from spark-submit or spark-defaults.conf instead.
SPARK_LOCAL_CONF = {
    "spark.master": "local[2]",
    "spark.driver.memory": "2g",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
}


def spark_session_start() -> Any:
    """A Spark session for linkage, with Splink's similarity functions (its UDF jar, shipped in
    the wheel: nothing is downloaded at run time).

    ``QORGAU_SPARK_MASTER`` names the master (``spark://host:7077``, ``yarn``, ``k8s://…``);
    unset, or ``local[…]``, Spark runs in this process with :data:`SPARK_LOCAL_CONF`.
    ``QORGAU_SPARK_DRIVER_MEMORY`` overrides the driver's memory. Read here rather than in the
    Django settings: only the Spark path needs them, and only when it starts a session. Under
    spark-submit (``PYSPARK_GATEWAY_PORT`` set) spark-submit's options stand as given.
    """
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    master = os.environ.get("QORGAU_SPARK_MASTER", "")
    conf: dict[str, str] = {"spark.app.name": "qorgau-linkage"}
    if not os.environ.get("PYSPARK_GATEWAY_PORT"):
        conf["spark.jars"] = similarity_jar_location()
        if not master or master.startswith("local"):
            conf.update(SPARK_LOCAL_CONF)
        if master:
            conf["spark.master"] = master
        if os.environ.get("QORGAU_SPARK_DRIVER_MEMORY"):
            conf["spark.driver.memory"] = os.environ["QORGAU_SPARK_DRIVER_MEMORY"]
    # py4j reports every connection it opens and closes at INFO, even at interpreter exit.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # pyspark raises its own errors when the JVM cannot start
        raise BackendUnavailable(
            f"Spark could not start ({type(exc).__name__}: {exc}). {SPARK_MISSING}"
        ) from exc


def spark_api(session: Any) -> Any:
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import SparkAPI
    except ImportError as exc:
        raise BackendUnavailable(SPARK_MISSING) from exc
    session = session or SparkSession.getActiveSession() or spark_session_start()
    # "persist" keeps Splink's intermediate tables in Spark's memory (spilling to its scratch
    # space, removed when the session ends) instead of Parquet files in a checkpoint
    # directory: they hold name keys and birth dates, which a run never leaves on disk.
    api = SparkAPI(spark_session=session, break_lineage_method="persist")
    try:
        session.sql("SELECT jaro_winkler('qorgau', 'qorgau')").collect()
    except Exception as exc:
        raise BackendUnavailable(
            "Splink's similarity functions are missing from this Spark session: start it with "
            "its jar (spark-submit --jars, or spark.jars = "
            "splink.backends.spark.similarity_jar_location())."
        ) from exc
    return api


def spark_sql(sql: str) -> str:
    """A condition of the model, written for DuckDB, in Spark SQL (sqlglot translates it):
    DuckDB's double-quoted names are string literals to Spark, and Splink's jar names
    Jaro-Winkler ``jaro_winkler``."""
    import sqlglot
    from sqlglot import exp

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.JarowinklerSimilarity):
            return exp.Anonymous(this="jaro_winkler", expressions=[node.this, node.expression])
        return node

    return sqlglot.parse_one(sql, read="duckdb").transform(rename).sql(dialect="spark")


def spark_frame(session: Any, frame: Any) -> Any:
    """``frame`` (pandas) as a Spark DataFrame with its types stated, not guessed: Spark
    cannot infer a column that is missing on every row (a register without districts), and
    it would read pandas' missing integers (``pd.NA``) as an error."""
    import pandas as pd
    from pyspark.sql import types

    fields = []
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype):
            kind: Any = types.BooleanType()
        elif pd.api.types.is_integer_dtype(dtype):
            kind = types.LongType()
        elif pd.api.types.is_float_dtype(dtype):
            kind = types.DoubleType()
        else:
            kind = types.StringType()
        fields.append(types.StructField(str(name), kind, nullable=True))
    plain = frame.astype(object).where(frame.notna(), None)
    rows = [tuple(plain_value(value) for value in row) for row in plain.itertuples(index=False)]
    return session.createDataFrame(rows, schema=types.StructType(fields))


def plain_value(value: Any) -> Any:
    """A numpy scalar as the Python value Spark's type checks accept."""
    return value.item() if hasattr(value, "item") else value
