"""Reading a verified delivery into bronze rows with Spark.

Text feeds are read as bytes split at line feeds, decoded in the contract's encoding and
put back together into records by the rules of `pipelines.io.records` (a quoted CSV
field may hold line breaks; blank lines are no records), so bronze has exactly the
records the landing check counted, numbered per file. Each record is then parsed with
Spark's own CSV/JSON functions; a record that does not parse keeps its raw text
(`_raw`) and a `_parse_error` instead of failing the read: too long, a control
character, the wrong number of columns, malformed quoting, not one JSON object.
Columns beyond the contract (schema drift) are kept in `_extra`. Parquet feeds are
read with their types, cast to the contract's.
"""

from __future__ import annotations

import codecs
import re

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from pipelines.core.contract import FeedContract
from pipelines.io.landing import Delivery, VerifiedFile
from pipelines.io.storage import spark_uri

MAX_RECORD_CHARS = 1 << 20  # a record (or Parquet value) longer than this is quarantined, not parsed
MAX_COLUMNS = 4096  # a delimited record with more separators than this is not parsed (more columns)
END = "\u0000\u0002end"  # appended as one more field: tells "exactly the header's columns" from fewer or more
CONTROL = "[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]"  # C0 (but TAB, LF, CR), DEL and C1 controls
# Java's GBK table differs from Python's (and GB18030's) in one place: A8 92 is U+2295, not U+2641.
JAVA_GBK_FIXES = {"gbk": ("\u2641", "\u2295")}
CSV_OPTIONS = {
    "quote": '"',
    "escape": '"',  # RFC 4180: a quote inside a quoted field is doubled
    "nullValue": "\u0000\u0001",  # a value no delivery contains
    "mode": "PERMISSIVE",
    "ignoreLeadingWhiteSpace": "false",
    "ignoreTrailingWhiteSpace": "false",
    "maxColumns": str(MAX_COLUMNS + 8),
}


def _strip_cr(text: Column) -> Column:
    return F.regexp_replace(text, "\r\\z", "")


def _records(spark: SparkSession, files: list[VerifiedFile], contract: FeedContract) -> DataFrame:
    """One row per record of the files: `_source_file`, `__record` (1-based, per file), `_raw`.

    Lines are split at LF only, so a CR is data until a record's end (CRLF files). A line
    continues the record before it while an odd number of quotes stands since that record began.
    """
    lines = (
        spark.read.format("text")
        .option("lineSep", "\n")
        .load([spark_uri(f.uri) for f in files])
        .select(
            F.col("_metadata.file_name").alias("_source_file"),
            F.col("_metadata.file_block_start").alias("__block"),
            F.monotonically_increasing_id().alias("__seq"),
            F.col("value"),
        )
    )
    is_utf8 = codecs.lookup(contract.encoding).name == "utf-8"
    if not is_utf8:  # the text source gives each line's bytes as they are
        text = F.decode(F.col("value").cast("binary"), contract.encoding)
        if contract.encoding.lower() in JAVA_GBK_FIXES:  # the landing check decoded with Python's tables
            text = F.translate(text, *JAVA_GBK_FIXES[contract.encoding.lower()])
        lines = lines.withColumn("value", text)
    order = Window.partitionBy("_source_file").orderBy("__block", "__seq")
    before = order.rowsBetween(Window.unboundedPreceding, -1)
    quotes = F.length("value") - F.length(F.replace(F.col("value"), F.lit('"'), F.lit("")))
    first = F.row_number().over(order) == 1
    lines = lines.select(
        "_source_file",
        "__block",
        "__seq",
        (
            F.when(first, F.regexp_replace("value", "^\ufeff", "")).otherwise(F.col("value"))
            if is_utf8
            else F.col("value")
        ).alias("value"),
        (F.coalesce(F.sum(quotes).over(before), F.lit(0)) % 2 == 1 if contract.has_header else F.lit(False)).alias(
            "__in_quotes"
        ),
    )
    blank = F.col("value").isin("", "\r") & ~F.col("__in_quotes")
    starts = (~F.col("__in_quotes") & ~blank).cast("int")
    numbered = lines.where(~blank).select(
        "_source_file", "__block", "__seq", "value", F.sum(starts).over(order).alias("__record")
    )
    spanning = [f.name for f in files if f.spans_lines]
    single = numbered.where(~F.col("_source_file").isin(spanning)) if spanning else numbered
    result = single.select("_source_file", "__record", _strip_cr(F.col("value")).alias("_raw"))
    if spanning:
        parts = numbered.where(F.col("_source_file").isin(spanning)).groupBy("_source_file", "__record")
        joined = parts.agg(F.sort_array(F.collect_list(F.struct("__block", "__seq", "value"))).alias("__lines"))
        text = F.array_join(F.transform("__lines", lambda line: line["value"]), "\n")
        result = result.unionByName(joined.select("_source_file", "__record", _strip_cr(text).alias("_raw")))
    return result


