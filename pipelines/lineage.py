"""OpenLineage for every step: START, COMPLETE and FAIL run events with datasets and column lineage.

Lineage is derived from the declared specs, never inferred from Spark plans:

- bronze: the delivery's files (from its manifest) -> `bronze.<sector>_<feed>`; each contract
  column comes from the delivered field of the same (or its `source`) name;
- silver: `bronze.<feed>` -> `silver.<table>` and `quarantine.<feed>`; silver columns are the
  contract's, personal data marked as masked by tokenization (HMAC), typed columns as
  transformed; quarantine keeps the raw line and the rule results;
- gold: the declared sources -> `gold.<table>`; each column of the gold table's schema maps to
  the same-named columns of its sources.

Datasets are named as OpenLineage's naming spec says for where they are stored (`file` + path,
or `s3://bucket` + key) and carry a symlink to their lake name (`lakehouse` / `silver.tax_returns`,
or `landing/tax/returns` for a delivery file). Jobs are `<sector>.<layer>__<table>`, like the
Airflow tasks; a step's parent run is its sector's run (the DAG run, or the `lakehouse run`).

`traced` wraps `execute` in `pipelines.core.runner`, so `lakehouse run` and Airflow tasks emit
the same events. The transport comes from `settings.lineage_url` (`transport_config`); a
transport that fails is logged, never fails a step. `lineage_graph(settings)` reads the
recorded events back for `lakehouse lineage` and the data-sharing directory.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from pipelines.core.contract import LINEAGE
from pipelines.io.refs import TableRef
from pipelines.io.storage import dataset_address
from pipelines.settings import Settings

if TYPE_CHECKING:
    from pipelines.core.plan import Step
    from pipelines.core.spec import Sector
    from pipelines.core.steps import RunContext, StepResult
    from pipelines.io.lake import Lake

log = logging.getLogger(__name__)

NAMESPACE = "lakehouse"
"""Namespace of the jobs and of the lake's own names for its tables (symlinks)."""
PRODUCER = "urn:lakehouse:pipelines"
MASKED = "MASKED"
"""Our mark for a column replaced by a token: emitted as a DIRECT TRANSFORMATION with `masking: true`."""
PII_TOKEN = "HMAC-SHA256 token of the value (pipelines.transforms.pii): the original is not recoverable"


def events_file(settings: Settings) -> Path:
    """Where the file transport writes: `<docs_dir>/lineage/events.jsonl`."""
    return Path(settings.docs_dir) / "lineage" / "events.jsonl"


def transport_config(settings: Settings) -> dict[str, Any]:
    """The OpenLineage transport `settings.lineage_url` names.

    "" -> a file transport appending JSON Lines to `events_file`; `http(s)://host[:port][/path]`
    -> HTTP (the path defaults to `/api/v1/lineage`); `console` -> the client's console transport
    (events logged at INFO).

    Raises:
        ValueError: any other value.
    """
    url = settings.lineage_url.strip()
    if not url:
        return {"type": "file", "log_file_path": str(events_file(settings)), "append": True}
    if url == "console":
        return {"type": "console"}
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https") and parsed.netloc:
        endpoint = parsed.path.lstrip("/") or "api/v1/lineage"
        # Short timeout and few retries: a lineage server that is down must not stall the pipeline.
        return {
            "type": "http",
            "url": f"{parsed.scheme}://{parsed.netloc}",
            "endpoint": endpoint,
            "timeout": 5.0,
            "retry": {"total": 2, "backoff_factor": 0.2},
        }
    raise ValueError(f"lineage_url must be empty (file), 'console' or an http(s):// URL, not {url!r}")


_CLIENTS: dict[str, Any] = {}


def client(settings: Settings) -> Any:
    """The OpenLineage client for the settings' transport (one per transport and process)."""
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport import get_default_factory

    config = transport_config(settings)
    key = json.dumps(config, sort_keys=True)
    if key not in _CLIENTS:
        if config["type"] == "file":
            events_file(settings).parent.mkdir(parents=True, exist_ok=True)
        _CLIENTS[key] = OpenLineageClient(transport=get_default_factory().create(config))
    return _CLIENTS[key]


