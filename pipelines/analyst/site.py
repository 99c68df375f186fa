"""HTML of the data-sharing directory: static pages, vanilla JS, no CDN, usable from file://.

The search index is a JS file (`directory-index.js` sets `window.LAKEHOUSE_DIRECTORY`) rather
than a fetch() of `directory.json`, which browsers refuse on file:// pages.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

ASSETS = ("style.css", "search.js")
TITLE = "数据资源目录 · Data-sharing directory"


def _page(title: str, body: str, depth: int, scripts: tuple[str, ...] = ()) -> str:
    up = "../" * depth
    tags = "".join(f'<script src="{up}{s}"></script>' for s in scripts)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        f'<link rel="stylesheet" href="{up}assets/style.css"></head><body>{body}{tags}</body></html>\n'
    )


def _badge(sharing: str) -> str:
    return f'<span class="badge {escape(sharing)}">{escape(sharing)}</span>'


def _value(v: Any) -> str:
    return "–" if v in (None, "", []) else escape(str(v))


def _index(found: list[dict[str, Any]], built: str) -> str:
    rows = []
    for e in found:
        rows.append(
            f'<tr data-ref="{escape(e["ref"])}" data-layer="{escape(e["layer"])}" data-sharing="{escape(e["sharing"])}">'
            f'<td><a href="{escape(e["page"])}">{escape(e["ref"])}</a></td>'
            f'<td><div class="zh">{escape(e["description_zh"])}</div><div class="en">{escape(e["description"])}</div></td>'
            f"<td>{escape(e['owner'])}</td><td>{_value(e['sector'])}</td><td>{escape(e['layer'])}</td>"
            f'<td>{_badge(e["sharing"])}</td><td class="num">{_value(e["rows"])}</td>'
            f"<td>{_value(e['last_success_dt'])}</td><td>{_value(e['gate'])}</td></tr>"
        )
    layers = "".join(f'<option value="{x}">{x}</option>' for x in sorted({e["layer"] for e in found}))
    classes = "".join(f'<option value="{x}">{x}</option>' for x in ("open", "conditional", "restricted"))
    body = (
        f"<header><h1>{TITLE}</h1><p>{len(found)} tables · generated {escape(built)} from the table specs and "
        'ops.run_metrics · <a href="directory.json">directory.json</a></p></header><main>'
        '<div class="controls"><input id="q" type="search" autofocus '
        'placeholder="搜索 / search: 用电, 税, influenza, uscc …" aria-label="search">'
        f'<select id="layer" aria-label="layer"><option value="">all layers</option>{layers}</select>'
        f'<select id="sharing" aria-label="sharing class"><option value="">all classes</option>{classes}</select>'
        '<span id="count"></span></div>'
        '<table id="tables"><thead><tr><th>table</th><th>描述 / description</th><th>owner</th><th>sector</th>'
        "<th>layer</th><th>sharing</th><th>rows</th><th>fresh (dt)</th><th>last gate</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></main>"
    )
    return _page(TITLE, body, 0, ("directory-index.js", "assets/search.js"))


def _links(refs: list[str], known: set[str]) -> str:
    items = [
        f'<li><a href="{escape(r)}.html">{escape(r)}</a></li>' if r in known else f"<li>{escape(r)}</li>" for r in refs
    ]
    return f'<ul class="lineage">{"".join(items)}</ul>' if items else "<p>–</p>"


def _docs_link(docs: str | None, pages_dir: Path) -> str:
    if not docs:
        return "–"
    if "://" in docs and not docs.startswith("file://"):
        return escape(docs)
    path = Path(docs.removeprefix("file://"))
    href = Path(os.path.relpath(path.resolve(), pages_dir.resolve())).as_posix()
    return f'<a href="{escape(href)}">{escape(path.name)}</a>'


def _table_page(e: dict[str, Any], known: set[str], pages_dir: Path) -> str:
    columns = "".join(
        f"<tr><td><code>{escape(c['name'])}</code></td><td>{escape(c['type'])}</td>"
        f"<td>{'<span class=pii>PII</span>' if c['pii'] else ''}</td>"
        f'<td><div class="zh">{escape(c["description_zh"])}</div><div class="en">{escape(c["description"])}</div></td></tr>'
        for c in e["columns"]
    )
    retention = f"{e['retention_days']} days" if e["retention_days"] else "–"
    meta = [
        ("中文描述", escape(e["description_zh"])),
        ("description", escape(e["description"])),
        ("owner department", escape(e["owner"])),
        ("sector", _value(e["sector"])),
        ("layer", escape(e["layer"])),
        ("sharing class", _badge(e["sharing"])),
        ("update frequency", escape(e["update_frequency"])),
        ("retention", retention),
        ("source feeds", _value(", ".join(e["source_feeds"]))),
        ("rows", _value(e["rows"])),
        ("Delta version", _value(e["version"])),
        ("last successful run", f"{_value(e['last_success_dt'])} (run {_value(e['last_success_run'])}, "
         f"recorded {_value(e['last_success_at'])})"),
        ("last gate", f"{_value(e['gate'])} on {_value(e['gate_dt'])} · Data Docs: {_docs_link(e['docs'], pages_dir)}"),
        ("query", f'<code>lakehouse sql "SELECT * FROM {escape(e["ref"])} LIMIT 10"</code>'),
    ]  # fmt: skip
    body = (
        f'<header><h1>{escape(e["ref"])} {_badge(e["sharing"])}</h1><p><a href="../index.html">← {TITLE}</a></p>'
        f'</header><main><dl class="meta">{"".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta)}</dl>'
        f'<section id="lineage"><h2>血缘 · Lineage <small>(from {escape(e["lineage_from"])})</small></h2><h3>upstream</h3>{_links(e["upstream"], known)}'
        f"<h3>downstream</h3>{_links(e['downstream'], known)}</section>"
        f'<section id="columns"><h2>字段 · Columns <small>(schema from {escape(e["schema_from"])})</small></h2>'
        "<table><thead><tr><th>column</th><th>type</th><th>PII</th><th>描述 / description</th></tr></thead>"
        f"<tbody>{columns or '<tr><td colspan=4>known once the table is written</td></tr>'}</tbody></table>"
        "</section></main>"
    )
    return _page(f"{e['ref']} · {TITLE}", body, 1)


def write_site(root: Path, found: list[dict[str, Any]], directory_json: str, texts: list[str]) -> Path:
    """Write index.html, tables/<ref>.html, assets/, directory.json and directory-index.js under `root`.

    Returns:
        The path of index.html.
    """
    built = datetime.now(UTC).isoformat(timespec="seconds")
    pages = root / "tables"
    (root / "assets").mkdir(parents=True, exist_ok=True)
    pages.mkdir(parents=True, exist_ok=True)
    for asset in ASSETS:
        text = resources.files("pipelines.analyst").joinpath("site", asset).read_text("utf-8")
        (root / "assets" / asset).write_text(text, "utf-8")
    known = {e["ref"] for e in found}
    for e in found:
        (pages / f"{e['ref']}.html").write_text(_table_page(e, known, pages), "utf-8")
    index = {"generated_at": built, "tables": [{"ref": e["ref"], "text": t} for e, t in zip(found, texts, strict=True)]}
    script = "window.LAKEHOUSE_DIRECTORY = " + json.dumps(index, ensure_ascii=False).replace("</", "<\\/") + ";\n"
    (root / "directory-index.js").write_text(script, "utf-8")
    (root / "directory.json").write_text(directory_json, "utf-8")
    (root / "index.html").write_text(_index(found, built), "utf-8")
    return root / "index.html"
