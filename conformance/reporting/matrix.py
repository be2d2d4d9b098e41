"""One self-contained HTML page comparing several implementations case by case (Autobahn-style):
rows = case IDs grouped by OCPP version and profile, columns = implementations, cells = verdicts.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

from . import VERDICT_LABELS, VERDICTS, ReportError
from .html import esc, format_time, group_key, page
from .summary import iut_identity

MATRIX_FILENAME = "matrix.html"


def _natural(text: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _columns(summaries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One column per IUT per summary (IUTs named only by their cases get a column too)."""
    columns = []
    for index, summary in enumerate(summaries):
        iuts = {str(i.get("name")): i for i in summary.get("iuts") or [] if isinstance(i, Mapping)}
        names = list(iuts)
        for case in summary.get("cases") or []:
            if isinstance(case, Mapping) and str(case.get("iut")) not in names:
                names.append(str(case.get("iut")))
        for name in names:
            cases = {str(c.get("id")): c for c in summary.get("cases") or []
                     if isinstance(c, Mapping) and str(c.get("iut")) == name}
            columns.append({"index": index, "name": name, "iut": iuts.get(name, {}), "cases": cases,
                            "run": summary.get("run") or {}, "suite": summary.get("suite") or {}})
    return columns


def render_matrix(summaries: Sequence[Mapping[str, Any]], out: str | os.PathLike[str],
                  *, sources: Sequence[str] | None = None) -> Path:
    """Write the comparison page to `out` and return its path. `sources` names each summary (e.g. its file)."""
    if not summaries:
        raise ReportError("no summaries to compare: give at least one summary.json")
    columns = _columns(summaries)
    groups: dict[tuple[str, str], dict[str, str]] = {}
    for col in columns:
        for cid, case in col["cases"].items():
            key = group_key(case)
            groups.setdefault(key, {}).setdefault(cid, str(case.get("title") or ""))

    head = []
    for col in columns:
        ident = iut_identity(col["iut"])
        vendor_model = " ".join(x for x in (ident["vendor"], ident["model"]) if x)
        head.append(
            f'<th class="iutcol"><span>{esc(col["name"])}</span>'
            f'<small>{esc(vendor_model or "(vendor/model not reported)")}</small>'
            f'<small>firmware {esc(ident["firmware"] or "?")} · OCPP {esc(col["iut"].get("ocpp_version") or "?")}</small>'
            f'<small>{esc(format_time(col["run"].get("started")))}</small></th>'
        )
    rows = []
    totals_cells = []  # the totals row comes first: the overview at a glance
    for col in columns:
        counts = {v: 0 for v in VERDICTS}
        for case in col["cases"].values():
            counts[case.get("verdict")] = counts.get(case.get("verdict"), 0) + 1
        passed = counts["passed"] + counts["passed_with_warnings"]
        bad = counts["failed"] + counts["broken"]
        unjudged = f' · <b>{counts["inconclusive"]}</b> inconclusive' if counts["inconclusive"] else ""
        totals_cells.append(f'<td class="tot"><b>{passed}</b> passed · <b>{bad}</b> failed/broken{unjudged}'
                            f'<br><span class="note">{len(col["cases"])} cases</span></td>')
    rows.append(f'<tr class="totals-row"><th colspan="2">Totals</th>{"".join(totals_cells)}</tr>')
    for (version, profile) in sorted(groups, key=lambda k: (_natural(k[0]), k[1])):
        rows.append(f'<tr class="group"><th colspan="{2 + len(columns)}">OCPP {esc(version)} · {esc(profile)}</th></tr>')
        for cid in sorted(groups[(version, profile)], key=_natural):
            cells = []
            for col in columns:
                case = col["cases"].get(cid)
                if case is None:
                    cells.append('<td class="cellwrap"><span class="cell missing">—</span></td>')
                    continue
                v = str(case.get("verdict"))
                tip = case.get("message") or VERDICT_LABELS.get(v, v)
                cells.append(f'<td class="cellwrap"><span class="cell v-{esc(v)}" title="{esc(tip)}">'
                             f'{esc(VERDICT_LABELS.get(v, v))}</span></td>')
            rows.append(f'<tr><td class="cid">{esc(cid)}</td><td class="title">{esc(groups[(version, profile)][cid])}'
                        f'</td>{"".join(cells)}</tr>')

    legend = "".join(f'<span class="badge v-{v}">{esc(VERDICT_LABELS[v])}</span> ' for v in VERDICTS)
    source_items = ""
    if sources:
        source_items = "<h2>Sources</h2><ul>" + "".join(f"<li><code>{esc(s)}</code></li>" for s in sources) + "</ul>"
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    suites = sorted({f'{c["suite"].get("name", "ocpp-conformance")} {c["suite"].get("version", "")}'.strip()
                     for c in columns})
    body = (
        '<header class="masthead"><div class="page"><div><div class="kicker">OCPP conformance matrix</div>'
        f"<h1>{len(columns)} implementation run(s) compared</h1>"
        f'<div class="sub">{esc(", ".join(c["name"] for c in columns))}</div></div></div></header>'
        '<main class="page"><section class="card"><p>' + legend + '</p>'
        '<p class="note">Hover a cell for the case\'s message. "—": the case was not run for that implementation.</p>'
        f'<div style="overflow-x:auto"><table class="matrix" id="matrix"><thead><tr><th>Case</th><th>Title</th>'
        f'{"".join(head)}</tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>'
        f'<section class="card">{source_items}<p class="note">Generated {esc(generated)} by '
        f'{esc(", ".join(suites))}.</p></section></main>'
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page("OCPP conformance matrix", body, with_script=False), encoding="utf-8")
    return out


def run_matrix(paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str]) -> int:
    """CLI: render the matrix from summary files; 0 on success, 2 when a summary cannot be read."""
    from .summary import load_summary, sha256_of

    try:
        summaries = [load_summary(p) for p in paths]
        sources = [f"{p} (SHA-256 {sha256_of(Path(p) / 'summary.json' if Path(p).is_dir() else p)})" for p in paths]
        path = render_matrix(summaries, out, sources=sources)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"matrix written to {path}")
    return 0
