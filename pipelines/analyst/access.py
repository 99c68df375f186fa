"""Who may read what, and which tables a query touches (from DuckDB's parse tree, not its text).

Roles:
    pipeline — everything (the jobs themselves, operators repairing data).
    analyst  — `open` and `conditional` silver and gold tables, and `ops`.
    public   — `open` gold tables only.

Restricted data (every bronze and quarantine table, silver tables marked `restricted`)
is refused to analyst and public. The tables of a statement are read from the parse tree
that `json_serialize_sql` returns, so CTEs, subqueries, joins, set operations and
DESCRIBE/SUMMARIZE cannot hide one; table functions (`read_parquet`, `delta_scan`, …) and
file paths used as tables are refused to every role but `pipeline`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pipelines.analyst.tables import LakeTable, inventory

ROLES = ("pipeline", "analyst", "public")
# Spark SQL calls any static Java method through these (environment, files): never through the front end.
JVM_FUNCTIONS = frozenset({"reflect", "java_method", "try_reflect"})
READS = {
    "pipeline": "every table",
    "analyst": "open and conditional silver and gold tables, and ops",
    "public": "open gold tables only",
}


class QueryError(Exception):
    """A query that cannot run, with a message for the person who typed it.

    Args:
        message: what went wrong, for the person.
        audit: what `ops.query_audit` keeps (default: the message); engine and syntax errors
            keep their kind only, as their text can quote literals or data values.
    """

    outcome = "error"

    def __init__(self, message: str, audit: str | None = None) -> None:
        super().__init__(message)
        self.audit = message if audit is None else audit


class Refused(QueryError):
    """The role may not read a table the query touches."""

    outcome = "refused"


@dataclass(frozen=True)
class Parsed:
    """What a statement reads.

    Attributes:
        tables: the lake tables it names (`layer.table`), sorted.
        tree: the serialized parse tree (for masking literals).
    """

    tables: tuple[str, ...]
    tree: dict[str, Any] = field(repr=False)


def quote(text: str) -> str:
    """A SQL string literal (query parameters would make DuckDB import pandas: a second per query)."""
    return "'" + text.replace("'", "''") + "'"


def may_read(role: str, table: LakeTable) -> bool:
    """True when `role` may read `table`."""
    if role == "pipeline":
        return True
    if table.layer == "ops":
        return role == "analyst"
    if table.sharing == "restricted":
        return False
    if role == "analyst":
        return table.layer in ("silver", "gold")
    return role == "public" and table.layer == "gold" and table.sharing == "open"


def check_role(role: str) -> None:
    """Raises QueryError for an unknown role."""
    if role not in ROLES:
        raise QueryError(f"unknown role {role!r}; one of {', '.join(ROLES)}")


def enforce(role: str, tables: tuple[str, ...]) -> None:
    """Refuse the query when `role` may not read one of `tables`.

    Raises:
        Refused: naming the table, its sharing class and what the role may read.
    """
    check_role(role)
    known = inventory()
    for ref in tables:
        table = known[ref]
        if not may_read(role, table):
            raise Refused(
                f"refused: {ref} is {table.sharing} (sharing class `{table.sharing}`, layer {table.layer}); "
                f"role {role} may read {READS[role]}"
            )


def near(word: str, candidates: list[str], n: int = 5) -> list[str]:
    """The candidates closest to `word` (difflib), best first."""
    lowered = {c.lower(): c for c in candidates}
    return [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.5)]


def unknown_column(column: str, tables: list[str], names: list[str]) -> str:
    """`unknown column 'x' in gold.t; near matches: …` (both engines)."""
    matches = near(column, sorted(set(names)))
    where = ", ".join(tables) or "the query"
    return f"unknown column {column!r} in {where}" + (f"; near matches: {', '.join(matches)}" if matches else "")


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def _cte_names(tree: Any) -> set[str]:
    return {e["key"].lower() for n in _nodes(tree) if "cte_map" in n for e in n["cte_map"].get("map", [])}


def _syntax_error(con: Any, sql: str, tree: dict[str, Any]) -> QueryError:
    message = tree.get("error_message", "cannot parse the statement")
    if tree.get("error_type") != "parser":
        first = sql.strip().split(None, 1)[0].upper() if sql.strip() else ""
        return QueryError(
            f"only queries (SELECT, WITH, FROM, DESCRIBE, SUMMARIZE) can run here, not {first or 'nothing'}"
        )
    position = int(tree.get("position", 0) or 0)
    line = sql.count("\n", 0, position) + 1
    column = position - (sql.rfind("\n", 0, position) + 1) + 1
    hint = ""
    word = re.search(r'at or near "([^"]+)"', message)
    if word:
        keywords = [k for (k,) in con.execute("SELECT keyword_name FROM duckdb_keywords()").fetchall()]
        # A misspelt keyword often parses as an alias, so the error shows at the next word.
        before = sql[:position].split()
        for candidate in [*before[-1:], word.group(1)]:
            matches = [m.upper() for m in near(candidate, keywords, 3) if m.lower() != candidate.lower()]
            if matches and candidate.upper() not in {k.upper() for k in keywords}:
                hint = f"; near matches for {candidate!r}: {', '.join(matches)}"
                break
    where = f"(line {line}, column {column})"
    return QueryError(f"syntax error: {message} {where}{hint}", audit=f"syntax error {where}")


def parse(con: Any, sql: str) -> Parsed:
    """The lake tables a single statement reads.

    Args:
        con: any DuckDB connection (only its parser is used).
        sql: one SQL statement.

    Raises:
        QueryError: syntax errors (with near-match keywords), statements other than a query,
            several statements, table functions, unqualified or unknown tables (with near
            matches among the lake's `layer.table` names).
    """
    tree = json.loads(con.execute(f"SELECT json_serialize_sql({quote(sql)})").fetchone()[0])
    if tree.get("error"):
        raise _syntax_error(con, sql, tree)
    if len(tree["statements"]) != 1:
        raise QueryError(f"one statement at a time, not {len(tree['statements'])}")
    known = inventory()
    ctes = _cte_names(tree)
    tables: set[str] = set()
    for node in _nodes(tree):
        kind = node.get("type")
        if node.get("class") == "FUNCTION" and str(node.get("function_name", "")).lower() in JVM_FUNCTIONS:
            raise Refused(f"refused: {node['function_name']}() calls Java methods; it is not available here")
        if kind == "TABLE_FUNCTION":
            function = node.get("function", {}).get("function_name", "?")
            raise Refused(f"refused: table function {function}() reads files directly; query lake tables by name")
        if kind != "BASE_TABLE":
            continue
        schema, name, catalog = node["schema_name"].lower(), node["table_name"].lower(), node["catalog_name"].lower()
        if not schema and name in ctes:
            continue
        if catalog not in ("", "memory"):
            raise QueryError(f"unknown catalog {catalog!r}: tables are addressed as <layer>.<table>")
        ref = f"{schema}.{name}"
        if ref not in known:
            raise _unknown_table(schema, name, list(known))
        tables.add(ref)
    return Parsed(tuple(sorted(tables)), tree)


def _unknown_table(schema: str, name: str, known: list[str]) -> QueryError:
    if not schema:
        matches = [r for r in known if r.split(".", 1)[1] == name] or near(name, known)
        what = f"table {name!r} has no layer: address tables as <layer>.<table>"
    else:
        matches = near(f"{schema}.{name}", known)
        what = f"unknown table {schema}.{name}"
    return QueryError(what + (f"; near matches: {', '.join(matches)}" if matches else ""))


def masked(con: Any, parsed: Parsed) -> str:
    """The statement re-printed from its parse tree with every literal replaced by `?`."""

    def mask(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("class") == "CONSTANT":
                return {"class": "PARAMETER", "type": "VALUE_PARAMETER", "alias": node.get("alias", ""),
                        "query_location": 0, "identifier": "1"}  # fmt: skip
            return {k: mask(v) for k, v in node.items()}
        if isinstance(node, list):
            return [mask(v) for v in node]
        return node

    text = con.execute(f"SELECT json_deserialize_sql({quote(json.dumps(mask(parsed.tree)))}::JSON)").fetchone()[0]
    return re.sub(r"\$1\b", "?", text)