# ---------------------------------------------------------------------------------------- datasets


@dataclass
class DatasetSpec:
    """A dataset of a step: where it is, its lake name, schema and column lineage (built before emitting)."""

    uri: str
    lake_name: str
    kind: str = "TABLE"
    fields: list[tuple[str, str]] = field(default_factory=list)
    columns: dict[str, list[tuple[DatasetSpec, str, str, str]]] = field(default_factory=dict)
    """output column -> [(input dataset, input column, subtype (or MASKED), description)]."""
    description: str = ""
    owner: str = ""

    @property
    def address(self) -> tuple[str, str]:
        """(namespace, name) per the naming spec."""
        return dataset_address(self.uri)


def _facets(ds: DatasetSpec) -> dict[str, Any]:
    from openlineage.client.facet_v2 import (
        column_lineage_dataset,
        documentation_dataset,
        ownership_dataset,
        schema_dataset,
        symlinks_dataset,
    )

    facets: dict[str, Any] = {
        "symlinks": symlinks_dataset.SymlinksDatasetFacet(
            identifiers=[symlinks_dataset.Identifier(NAMESPACE, ds.lake_name, ds.kind)]
        )
    }
    if ds.fields:
        facets["schema"] = schema_dataset.SchemaDatasetFacet(
            fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in ds.fields]
        )
    if ds.description:
        facets["documentation"] = documentation_dataset.DocumentationDatasetFacet(description=ds.description)
    if ds.owner:
        facets["ownership"] = ownership_dataset.OwnershipDatasetFacet(
            owners=[ownership_dataset.Owner(name=ds.owner, type="DATA_OWNER")]
        )
    if ds.columns:
        lineage_fields = {}
        for column, sources in ds.columns.items():
            inputs = [
                column_lineage_dataset.InputField(
                    namespace=src.address[0],
                    name=src.address[1],
                    field=src_column,
                    transformations=[
                        column_lineage_dataset.Transformation(
                            type="DIRECT",
                            subtype="TRANSFORMATION" if subtype == MASKED else subtype,
                            description=description,
                            masking=subtype == MASKED,
                        )
                    ],
                )
                for src, src_column, subtype, description in sources
            ]
            lineage_fields[column] = column_lineage_dataset.Fields(inputFields=inputs)
        facets["columnLineage"] = column_lineage_dataset.ColumnLineageDatasetFacet(fields=lineage_fields)
    return facets


def _schema(lake: Lake, ref: TableRef) -> list[tuple[str, str]]:
    """The table's columns and types ([] before it is first written)."""
    try:
        fields = lake.read(ref).schema.fields
    except Exception:  # no table there yet (Spark's AnalysisException, over Connect too)
        return []
    return [(f.name, f.dataType.simpleString()) for f in fields]


def _table(lake: Lake, ref: TableRef, fields: list[tuple[str, str]] | None = None) -> DatasetSpec:
    return DatasetSpec(lake.uri(ref), str(ref), fields=_schema(lake, ref) if fields is None else fields)


def bronze_datasets(lake: Lake, sector: Sector, table: str, dt: str) -> tuple[list[DatasetSpec], list[DatasetSpec]]:
    """Delivery files -> bronze table: each contract column from its delivered field."""
    feed = next(s.feed for s in sector.silver if s.feed.table == table)
    contract = feed.contract
    label = f"landing/{feed.sector}/{feed.feed}"
    delivered = [(c.delivered_name, "string") for c in contract.columns]
    files = lake.delivery_files(feed.sector, feed.feed, dt) or [lake.delivery_folder(feed.sector, feed.feed, dt)]
    inputs = [DatasetSpec(f, label, "DELIVERY", delivered) for f in files]
    bronze = _table(lake, TableRef("bronze", table))
    bronze.columns = {
        c.name: [(f, c.delivered_name, "IDENTITY", "as delivered (text)") for f in inputs] for c in contract.columns
    }
    bronze.columns["_raw"] = [
        (f, c.delivered_name, "TRANSFORMATION", "the delivered line") for f in inputs for c in contract.columns
    ]
    return inputs, [bronze]


