"""Reading a verified delivery into bronze rows with Spark.

Text feeds are read as lines, decoded in the contract's encoding, numbered per file
and parsed with Spark's own CSV/JSON functions, so a row that does not parse keeps its
raw text (`_raw`) and a `_parse_error` instead of failing the read. Columns beyond the
contract (schema drift) are kept in `_extra`. Parquet feeds are read with their types.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from pipelines.core.contract import FeedContract
from pipelines.io.landing import Delivery, VerifiedFile
from pipelines.io.storage import spark_uri

SEPARATORS = {"csv": ",", "psv": "|"}
NO_NULL = "\u0000\u0001"  # a value no delivery contains: keeps empty fields as "" (not null)


def _lines(spark: SparkSession, files: list[VerifiedFile], encoding: str) -> DataFrame:
    """One row per physical line: `_source_file`, `_line_no` (1-based) and `value`."""
    reader = (
        spark.read.format("csv")  # the CSV source decodes any charset line by line; one column, no quoting
        .schema("value string")
        .option("encoding", encoding)
        .option("sep", "\u0001")
        .option("quote", "\u0000")
        .option("escape", "\u0000")
        .option("header", "false")
        .option("nullValue", NO_NULL)
        .option("ignoreLeadingWhiteSpace", "false")
        .option("ignoreTrailingWhiteSpace", "false")
    )
    lines = reader.load([spark_uri(f.uri) for f in files]).select(
        F.col("_metadata.file_name").alias("_source_file"),
        F.col("_metadata.file_block_start").alias("__block"),
        F.monotonically_increasing_id().alias("__seq"),
        F.coalesce(F.col("value"), F.lit("")).alias("value"),
    )
    order = Window.partitionBy("_source_file").orderBy("__block", "__seq")
    return lines.select("_source_file", F.row_number().over(order).alias("_line_no"), "value")


def _delimited(lines: DataFrame, contract: FeedContract, header: tuple[str, ...]) -> DataFrame:
    """Parse delimited lines of files sharing `header`; contract columns by header name."""
    fields = [f"c{i}" for i in range(len(header))] + ["__overflow"]
    parsed = F.from_csv(
        F.col("value"),
        ", ".join(f"`{f}` string" for f in fields),
        {"sep": SEPARATORS[contract.format], "nullValue": NO_NULL, "mode": "PERMISSIVE"},
    )
    position = {name: i for i, name in enumerate(header)}
    known = {c.delivered_name for c in contract.columns}
    extra = [h for h in header if h not in known]
    rows = lines.where(F.col("_line_no") > 1).select("*", parsed.alias("__p"))
    too_few = F.col(f"__p.c{len(header) - 1}").isNull() if header else F.lit(True)
    error = F.when(F.col("__p").isNull() | too_few, F.lit("fewer columns than the header")).when(
        F.col("__p.__overflow").isNotNull(), F.lit("more columns than the header")
    )
    return rows.select(
        "_source_file",
        (F.col("_line_no") - 1).alias("_row_no"),
        *[F.col(f"__p.c{position[c.delivered_name]}").alias(c.name) for c in contract.columns],
        (
            F.create_map(*[x for h in extra for x in (F.lit(h), F.col(f"__p.c{position[h]}"))])
            if extra
            else F.create_map().cast("map<string,string>")
        ).alias("_extra"),
        F.col("value").alias("_raw"),
        error.alias("_parse_error"),
    )


def _json_lines(lines: DataFrame, contract: FeedContract) -> DataFrame:
    """Parse JSON Lines: every field as delivered text; unknown keys go to `_extra`."""
    as_map = F.from_json(F.col("value"), "map<string,string>")
    keys = F.json_object_keys(F.col("value"))
    known = [c.delivered_name for c in contract.columns]
    rows = lines.where(F.trim("value") != "").select("*", as_map.alias("__m"), keys.alias("__k"))
    return rows.select(
        "_source_file",
        F.col("_line_no").alias("_row_no"),
        *[F.col("__m").getItem(c.delivered_name).alias(c.name) for c in contract.columns],
        F.map_filter("__m", lambda k, _: ~k.isin(known)).alias("_extra"),
        F.col("value").alias("_raw"),
        F.when(F.col("__k").isNull() | F.col("__m").isNull(), F.lit("not a JSON object")).alias("_parse_error"),
    )


def _parquet(spark: SparkSession, delivery: Delivery, contract: FeedContract) -> DataFrame:
    frame = spark.read.parquet(*[spark_uri(f.uri) for f in delivery.files])
    known = [c.delivered_name for c in contract.columns]
    extra = [c for c in frame.columns if c not in known]
    return frame.select(
        F.col("_metadata.file_name").alias("_source_file"),
        (F.col("_metadata.row_index") + 1).alias("_row_no"),
        *[F.col(c.delivered_name).alias(c.name) for c in contract.columns],
        (
            F.create_map(*[x for e in extra for x in (F.lit(e), F.col(e).cast("string"))])
            if extra
            else F.create_map().cast("map<string,string>")
        ).alias("_extra"),
        F.lit(None).cast("string").alias("_raw"),
        F.lit(None).cast("string").alias("_parse_error"),
    )


def read_delivery(spark: SparkSession, delivery: Delivery, contract: FeedContract) -> DataFrame:
    """Bronze rows of a verified delivery, before the lineage columns of its batch.

    Args:
        spark: the session.
        delivery: the verified delivery (files, headers).
        contract: the feed's contract.

    Returns:
        `_source_file, _row_no, <contract columns>, _extra, _raw, _parse_error`.
    """
    files = [f for f in delivery.files if f.rows > 0]
    if not contract.is_text:
        return _parquet(spark, delivery, contract)
    lines = _lines(spark, files, contract.encoding)
    if contract.format == "jsonl":
        return _json_lines(lines, contract)
    by_header: dict[tuple[str, ...], list[str]] = {}
    for f in files:
        by_header.setdefault(f.header, []).append(f.name)
    parts = [
        _delimited(lines.where(F.col("_source_file").isin(names)), contract, header)
        for header, names in by_header.items()
    ]
    result = parts[0]
    for part in parts[1:]:
        result = result.unionByName(part)
    return result