def _count(text: Column, char: str) -> Column:
    return F.length(text) - F.length(F.replace(text, F.lit(char), F.lit("")))


def _delimited(records: DataFrame, contract: FeedContract, header: tuple[str, ...]) -> DataFrame:
    """Parse delimited records of files sharing `header`; contract columns by header name."""
    n, sep = len(header), contract.delimiter
    fields = [f"c{i}" for i in range(n)] + ["__end", "__overflow"]
    text = F.col("_raw")
    parsable = (F.length(text) <= MAX_RECORD_CHARS) & (_count(text, sep) <= MAX_COLUMNS)
    parsed = F.from_csv(
        F.when(parsable, F.concat(text, F.lit(sep + END))),
        ", ".join(f"`{f}` string" for f in fields),
        {**CSV_OPTIONS, "sep": sep},
    )
    rows = records.where(F.col("__record") > 1).select("*", parsed.alias("__p"))
    exact = (F.col("__p.__end") == END) & F.col("__p.__overflow").isNull()
    value = {i: F.when(exact, F.coalesce(F.col(f"__p.c{i}"), F.lit(""))) for i in range(n)}
    # Well-formed quoting: every quote of the record is a field's opening or closing quote or
    # one of a doubled pair, and every value holding a quote, separator or line break was quoted.
    in_values = sum((_count(v, '"') for v in value.values()), F.lit(0))
    must_quote = sum((v.rlike('[\r\n"' + re.escape(sep) + "]").cast("int") for v in value.values()), F.lit(0))
    spare = _count(text, '"') - 2 * in_values  # 2 per quoted field
    well_quoted = (spare >= 0) & (spare % 2 == 0) & (spare <= 2 * n) & (spare >= 2 * must_quote)
    error = (
        F.when(F.length(text) > MAX_RECORD_CHARS, F.lit(f"record longer than {MAX_RECORD_CHARS} characters"))
        .when(text.rlike(CONTROL), F.lit("control character in the record"))
        .when(~parsable | F.col("__p.__overflow").isNotNull(), F.lit("more columns than the header"))
        .when(F.col("__p").isNull() | F.col("__p.__end").isNull(), F.lit("fewer columns than the header"))
        .when(~exact, F.lit("more columns than the header"))
        .when(~well_quoted, F.lit("malformed quoting (RFC 4180)"))
    )
    position = {name: i for i, name in enumerate(header)}
    known = {c.delivered_name for c in contract.columns}
    extra = [h for h in header if h not in known]
    cell = {i: F.coalesce(value[i], F.col(f"__p.c{i}")) for i in range(n)}
    return rows.select(
        "_source_file",
        (F.col("__record") - 1).alias("_row_no"),
        *[cell[position[c.delivered_name]].alias(c.name) for c in contract.columns],
        (
            F.create_map(*[x for h in extra for x in (F.lit(h), cell[position[h]])])
            if extra
            else F.create_map().cast("map<string,string>")
        ).alias("_extra"),
        "_raw",
        error.alias("_parse_error"),
    )


def _one_json_value(text: Column) -> Column:
    """The line holds nothing after its first JSON value (Spark's parsers stop reading there)."""
    skeleton = F.regexp_replace(F.regexp_replace(text, "(?s)\\\\.", ""), '"[^"]*"', "s")  # strings -> `s`
    brackets = F.regexp_replace(skeleton, "[^\\[\\]{}]", "")
    inner = F.substring(brackets, F.lit(1), F.length(brackets) - 1)
    # the first bracket closes only at the end: depth stays >= 1 over all brackets but the last
    lowest = F.aggregate(
        F.split(inner, ""),
        F.struct(F.lit(0).alias("d"), F.lit(1).alias("m")),
        lambda acc, c: F.struct(
            (acc["d"] + _depth_step(c)).alias("d"), F.least(acc["m"], acc["d"] + _depth_step(c)).alias("m")
        ),
        lambda acc: acc["m"],
    )
    return skeleton.rlike("\\}[ \\t\\r]*\\z") & (lowest >= 1)


def _depth_step(c: Column) -> Column:
    return F.when(c.isin("{", "["), 1).when(c.isin("}", "]"), -1).otherwise(0)