def silver_datasets(lake: Lake, sector: Sector, table: str) -> tuple[list[DatasetSpec], list[DatasetSpec]]:
    """Bronze -> silver (+ quarantine): contract columns, typed; personal data masked by tokens."""
    spec = sector.silver_table(table)
    contract = spec.feed.contract
    bronze = _table(lake, TableRef("bronze", spec.feed.table))
    silver = _table(lake, TableRef("silver", table))
    silver.description, silver.owner = spec.catalog.description, spec.catalog.owner
    present = {n for n, _ in silver.fields}
    for c in contract.columns:
        if present and c.name not in present:
            continue  # the transform dropped it (e.g. a name replaced by what is derived from it)
        if c.pii:
            silver.columns[c.name] = [(bronze, c.name, MASKED, PII_TOKEN)]
        elif c.type == "string":
            silver.columns[c.name] = [(bronze, c.name, "IDENTITY", "validated by the contract's rules")]
        else:
            silver.columns[c.name] = [(bronze, c.name, "TRANSFORMATION", f"parsed as {c.type}")]
    for name in LINEAGE:
        if not present or name in present:
            silver.columns[name] = [(bronze, name, "IDENTITY", "delivery lineage")]
    quarantine = _table(lake, TableRef("quarantine", spec.feed.table))
    quarantine.columns = {name: [(bronze, name, "IDENTITY", "delivery lineage")] for name in LINEAGE[:4]}
    quarantine.columns["_raw"] = [(bronze, "_raw", "IDENTITY", "the delivered line, or the row as JSON")] + [
        (bronze, c.name, "TRANSFORMATION", "the row as JSON when no line was delivered") for c in contract.columns
    ]
    quarantine.columns["reasons"] = [
        (bronze, c.name, "TRANSFORMATION", "reason codes of the contract's rules") for c in contract.columns
    ]
    return [bronze], [silver, quarantine]


def gold_datasets(lake: Lake, sector: Sector, table: str) -> tuple[list[DatasetSpec], list[DatasetSpec]]:
    """Declared sources -> gold: each gold column from the sources' same-named columns."""
    spec = next(g for g in sector.gold if g.name == table)
    sources = [_table(lake, ref) for ref in spec.source_refs]
    gold = _table(lake, TableRef("gold", table))
    gold.description, gold.owner = spec.catalog.description, spec.catalog.owner
    for name, _ in gold.fields:
        matches = [
            (s, name, "IDENTITY", "same-named column of a declared source") for s in sources if name in dict(s.fields)
        ]
        if matches:
            gold.columns[name] = matches
    return sources, [gold]


def datasets(lake: Lake, sector: Sector, step: Step, dt: str) -> tuple[list[DatasetSpec], list[DatasetSpec]]:
    """A step's input and output datasets, with column lineage, from the specs."""
    if step.layer == "bronze":
        return bronze_datasets(lake, sector, step.table, dt)
    if step.layer == "silver":
        return silver_datasets(lake, sector, step.table)
    return gold_datasets(lake, sector, step.table)


# ------------------------------------------------------------------------------------------ events


def _uuid(*parts: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, "lakehouse:" + "/".join(parts)))


def job_name(sector: Sector, step: Step) -> str:
    """`tax.silver__tax_returns`: the sector (DAG) and the step (task)."""
    return f"{sector.name}.{step.task_id}"


