"""Access by sharing class: the tables a statement touches come from DuckDB's parse tree,
so no way of writing the query hides a restricted table from the check."""

from __future__ import annotations

import pytest

from pipelines.analyst import access, duck
from pipelines.analyst.access import QueryError, Refused
from pipelines.analyst.tables import inventory

BRONZE = "bronze.tax_returns"
# Classes come from the specs: pick tables by class, so a reclassification keeps the tests meaningful.
OPEN_GOLD = next(t.ref for t in inventory().values() if t.layer == "gold" and t.sharing == "open")
CONDITIONAL_GOLD = next(t.ref for t in inventory().values() if t.layer == "gold" and t.sharing == "conditional")
RESTRICTED_SILVER = "silver.health_outpatient_visits"


@pytest.fixture(scope="module")
def con():
    c = duck.parser()
    yield c
    c.close()


def tables(con, sql: str) -> tuple[str, ...]:
    return access.parse(con, sql).tables


BYPASSES = {
    "plain": f"SELECT * FROM {BRONZE}",
    "upper case": f"SELECT * FROM {BRONZE.upper()}",
    "quoted": 'SELECT * FROM "bronze"."tax_returns"',
    "catalog qualified": f"SELECT * FROM memory.{BRONZE}",
    "cte": f"WITH t AS (SELECT * FROM {BRONZE}) SELECT count(*) FROM t",
    "nested cte": f"WITH a AS (WITH b AS (SELECT * FROM {BRONZE}) SELECT * FROM b) SELECT * FROM a",
    "cte named like the open table": f"WITH tax_revenue_monthly AS (SELECT * FROM {BRONZE}) SELECT * FROM tax_revenue_monthly",
    "join": f"SELECT g.* FROM {OPEN_GOLD} g JOIN {BRONZE} b ON g.city_code = b.division_code",
    "comma join": f"SELECT 1 FROM {OPEN_GOLD}, {BRONZE}",
    "subquery in from": f"SELECT * FROM (SELECT * FROM {BRONZE}) s",
    "scalar subquery in select": f"SELECT (SELECT max(_row_no) FROM {BRONZE}) FROM {OPEN_GOLD}",
    "in subquery": f"SELECT * FROM {OPEN_GOLD} WHERE city_code IN (SELECT division_code FROM {BRONZE})",
    "exists": f"SELECT * FROM {OPEN_GOLD} WHERE EXISTS (SELECT 1 FROM {BRONZE})",
    "union": f"SELECT city_code FROM {OPEN_GOLD} UNION ALL SELECT division_code FROM {BRONZE}",
    "lateral": f"SELECT * FROM {OPEN_GOLD} g, LATERAL (SELECT * FROM {BRONZE} b WHERE b.tax_period = g.tax_period)",
    "describe": f"DESCRIBE {BRONZE}",
    "summarize": f"SUMMARIZE SELECT * FROM {BRONZE}",
    "having subquery": f"SELECT city_code FROM {OPEN_GOLD} GROUP BY 1 HAVING count(*) > (SELECT count(*) FROM {BRONZE})",
    "order by subquery": f"SELECT * FROM {OPEN_GOLD} ORDER BY (SELECT 1 FROM {BRONZE} LIMIT 1)",
    "comment hides nothing": f"SELECT * FROM {OPEN_GOLD} /* harmless */ JOIN {BRONZE} USING (tax_period) -- ok",
    "quarantine": "SELECT * FROM quarantine.tax_returns",
    "restricted silver": f"SELECT count(*) FROM {RESTRICTED_SILVER}",
}


@pytest.mark.parametrize("sql", BYPASSES.values(), ids=BYPASSES.keys())
def test_analyst_and_public_are_refused_whatever_the_query_shape(con, sql: str) -> None:
    touched = tables(con, sql)
    assert any(inventory()[t].sharing == "restricted" for t in touched), touched
    for role in ("analyst", "public"):
        with pytest.raises(Refused, match=r"refused: \S+ is restricted \(sharing class `restricted`"):
            access.enforce(role, touched)
    access.enforce("pipeline", touched)  # the pipeline reads everything


FILE_READS = {
    "read_parquet": "SELECT * FROM read_parquet('data/lake/bronze/tax_returns/*/*.parquet')",
    "delta_scan": "SELECT * FROM delta_scan('data/lake/bronze/tax_returns')",
    "read_csv in a cte": "WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM x",
    "glob in a subquery": f"SELECT * FROM {OPEN_GOLD} WHERE 1 IN (SELECT 1 FROM glob('*'))",
}


@pytest.mark.parametrize("sql", FILE_READS.values(), ids=FILE_READS.keys())
def test_table_functions_that_read_files_are_refused(con, sql: str) -> None:
    with pytest.raises(Refused, match=r"table function \w+\(\) reads files directly"):
        tables(con, sql)


@pytest.mark.parametrize("function", ["reflect", "java_method", "TRY_REFLECT"])
def test_spark_functions_that_call_java_are_refused(con, function: str) -> None:
    sql = f"SELECT {function}('java.lang.System', 'getenv', 'HOME') FROM {OPEN_GOLD}"
    with pytest.raises(Refused, match=r"calls Java methods"):
        tables(con, sql)


