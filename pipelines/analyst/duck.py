"""The fast path: DuckDB over the lake's Delta tables, no JVM.

One in-memory DuckDB per query. Extensions are never downloaded or auto-loaded: the delta
extension is loaded from the installed `duckdb_extension_delta` package. Each table the
query touches becomes a view `<layer>.<table>` over `delta_scan(<table uri>)`; for every
role but `pipeline`, DuckDB then loses access to the file system except the folders of
those tables (`allowed_directories`) and its configuration is locked, so a statement that
slipped past the parse check still could not read another table's files.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from pipelines.analyst.store import duckdb_secret_sql
from pipelines.analyst.tables import LakeTable
from pipelines.settings import Settings

NO_DOWNLOADS: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "false",
}
# The extension file is the one the locked package installed. DuckDB's signature check hashes
# its 80 MB on every LOAD (0.4-1 s, most of a small query's time), so it is skipped; statements
# can never LOAD anything themselves (only parsed queries run, see access.parse).
LOAD_CONFIG: dict[str, str | bool | int | float | list[str]] = {**NO_DOWNLOADS, "allow_unsigned_extensions": "true"}


def extension_path(package: str = "duckdb_extension_delta", name: str = "delta") -> Path:
    """The `<name>.duckdb_extension` file inside an installed extension package.

    Raises:
        RuntimeError: when the package or the file for this DuckDB version is missing.
    """
    import duckdb

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the DuckDB {name} extension is not installed (package {package}, see requirements.lock)")
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.parent.name for p in root.glob("extensions/*/*.duckdb_extension"))
        raise RuntimeError(f"{package} has no {name} extension for DuckDB {duckdb.__version__} (has {found})")
    return path


def parser() -> Any:
    """A bare DuckDB connection: enough to parse statements (no extension, no files)."""
    import duckdb

    return duckdb.connect(config={**NO_DOWNLOADS, "enable_external_access": "false"})


def connect(settings: Settings, tables: list[LakeTable], restrict: bool) -> Any:
    """A DuckDB connection with a view `<layer>.<table>` for each of `tables`.

    Args:
        settings: lake root and object-store credentials.
        tables: the tables the query reads (only these become views).
        restrict: take file-system access away except the folders of `tables`.
    """
    import duckdb

    con = duckdb.connect(config=LOAD_CONFIG)
    con.execute(f"LOAD '{extension_path()}'")
    secret = duckdb_secret_sql(settings)
    if secret:
        try:
            _load_httpfs(con)
        except RuntimeError:
            con.close()
            raise
        con.execute(secret)
    for schema in sorted({t.layer for t in tables}):
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    for table in tables:
        uri = table.uri(settings.lake_root).replace("'", "''")
        con.execute(f'CREATE VIEW "{table.layer}"."{table.name}" AS SELECT * FROM delta_scan(\'{uri}\')')
    if restrict:
        allowed = ", ".join("'" + t.uri(settings.lake_root).replace("'", "''") + "/'" for t in tables)
        con.execute(f"SET allowed_directories = [{allowed}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    return con


def _load_httpfs(con: Any) -> None:
    """Load httpfs, which an `s3://` lake needs twice over: it defines DuckDB's S3 secret (the
    delta extension passes that secret's credentials to its log reader) and it reads the data
    files (the delta extension reads them through DuckDB's file system).

    Raises:
        RuntimeError: when the `duckdb_extension_httpfs` package is not installed (it is not
            in requirements.lock yet; nothing is ever downloaded at run time).
    """
    try:
        path = extension_path("duckdb_extension_httpfs", "httpfs")
    except RuntimeError:
        import duckdb

        raise RuntimeError(
            "an s3:// lake needs DuckDB's httpfs extension, which is not installed: add the package "
            f"duckdb-extension-httpfs=={duckdb.__version__} to the environment, or use --engine spark"
        ) from None
    con.execute(f"LOAD '{path}'")


def columns(con: Any, table: LakeTable) -> list[str]:
    """The column names of a view."""
    rows = con.execute(f'DESCRIBE "{table.layer}"."{table.name}"').fetchall()
    return [r[0] for r in rows]


def run(con: Any, sql: str) -> Any:
    """The result of `sql` as a pyarrow Table."""
    return con.execute(sql).to_arrow_table()