def event(
    kind: str,
    run_id: str,
    sector: Sector,
    step: Step,
    ctx: RunContext,
    inputs: list[DatasetSpec],
    outputs: list[DatasetSpec],
    result: StepResult | None = None,
    error: BaseException | None = None,
) -> Any:
    """One OpenLineage run event of a step."""
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import (
        dataset_version_dataset,
        error_message_run,
        job_type_job,
        nominal_time_run,
        output_statistics_output_dataset,
        parent_run,
    )

    run_facets: dict[str, Any] = {
        "nominalTime": nominal_time_run.NominalTimeRunFacet(nominalStartTime=f"{ctx.dt}T00:00:00+08:00"),
        "parent": parent_run.ParentRunFacet(
            run=parent_run.Run(runId=_uuid(sector.name, ctx.run_id)),
            job=parent_run.Job(namespace=NAMESPACE, name=sector.name),
        ),
    }
    if error is not None:
        run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=f"{type(error).__name__}: {error}",
            programmingLanguage="python",
            stackTrace="".join(traceback.format_exception(error)),
        )
    outs = []
    for i, ds in enumerate(outputs):
        facets = _facets(ds)
        out_facets: dict[str, Any] = {}
        if result is not None and i == 0:
            if result.version is not None:
                facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(
                    datasetVersion=str(result.version)
                )
            out_facets["outputStatistics"] = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=result.promoted
            )
        elif result is not None and ds.lake_name.startswith("quarantine."):
            out_facets["outputStatistics"] = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=result.quarantined
            )
        namespace, name = ds.address
        outs.append(OutputDataset(namespace, name, facets=facets, outputFacets=out_facets))
    ins = [InputDataset(*ds.address, facets=_facets(ds)) for ds in inputs]
    job_facets: dict[str, Any] = {
        "jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="LAKEHOUSE", jobType="TASK")
    }
    return RunEvent(
        eventType=getattr(RunState, kind),
        eventTime=datetime.now(UTC).isoformat(),
        run=Run(runId=run_id, facets=run_facets),
        job=Job(namespace=NAMESPACE, name=job_name(sector, step), facets=job_facets),
        inputs=ins,
        outputs=outs,
        producer=PRODUCER,
    )


def emit(settings: Settings, built: Callable[[], Any]) -> None:
    """Build and emit one event; a failure is logged (lineage never fails a step)."""
    try:
        client(settings).emit(built())
    except Exception as err:  # a lineage server down or a bad event: warn, the step goes on
        log.warning("OpenLineage event not emitted: %s: %s", type(err).__name__, err)


def traced(lake: Lake, sector: Sector, step: Step, ctx: RunContext, execute: Callable[[], StepResult]) -> StepResult:
    """Run `execute` between a START and a COMPLETE (or FAIL) event of the step.

    Datasets are described from the specs (and the tables' schemas) before the step and
    again after it, so COMPLETE names the columns the step wrote.
    """
    from openlineage.client.uuid import generate_new_uuid

    run_id = str(generate_new_uuid())
    ins: list[DatasetSpec] = []
    outs: list[DatasetSpec] = []

    def start() -> Any:
        nonlocal ins, outs
        ins, outs = datasets(lake, sector, step, ctx.dt)
        return event("START", run_id, sector, step, ctx, ins, outs)

    emit(lake.settings, start)
    try:
        result = execute()
    except BaseException as err:
        failure = err
        emit(lake.settings, lambda: event("FAIL", run_id, sector, step, ctx, ins, outs, error=failure))
        raise

    def complete() -> Any:
        after_ins, after_outs = datasets(lake, sector, step, ctx.dt)
        return event("COMPLETE", run_id, sector, step, ctx, after_ins, after_outs, result=result)

    emit(lake.settings, complete)
    return result


# ------------------------------------------------------------------------------------------- graph


@dataclass(frozen=True)
class JobLineage:
    """What one job read and wrote in its latest completed run, by lake name."""

    job: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    columns: dict[str, dict[str, tuple[tuple[str, str], ...]]]
    """output table -> column -> ((input table, input column), …)."""
    completed_at: str


@dataclass(frozen=True)
class Hop:
    """A table reached from another through a job, `depth` jobs away."""

    depth: int
    table: str
    job: str