NOT_QUERIES = [
    "COPY (SELECT 1) TO 'x.csv'",
    "ATTACH 'other.db'",
    "LOAD httpfs",
    "INSTALL httpfs",
    "SET enable_external_access = true",
    "CREATE TABLE x AS SELECT 1",
    f"INSERT INTO {OPEN_GOLD} VALUES (1)",
    "PRAGMA version",
]


@pytest.mark.parametrize("sql", NOT_QUERIES)
def test_only_queries_run(con, sql: str) -> None:
    with pytest.raises(QueryError, match="only queries"):
        tables(con, sql)


def test_one_statement_at_a_time(con) -> None:
    with pytest.raises(QueryError, match="one statement at a time, not 2"):
        tables(con, f"SELECT 1; SELECT * FROM {BRONZE}")


def test_a_path_used_as_a_table_is_not_a_lake_table(con) -> None:
    with pytest.raises(QueryError, match="has no layer"):
        tables(con, "SELECT * FROM 'data/lake/bronze/tax_returns/x.parquet'")


def test_the_tables_of_a_query_are_exactly_those_it_names(con) -> None:
    sql = (
        "WITH w AS (SELECT * FROM gold.health_syndromic_weekly) "
        "SELECT * FROM w JOIN gold.tax_revenue_monthly t ON w.city_code = t.city_code "
        "WHERE t.tax_period IN (SELECT max(dt) FROM ops.run_metrics)"
    )
    assert tables(con, sql) == ("gold.health_syndromic_weekly", "gold.tax_revenue_monthly", "ops.run_metrics")


ROLE_CASES = [
    ("analyst", OPEN_GOLD, True),
    ("analyst", CONDITIONAL_GOLD, True),
    ("analyst", "silver.tax_returns", True),
    ("analyst", "ops.run_metrics", True),
    ("analyst", RESTRICTED_SILVER, False),
    ("analyst", BRONZE, False),
    ("public", OPEN_GOLD, True),
    ("public", CONDITIONAL_GOLD, False),
    ("public", "silver.health_hospitals", False),  # open, but silver
    ("public", "ops.query_audit", False),
    ("pipeline", "quarantine.health_outpatient_visits", True),
]


@pytest.mark.parametrize(("role", "ref", "allowed"), ROLE_CASES)
def test_roles_read_by_sharing_class_and_layer(role: str, ref: str, allowed: bool) -> None:
    assert access.may_read(role, inventory()[ref]) is allowed


def test_every_bronze_and_quarantine_table_is_restricted_to_analysts() -> None:
    raw = [t for t in inventory().values() if t.layer in ("bronze", "quarantine")]
    assert len(raw) == 2 * sum(1 for t in inventory().values() if t.layer == "silver")
    assert not any(access.may_read(r, t) for t in raw for r in ("analyst", "public"))


def test_public_is_told_what_it_may_read() -> None:
    with pytest.raises(Refused, match=rf"{CONDITIONAL_GOLD} is conditional.*role public may read open gold"):
        access.enforce("public", (CONDITIONAL_GOLD,))


def test_unknown_table_lists_near_matches(con) -> None:
    with pytest.raises(
        QueryError, match=r"unknown table gold.tax_revenu_monthly; near matches: gold.tax_revenue_monthly"
    ):
        tables(con, "SELECT * FROM gold.tax_revenu_monthly")


def test_an_unqualified_table_is_pointed_to_its_layer(con) -> None:
    with pytest.raises(QueryError, match=r"has no layer.*near matches: gold.tax_revenue_monthly"):
        tables(con, "SELECT * FROM tax_revenue_monthly")


@pytest.mark.parametrize(
    ("sql", "hint"),
    [
        (f"SELECT * FORM {OPEN_GOLD}", "FROM"),
        (f"SELEC * FROM {OPEN_GOLD}", "SELECT"),
        (f"SELECT * FROM {OPEN_GOLD} WHER city_code = '1'", "WHERE"),
    ],
)
def test_syntax_errors_name_the_place_and_near_keywords(con, sql: str, hint: str) -> None:
    with pytest.raises(QueryError, match=r"syntax error.*\(line 1, column \d+\); near matches for '\w+': .*") as err:
        tables(con, sql)
    assert hint in str(err.value)


def test_unknown_column_lists_near_matches() -> None:
    message = access.unknown_column(
        "tax_du_cny", ["gold.tax_revenue_monthly"], ["tax_period", "tax_due_cny", "returns"]
    )
    assert message.startswith("unknown column 'tax_du_cny' in gold.tax_revenue_monthly; near matches: tax_due_cny")
    assert "returns" not in message


def test_masked_statement_keeps_no_literal(con) -> None:
    sql = (
        "SELECT * FROM gold.tax_revenue_monthly WHERE city_code = '320100' AND returns > 17 "
        "AND tax_period IN ('202610', '202611') -- 110101199003071234"
    )
    text = access.masked(con, access.parse(con, sql))
    for literal in ("320100", "17", "202610", "202611", "110101199003071234"):
        assert literal not in text
    assert text.count("?") == 4
    assert "gold.tax_revenue_monthly" in text and "city_code" in text


def test_a_syntax_error_keeps_no_literal_for_the_audit(con) -> None:
    with pytest.raises(QueryError) as err:
        tables(con, f"SELECT * FROM {OPEN_GOLD} WHERE city_code = 1 '110101199003071234'")
    assert "110101199003071234" in str(err.value)  # the person sees where it broke
    assert "110101199003071234" not in err.value.audit and err.value.audit.startswith("syntax error (line 1")