def _json_lines(records: DataFrame, contract: FeedContract) -> DataFrame:
    """Parse JSON Lines: every field as delivered text (numbers exactly); unknown keys go to `_extra`.

    A line is valid when it is one JSON object (RFC 8259): no duplicate keys, no NaN,
    no single quotes, nothing after the object.
    """
    text = F.col("_raw")
    short = F.length(text) <= MAX_RECORD_CHARS
    value = F.try_variant_get(F.try_parse_json(F.when(short, text)), "$", "map<string,string>")
    known = [c.delivered_name for c in contract.columns]
    rows = records.select("*", value.alias("__m"))
    error = (
        F.when(~short, F.lit(f"record longer than {MAX_RECORD_CHARS} characters"))
        .when(F.col("__m").isNull(), F.lit("not a JSON object"))
        .when(~_one_json_value(text), F.lit("more than one JSON value on the line"))
    )
    return rows.select(
        "_source_file",
        F.col("__record").alias("_row_no"),
        *[F.col("__m").getItem(c.delivered_name).alias(c.name) for c in contract.columns],
        F.coalesce(F.map_filter("__m", lambda k, _: ~k.isin(known)), F.create_map().cast("map<string,string>")).alias(
            "_extra"
        ),
        "_raw",
        error.alias("_parse_error"),
    )


def _parquet(spark: SparkSession, files: list[VerifiedFile], contract: FeedContract) -> DataFrame:
    """Files sharing one schema, cast to the contract's types; a value that does not fit is a parse error."""
    frame = spark.read.parquet(*[spark_uri(f.uri) for f in files])
    nanos = set(files[0].nanos)
    known = [c.delivered_name for c in contract.columns]
    extra = [c for c in frame.columns if c not in known]
    values, errors = [], []
    for c in contract.columns:
        source = F.col(f"`{c.delivered_name}`")
        if c.delivered_name in nanos:  # read as nanoseconds since the epoch (a Spark timestamp holds microseconds)
            value = F.timestamp_micros(F.expr(f"(`{c.delivered_name}` - pmod(`{c.delivered_name}`, 1000)) div 1000"))
            errors.append(F.when(F.pmod(source, F.lit(1000)) != 0, F.lit(f"{c.name}: finer than microseconds")))
        else:
            value = source.try_cast(c.type)
            errors.append(F.when(source.isNotNull() & value.isNull(), F.lit(f"{c.name}: does not fit {c.type}")))
        if c.type == "string":
            errors.append(
                F.when(F.length(value) > MAX_RECORD_CHARS, F.lit(f"{c.name}: longer than {MAX_RECORD_CHARS}"))
            )
        values.append(value.alias(c.name))
    return frame.select(
        F.col("_metadata.file_name").alias("_source_file"),
        (F.col("_metadata.row_index") + 1).alias("_row_no"),
        *values,
        (
            F.create_map(*[x for e in extra for x in (F.lit(e), F.col(f"`{e}`").cast("string"))])
            if extra
            else F.create_map().cast("map<string,string>")
        ).alias("_extra"),
        F.lit(None).cast("string").alias("_raw"),
        F.coalesce(*errors).alias("_parse_error"),
    )


def _union(parts: list[DataFrame]) -> DataFrame:
    result = parts[0]
    for part in parts[1:]:
        result = result.unionByName(part)
    return result


def read_delivery(spark: SparkSession, delivery: Delivery, contract: FeedContract) -> DataFrame:
    """Bronze rows of a verified delivery, before the lineage columns of its batch.

    Args:
        spark: the session.
        delivery: the verified delivery (files, headers, Parquet schemas).
        contract: the feed's contract.

    Returns:
        `_source_file, _row_no, <contract columns>, _extra, _raw, _parse_error`.
    """
    files = [f for f in delivery.files if f.rows > 0]
    if not contract.is_text:
        by_schema: dict[tuple, list[VerifiedFile]] = {}
        for f in files:
            by_schema.setdefault((f.columns, f.nanos), []).append(f)
        return _union([_parquet(spark, group, contract) for group in by_schema.values()])
    records = _records(spark, files, contract)
    if contract.format == "jsonl":
        return _json_lines(records, contract)
    by_header: dict[tuple[str, ...], list[str]] = {}
    for f in files:
        by_header.setdefault(f.header, []).append(f.name)
    return _union(
        [
            _delimited(records.where(F.col("_source_file").isin(names)), contract, header)
            for header, names in by_header.items()
        ]
    )


def first_unreadable_file(spark: SparkSession, delivery: Delivery, contract: FeedContract) -> tuple[str, str] | None:
    """The first file of a delivery that Spark cannot read on its own, with the first line of the error.

    Used after a read failed, to name the file (e.g. a corrupt Parquet page behind a valid footer).
    """
    for f in delivery.files:
        if f.rows == 0:
            continue
        one = Delivery(delivery.sector, delivery.feed, delivery.dt, delivery.uri, delivery.manifest, (f,))
        try:
            read_delivery(spark, one, contract).write.format("noop").mode("overwrite").save()  # reads every value
        except Exception as err:  # noqa: BLE001 (whatever Spark raised: it is the answer)
            return f.name, str(err).strip().splitlines()[0][:500]
    return None