@dataclass
class LineageGraph:
    """Tables and the jobs between them, from the recorded COMPLETE events."""

    jobs: dict[str, JobLineage] = field(default_factory=dict)

    def tables(self) -> set[str]:
        """Every table (and delivery feed) some job read or wrote."""
        return {t for j in self.jobs.values() for t in (*j.inputs, *j.outputs)}

    def producers(self, table: str) -> list[JobLineage]:
        """The jobs that write `table`."""
        return sorted((j for j in self.jobs.values() if table in j.outputs), key=lambda j: j.job)

    def consumers(self, table: str) -> list[JobLineage]:
        """The jobs that read `table`."""
        return sorted((j for j in self.jobs.values() if table in j.inputs), key=lambda j: j.job)

    def _walk(self, table: str, up: bool) -> list[Hop]:
        hops: list[Hop] = []
        seen = {table}

        def visit(current: str, depth: int) -> None:
            for job in self.producers(current) if up else self.consumers(current):
                for nxt in sorted(job.inputs if up else job.outputs):
                    if nxt in seen:
                        continue
                    seen.add(nxt)
                    hops.append(Hop(depth, nxt, job.job))
                    visit(nxt, depth + 1)

        visit(table, 1)
        return hops

    def upstream(self, table: str) -> list[Hop]:
        """Everything `table` is derived from, transitively, depth first."""
        return self._walk(table, up=True)

    def downstream(self, table: str) -> list[Hop]:
        """Everything derived from `table`, transitively, depth first."""
        return self._walk(table, up=False)

    def to_dict(self) -> dict[str, Any]:
        """The graph as plain data (JSON-ready)."""
        return {
            "jobs": {
                name: {
                    "inputs": list(j.inputs),
                    "outputs": list(j.outputs),
                    "columns": {
                        t: {c: [list(s) for s in srcs] for c, srcs in cols.items()} for t, cols in j.columns.items()
                    },
                    "completed_at": j.completed_at,
                }
                for name, j in sorted(self.jobs.items())
            }
        }


def _lake_name(dataset: dict[str, Any]) -> str:
    for identifier in (dataset.get("facets") or {}).get("symlinks", {}).get("identifiers", []):
        if identifier.get("namespace") == NAMESPACE:
            return str(identifier["name"])
    return f"{dataset['namespace']}:{dataset['name']}"


def read_events(path: Path) -> Iterable[dict[str, Any]]:
    """The events of a JSON Lines file (lines that do not parse are skipped)."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def graph_of(events: Iterable[dict[str, Any]]) -> LineageGraph:
    """The lineage the COMPLETE events describe (per job, its latest run)."""
    latest: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.get("eventType") != "COMPLETE" or "job" not in e:
            continue
        name = f"{e['job']['name']}"
        if name not in latest or e.get("eventTime", "") >= latest[name].get("eventTime", ""):
            latest[name] = e
    graph = LineageGraph()
    for name, e in latest.items():
        by_address = {(d["namespace"], d["name"]): _lake_name(d) for d in e.get("inputs", [])}
        columns = {}
        for out in e.get("outputs", []):
            fields = (out.get("facets") or {}).get("columnLineage", {}).get("fields", {})
            columns[_lake_name(out)] = {
                col: tuple(
                    sorted(
                        {(by_address.get((i["namespace"], i["name"]), i["name"]), i["field"]) for i in f["inputFields"]}
                    )
                )
                for col, f in fields.items()
            }
        graph.jobs[name] = JobLineage(
            name,
            tuple(sorted({_lake_name(d) for d in e.get("inputs", [])})),
            tuple(sorted({_lake_name(d) for d in e.get("outputs", [])})),
            columns,
            e.get("eventTime", ""),
        )
    return graph


def lineage_graph(settings: Settings) -> LineageGraph:
    """The lake's lineage as recorded by the file transport (`events_file`)."""
    return graph_of(read_events(events_file(settings)))


def render(graph: LineageGraph, table: str) -> str:
    """`table`, then its upstream and downstream tables as indented trees naming the jobs between."""

    def tree(hops: list[Hop]) -> list[str]:
        return [f"{'  ' * h.depth}{h.table:<{40 - 2 * h.depth}}  via {h.job}" for h in hops] or ["  (none recorded)"]

    lines = [table]
    producers = ", ".join(j.job for j in graph.producers(table))
    if producers:
        lines.append(f"  written by {producers}")
    lines += ["upstream:", *tree(graph.upstream(table)), "downstream:", *tree(graph.downstream(table))]
    return "\n".join(lines)
