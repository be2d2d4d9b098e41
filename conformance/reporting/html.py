"""The self-contained HTML conformance report (`reports/conformance-report.html`).

One file an auditor can archive: CSS and the (optional) script are inlined, nothing is loaded from
anywhere, and the essentials read without JavaScript (`<details>` expand natively). Everything that
comes from the implementation under test is untrusted and HTML-escaped; a Content-Security-Policy
allows only the report's own script (by hash) as a second line of defence.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import VERDICT_LABELS, VERDICTS, ReportError
from .summary import iut_identity

REPORT_FILENAME = "conformance-report.html"
FRAME_DISPLAY_LIMIT = 2048  # characters of one frame shown before it is cut (the size is stated)
MAX_RECORDS_PER_CASE = 3000  # wire-log records shown per case; the JSONL file keeps them all
_HERE = Path(__file__).parent


def esc(value: Any) -> str:
    """HTML-escape any value for text and (double-quoted) attribute context."""
    if value is None:
        return ""
    return escape(str(value), quote=True)


def css() -> str:
    return (_HERE / "report.css").read_text(encoding="utf-8")


def script() -> str:
    return (_HERE / "report.js").read_text(encoding="utf-8")


def csp(script_text: str | None) -> str:
    """Content-Security-Policy: no network, inline styles, and only the given script (pinned by its hash)."""
    policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    if script_text:
        digest = base64.b64encode(hashlib.sha256(script_text.encode("utf-8")).digest()).decode("ascii")
        policy += f"; script-src 'sha256-{digest}'"
    return policy


def anchor(*parts: Any) -> str:
    """A stable, safe element id from arbitrary text."""
    text = "-".join(str(p) for p in parts if p not in (None, ""))
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def verdict_badge(verdict: str | None) -> str:
    v = verdict or "unknown"
    return f'<span class="badge v-{esc(v)}">{esc(VERDICT_LABELS.get(v, v))}</span>'


def format_duration(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not math.isfinite(seconds):
        return "—"
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_time(iso: Any) -> str:
    """`2026-11-21T10:00:00.000Z` → `2026-11-21 10:00:00 UTC` (unparsable text is shown as given)."""
    if not isinstance(iso, str) or not iso:
        return "—"
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
        return when.strftime("%Y-%m-%d %H:%M:%S UTC")
    return when.strftime("%Y-%m-%d %H:%M:%S")


ROLE_LABELS = {"charge_point": "Charge Point", "csms": "CSMS"}
SECURITY_PROFILES = {
    0: "0 — none (ws://, no authentication)",
    1: "1 — HTTP Basic authentication over ws://",
    2: "2 — TLS with HTTP Basic authentication",
    3: "3 — TLS with client-side certificates",
}


# --------------------------------------------------------------------------------------------------
# wire log


def read_wire_log(report_dir: Path, relative: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Records of a case's JSONL wire log and a note on any problem (missing file, unreadable lines)."""
    if not relative:
        return [], "no wire log was recorded for this case"
    base = report_dir.resolve()
    path = (base / relative).resolve()
    if base not in path.parents:  # the summary names files inside the report directory only
        return [], f"wire log path {relative!r} is outside the report directory; not embedded"
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return [], f"wire log {relative} not found"
    except OSError as exc:
        return [], f"wire log {relative} cannot be read: {exc}"
    records, bad = [], 0
    for line in lines:
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if isinstance(rec, dict):
            records.append(rec)
        else:
            bad += 1
    return records, (f"{bad} unreadable line(s) in {relative} skipped" if bad else None)


_TYPE_NAMES = {2: "CALL", 3: "CALLRESULT", 4: "CALLERROR", 5: "CALLRESULTERROR", 6: "SEND"}


def _frame_text(rec: Mapping[str, Any]) -> str:
    raw = rec.get("raw")
    size = rec.get("size") if isinstance(rec.get("size"), int) else None
    if raw is None:
        return '<span class="note">(empty frame)</span>'
    if rec.get("opcode") == "binary":
        shown = str(raw)[:FRAME_DISPLAY_LIMIT]
        more = len(str(raw)) > FRAME_DISPLAY_LIMIT
        label = f"binary frame, {size if size is not None else len(str(raw)) // 2:,} bytes, hex: "
        return (f'<span class="trunc">{esc(label)}</span><span class="raw">{esc(shown)}</span>'
                + ('<span class="trunc"> … [cut]</span>' if more else ""))
    text = str(raw)
    if len(text) <= FRAME_DISPLAY_LIMIT:
        return f'<span class="raw">{esc(text)}</span>'
    total = f"{size:,} bytes" if size is not None else f"{len(text):,} characters"
    return (f'<span class="raw">{esc(text[:FRAME_DISPLAY_LIMIT])}</span>'
            f'<span class="trunc"> … [frame truncated: first {FRAME_DISPLAY_LIMIT:,} of {len(text):,} characters '
            f'shown, {esc(total)} in total; the full frame is in the JSONL wire log]</span>')


def _violation_row(v: Mapping[str, Any]) -> str:
    level = str(v.get("level") or "")
    who = "IUT" if v.get("by_iut", True) else "suite"
    spec = f" — {esc(v.get('spec'))}" if v.get("spec") else ""
    cls = "viol should" if level == "SHOULD" else "viol"
    return (f'<tr class="{cls}"><td colspan="6">&#9888; <span class="lvl">{esc(level)}</span> '
            f'<b>{esc(v.get("rule_id"))}</b> ({who}): {esc(v.get("message"))}{spec}</td></tr>')


def render_wire_log(records: list[dict[str, Any]], case_violations: Iterable[Mapping[str, Any]] = (),
                    anchor_prefix: str = "") -> str:
    """The wire log as a table: one row per frame or event, its violations in rows right below it."""
    rows = []
    for rec in records[:MAX_RECORDS_PER_CASE]:
        clock = str(rec.get("t_wall") or "")[11:23]
        seq = esc(rec.get("seq"))
        if rec.get("kind") == "event":
            data = rec.get("data") if isinstance(rec.get("data"), Mapping) else {}
            details = " ".join(f"{k}={json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}"
                               for k, v in data.items())
            conn = f" [conn {rec['connection']}]" if rec.get("connection") else ""
            rows.append(f'<tr class="event"><td class="seq">#{seq}</td><td class="ts">{esc(clock)}</td>'
                        f'<td class="dir">—</td><td><span class="mt mt-event">{esc(rec.get("event"))}</span></td>'
                        f'<td colspan="2">{esc(details)}{esc(conn)}</td></tr>')
        else:
            from_iut = bool(rec.get("from_iut"))
            direction = "IUT &#8594; suite" if from_iut else "suite &#8594; IUT"
            if rec.get("deliberate"):
                direction += " *"
            mtype = _TYPE_NAMES.get(rec.get("message_type")) if not rec.get("parse_error") else None
            mtype = mtype or ("INVALID" if rec.get("parse_error") or rec.get("message_type") is None else "?")
            what = " ".join(str(x) for x in (rec.get("action"), rec.get("error_code")) if x)
            uid = rec.get("unique_id")
            head = f'<span class="act">{esc(what)}</span>' if what else ""
            if uid:
                head += f' <span class="note">id {esc(uid)}</span>'
            perr = f'<div class="perr">&#10007; {esc(rec.get("parse_error"))}</div>' if rec.get("parse_error") else ""
            title = ' title="sent deliberately by the suite (fault injection): not judged"' if rec.get("deliberate") else ""
            row_id = f' id="{esc(anchor_prefix)}-f{seq}"' if anchor_prefix else ""
            rows.append(f'<tr class="{"in" if from_iut else "out"}"{row_id}{title}><td class="seq">#{seq}</td>'
                        f'<td class="ts">{esc(clock)}</td><td class="dir">{direction}</td>'
                        f'<td><span class="mt mt-{esc(mtype)}">{esc(mtype)}</span></td>'
                        f'<td class="frame" colspan="2">{head}{"<br>" if head else ""}{_frame_text(rec)}{perr}</td></tr>')
        for v in rec.get("violations") or []:
            if isinstance(v, Mapping):
                rows.append(_violation_row(v))
    if len(records) > MAX_RECORDS_PER_CASE:
        rows.append(f'<tr class="event"><td colspan="6">… {len(records) - MAX_RECORDS_PER_CASE:,} more records '
                    f'not shown here (see the JSONL wire log)</td></tr>')
    # Findings not tied to a frame (e.g. a timer expired) go at the end.
    for v in case_violations:
        if v.get("seq") is None:
            rows.append(_violation_row(v))
    if not rows:
        return '<p class="note">The wire log of this case is empty.</p>'
    return ('<table class="wirelog"><thead><tr><th>#</th><th>time (UTC)</th><th>direction</th><th>type</th>'
            '<th colspan="2">frame</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")


# --------------------------------------------------------------------------------------------------
# sections


def _facts(pairs: Iterable[tuple[str, Any]]) -> str:
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v if isinstance(v, _Html) else esc(v)}</dd>"
                    for k, v in pairs if v not in (None, "", []))
    return f'<dl class="facts">{items}</dl>'


class _Html(str):
    """Text already rendered as HTML (not escaped again by _facts)."""


def _totals_html(totals: Mapping[str, int]) -> str:
    total = sum(totals.get(v, 0) for v in VERDICTS)
    chips = [f'<div class="total v-{v}"><b>{totals.get(v, 0)}</b><span>{esc(VERDICT_LABELS[v])}</span></div>'
             for v in VERDICTS]
    bar = "".join(f'<i class="v-{v}" style="width:{100.0 * totals.get(v, 0) / total:.3f}%" '
                  f'title="{esc(VERDICT_LABELS[v])}: {totals.get(v, 0)}"></i>' for v in VERDICTS if totals.get(v))
    return (f'<div class="totals"><div class="total"><b>{total}</b><span>Cases</span></div>{"".join(chips)}</div>'
            f'<div class="bar" role="img" aria-label="verdict distribution">{bar}</div>')


def overall(totals: Mapping[str, int], *, interrupted: bool = False) -> tuple[str, str, str]:
    """(css class, headline, detail) of the run as a whole."""
    bad = totals.get("failed", 0) + totals.get("broken", 0)
    if bad:
        parts = [f"{totals[v]} {VERDICT_LABELS[v].lower()}" for v in ("failed", "broken", "inconclusive")
                 if totals.get(v)]
        return "bad", "NOT CONFORMANT", ", ".join(parts) + ("; run interrupted" if interrupted else "")
    if interrupted:  # what did not run says nothing either way
        return "warn", "INTERRUPTED", f"the run was stopped after {sum(totals.values())} case(s)"
    if totals.get("inconclusive"):  # nothing failed, but not every applicable case was judged
        return "warn", "INCONCLUSIVE", f"{totals['inconclusive']} case(s) could not reach their starting state"
    run = sum(totals.get(v, 0) for v in ("passed", "passed_with_warnings", "waived"))
    if not run:
        return "warn", "NO VERDICT", "no case was run"
    notes = [f"{totals[v]} {VERDICT_LABELS[v].lower()}" for v in ("passed_with_warnings", "waived") if totals.get(v)]
    if notes:
        return "warn", "PASSED", ", ".join(notes)
    return "ok", "PASSED", f"all {run} applicable cases passed"


def _iut_card(iut: Mapping[str, Any]) -> str:
    ident = iut_identity(iut)
    sp = iut.get("security_profile")
    return (
        f'<div class="card iut" id="{esc(anchor("iut", iut.get("name")))}"><h3>{esc(iut.get("name"))} '
        f'<span class="role">· {esc(ROLE_LABELS.get(iut.get("sut"), iut.get("sut")))} under test</span></h3>'
        + _facts([
            ("Vendor", ident["vendor"] or "(not reported)"),
            ("Model", ident["model"] or "(not reported)"),
            ("Serial number", ident["serial"] or "(not reported)"),
            ("Firmware", ident["firmware"] or "(not reported)"),
            ("OCPP version", iut.get("ocpp_version")),
            ("Identity", iut.get("identity")),
            ("Endpoint", _Html(f'<code>{esc(iut.get("endpoint"))}</code>') if iut.get("endpoint") else None),
            ("Security profile", SECURITY_PROFILES.get(sp, sp) if sp is not None else None),
            ("Features", ", ".join(iut.get("features") or [])),
            ("Descriptor", _Html(f'<code>{esc(iut.get("descriptor"))}</code>') if iut.get("descriptor") else None),
        ])
        + "</div>"
    )


def group_key(case: Mapping[str, Any]) -> tuple[str, str]:
    """How reports group a case: its OCPP version, and its feature profile (1.6) or its certification profile and
    functional block (2.x, e.g. "core · B Provisioning")."""
    group = str(case.get("profile") or "other")
    block = case.get("block")
    if block:
        letter, _, name = str(block).partition("_")
        group += f" · {letter.upper()} {case.get('section') or name.replace('_', ' ').capitalize()}"
    return (str(case.get("ocpp_version") or "?"), group)


def _natural(case_id: str) -> tuple:
    """TC_004_2_CS sorts after TC_004_1_CS and before TC_010_CS; the role suffix keeps CS before CSMS."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", case_id))


def _case_order(cases: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Cases grouped by OCPP version and profile (in order of first appearance), by case ID within a group."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for case in cases:
        groups.setdefault(group_key(case), []).append(case)
    return [c for group in groups.values() for c in sorted(group, key=lambda c: _natural(str(c.get("id"))))]


def _matrix_html(cases: list[Mapping[str, Any]], iuts: list[str], anchors: dict[int, str]) -> str:
    """Autobahn-style matrix: rows = cases grouped by version/profile, columns = IUTs, cells link to the case."""
    rows_by_group: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for case in _case_order(cases):
        group = rows_by_group.setdefault(group_key(case), {})
        row = group.setdefault(str(case.get("id")), {"title": case.get("title"), "cells": {}})
        row["cells"].setdefault(case.get("iut"), case)
    roles: dict[str, set[str]] = {}  # the systems under test each IUT was run as
    for case in cases:
        if case.get("sut") not in (None, "any"):
            roles.setdefault(str(case.get("iut")), set()).add(str(case.get("sut")))
    head = "".join(f'<th class="iutcol">{esc(name)}</th>' for name in iuts)
    body = []
    for (version, profile), rows in rows_by_group.items():
        body.append(f'<tr class="group"><th colspan="{2 + len(iuts)}">OCPP {esc(version)} · {esc(profile)}</th></tr>')
        for cid, row in rows.items():
            cells = []
            for name in iuts:
                case = row["cells"].get(name)
                if case is None:
                    sut = next(iter(row["cells"].values())).get("sut")
                    other_role = sut not in (None, "any") and sut not in roles.get(name, {sut})
                    label = "other role" if other_role else "not run"
                    cells.append(f'<td class="cellwrap"><span class="cell missing">{label}</span></td>')
                    continue
                v = str(case.get("verdict"))
                tip = esc(case.get("message") or VERDICT_LABELS.get(v, v))
                cells.append(f'<td class="cellwrap"><a class="cell v-{esc(v)}" href="#{anchors[id(case)]}" '
                             f'title="{tip}">{esc(VERDICT_LABELS.get(v, v))}</a></td>')
            body.append(f'<tr><td class="cid">{esc(cid)}</td><td class="title">{esc(row["title"])}</td>'
                        + "".join(cells) + "</tr>")
    return (f'<table class="matrix"><thead><tr><th>Case</th><th>Title</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return str(v)


class _CaseIndex:
    """Finds the case an inconclusive case's `explained_by` names, and its anchor in the report."""

    def __init__(self, cases: list[Mapping[str, Any]], anchors: dict[int, str]) -> None:
        self.anchors = anchors
        self.by_nodeid: dict[str, Mapping[str, Any]] = {}
        self.by_iut_and_id: dict[tuple[str, str], Mapping[str, Any]] = {}
        for case in cases:
            if case.get("nodeid"):
                self.by_nodeid.setdefault(str(case["nodeid"]), case)
            self.by_iut_and_id.setdefault((str(case.get("iut")), str(case.get("id"))), case)

    def find(self, explained_by: Mapping[str, Any], iut: Any) -> Mapping[str, Any] | None:
        if explained_by.get("nodeid") and str(explained_by["nodeid"]) in self.by_nodeid:
            return self.by_nodeid[str(explained_by["nodeid"])]
        if explained_by.get("case"):
            return self.by_iut_and_id.get((str(iut), str(explained_by["case"])))
        return None


def _has_frame(records: Iterable[Mapping[str, Any]], seq: int) -> bool:
    """Only frame rows carry an id in the rendered wire log, so only they can be linked to."""
    return any(r.get("seq") == seq and r.get("kind") != "event" for r in records)


def _precondition_html(case: Mapping[str, Any], report_dir: Path, case_id: str,
                       own_records: list[dict[str, Any]], index: _CaseIndex) -> str:
    """The block of an inconclusive case: the precondition not reached and what explains it."""
    parts = ['<div class="precondition"><h4>Precondition not reached</h4>']
    if case.get("message"):
        parts.append(f'<div class="msg">{esc(case["message"])}</div>')
    parts.append("<p>The case's own requirement was not judged.</p>")
    explained_by = case.get("explained_by")
    if isinstance(explained_by, Mapping) and explained_by:
        seq = explained_by.get("frame_seq")
        seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
        target = index.find(explained_by, case.get("iut"))
        what = []
        if target is not None:
            target_id = index.anchors[id(target)]
            what.append(f'<a class="explained-by" href="#{esc(target_id)}">{esc(target.get("id"))}</a> '
                        f'{verdict_badge(target.get("verdict"))}')
            frame_records = own_records if target is case else read_wire_log(report_dir, target.get("wire_log"))[0]
        else:
            named = explained_by.get("case") or explained_by.get("nodeid")
            if named:
                what.append(f'{esc(named)} <span class="note">(not in this report)</span>')
            target_id, frame_records = case_id, own_records
        if seq is not None:
            if _has_frame(frame_records, seq):
                what.append(f'frame <a class="explained-by-frame" href="#{esc(target_id)}-f{seq}">#{seq}</a>')
            else:
                what.append(f"frame #{seq}")
        text = f": {esc(explained_by['message'])}" if explained_by.get("message") else ""
        if what or text:
            parts.append(f'<p>Explained by {", ".join(what)}{text}</p>' if what else f"<p>Explained by{text}</p>")
    parts.append("</div>")
    return "".join(parts)


def _case_html(case: Mapping[str, Any], report_dir: Path, case_id: str, index: _CaseIndex) -> str:
    verdict = str(case.get("verdict"))
    needs_attention = verdict in ("failed", "broken", "inconclusive")
    records, note = read_wire_log(report_dir, case.get("wire_log"))
    parts = []
    message = case.get("message")
    if verdict == "inconclusive":
        parts.append(_precondition_html(case, report_dir, case_id, records, index))
    elif message:
        parts.append(f'<div class="msg v-{esc(verdict)}">{esc(message)}</div>')
    waiver = case.get("waiver")
    if isinstance(waiver, Mapping):
        scope = ", ".join(f"{k} {waiver[k]}" for k in ("case", "rule", "iut") if waiver.get(k))
        until = f"; expires {waiver['expires']}" if waiver.get("expires") else ""
        if waiver.get("expired"):
            parts.append(f'<div class="waiver expired"><b>Waiver expired on {esc(waiver.get("expires"))}</b> '
                         f'— the failure counts again. Reason given: {esc(waiver.get("reason"))}'
                         f'{" (" + esc(scope) + ")" if scope else ""}</div>')
        else:
            parts.append(f'<div class="waiver"><b>Waived</b> (matched by {esc(waiver.get("matched") or "case")}'
                         f'{", " + esc(scope) if scope else ""}{esc(until)}): {esc(waiver.get("reason"))}</div>')
    if case.get("requirement"):
        parts.append(f'<div class="requirement">{esc(case["requirement"])}</div>')
    parts.append(_facts([
        ("Specification", case.get("spec")),
        ("Section", case.get("section")),
        ("Profile", f'{case.get("profile") or ""} (OCPP {case.get("ocpp_version") or "?"})'),
        ("Functional block", case.get("block")),
        ("System under test", ROLE_LABELS.get(case.get("sut"), case.get("sut"))),
        ("Category", case.get("category")),
        ("Duration", format_duration(case.get("duration_s"))),
        ("Test", _Html(f'<code>{esc(case.get("nodeid"))}</code>') if case.get("nodeid") else None),
    ]))
    if case.get("details"):
        parts.append(f'<h4>Expected vs actual</h4><div class="expected"><pre>{esc(case["details"])}</pre></div>')
    violations = [v for v in case.get("violations") or [] if isinstance(v, Mapping)]
    if violations:
        rows = "".join(
            f'<tr><td class="rule">{esc(v.get("rule_id"))}</td><td class="lvl">{esc(v.get("level"))}</td>'
            f'<td>{"IUT" if v.get("by_iut", True) else "suite"}</td>'
            f'<td>{_frame_link(case_id, v.get("seq"))}</td>'
            f'<td>{esc(v.get("message"))}</td><td>{esc(v.get("spec"))}</td></tr>' for v in violations)
        parts.append('<h4>Violations</h4><table class="viotable"><thead><tr><th>Rule</th><th>Level</th><th>By</th>'
                     f'<th>Frame</th><th>Finding</th><th>Spec</th></tr></thead><tbody>{rows}</tbody></table>')
    measurements = case.get("measurements")
    if isinstance(measurements, Mapping) and measurements:
        rows = "".join(f"<tr><td><code>{esc(k)}</code></td><td>{esc(_value(v))}</td></tr>"
                       for k, v in sorted(measurements.items()))
        parts.append(f'<h4>Measurements</h4><table class="measurements"><tbody>{rows}</tbody></table>')
    frames = sum(1 for r in records if r.get("kind") == "frame")
    marked = sum(len(r.get("violations") or []) for r in records)
    links = " · ".join(f'<a href="{esc(case[k])}">{label}</a>' for k, label in
                       (("wire_log", "JSONL"), ("wire_log_text", "text")) if case.get(k))
    summary_line = (f"Wire log — {frames} frame(s), {len(records) - frames} event(s)"
                    + (f", {marked} violation(s) marked" if marked else ""))
    parts.append(
        f'<details class="wire" id="{esc(case_id)}-wire"><summary>{esc(summary_line)}'
        f'{" <span class=note>(" + links + ")</span>" if links else ""}</summary>'
        + (f'<p class="note">{esc(note)}</p>' if note else "")
        + render_wire_log(records, violations, anchor_prefix=case_id)
        + "</details>"
    )
    return (
        f'<details class="case k-{esc(verdict)}" id="{esc(case_id)}" data-verdict="{esc(verdict)}"'
        f'{" open" if needs_attention else ""}>'
        f'<summary><span class="cid">{esc(case.get("id"))}</span><span class="ctitle">{esc(case.get("title"))}</span>'
        f'<span class="meta">{esc(case.get("iut"))} · {format_duration(case.get("duration_s"))}</span>'
        f'{verdict_badge(verdict)}</summary><div class="body">{"".join(parts)}</div></details>'
    )


def _frame_link(case_id: str, seq: Any) -> str:
    """Link from a violation to its frame in the wire log (browsers open the enclosing <details>)."""
    if not isinstance(seq, int) or isinstance(seq, bool):
        return "—"
    return f'<a href="#{esc(case_id)}-f{seq}">#{seq}</a>'


def _case_anchors(cases: list[Mapping[str, Any]]) -> dict[int, str]:
    anchors: dict[int, str] = {}
    used: set[str] = set()
    for case in cases:
        base = anchor("case", case.get("iut"), case.get("id"))
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        anchors[id(case)] = name
    return anchors


def page(title: str, body: str, *, with_script: bool = True) -> str:
    """A complete standalone HTML document around `body`."""
    js = script() if with_script else None
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp(js))}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(title)}</title><style>{css()}</style></head><body>{body}"
        + (f"<script>{js}</script>" if js else "")
        + "</body></html>\n"
    )


def _ensure_summary_file(summary: Mapping[str, Any], report_dir: Path) -> Path:
    """summary.json in report_dir holding exactly `summary` (rewritten if missing or different)."""
    from .summary import SUMMARY_FILENAME, write_summary

    path = report_dir / SUMMARY_FILENAME
    try:
        on_disk = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        on_disk = None
    try:
        same = on_disk == json.loads(json.dumps(summary))
    except (TypeError, ValueError):
        same = False  # write_summary reports what is wrong with the data
    if not same:
        path = write_summary(report_dir, summary)
    return path


def render_conformance_report(summary: Mapping[str, Any], report_dir: str | os.PathLike[str],
                              *, out_name: str = REPORT_FILENAME) -> Path:
    """Render `<report_dir>/conformance-report.html` from the summary and the wire logs beside it."""
    from .summary import sha256_of, verdict_totals

    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    if not isinstance(summary.get("cases"), list):
        raise ReportError("summary has no 'cases' list: cannot render the conformance report")
    summary_path = _ensure_summary_file(summary, report_dir)
    digest = sha256_of(summary_path)

    suite = summary.get("suite") or {}
    run = summary.get("run") or {}
    iuts = [i for i in summary.get("iuts") or [] if isinstance(i, Mapping)]
    cases = [c for c in summary["cases"] if isinstance(c, Mapping)]
    totals = verdict_totals(cases)
    state, headline, detail = overall(totals, interrupted=bool(run.get("interrupted")))
    iut_names = [str(i.get("name")) for i in iuts]
    for c in cases:  # cases of an IUT the summary does not describe still get a column
        if c.get("iut") not in iut_names:
            iut_names.append(str(c.get("iut")))
    anchors = _case_anchors(cases)
    index = _CaseIndex(cases, anchors)

    if len(iuts) == 1:
        ident = iut_identity(iuts[0])
        subject = " ".join(x for x in (ident["vendor"], ident["model"]) if x) or iuts[0].get("name")
        subject_line = (f"{ROLE_LABELS.get(iuts[0].get('sut'), 'IUT')} · firmware {ident['firmware'] or '?'} · "
                        f"OCPP {iuts[0].get('ocpp_version') or '?'}")
    else:
        subject = f"{len(iuts)} implementations under test"
        subject_line = ", ".join(iut_names)
    suite_label = f"{suite.get('name', 'ocpp-conformance')} {suite.get('version', '')}".strip()

    out = [
        '<header class="masthead"><div class="page"><div>'
        '<div class="kicker">OCPP conformance report</div>'
        f"<h1>{esc(subject)}</h1><div class=\"sub\">{esc(subject_line)}</div></div>"
        f'<div class="overall {state}" id="overall">{esc(headline)}<small>{esc(detail)}</small></div>'
        "</div></header><main class=\"page\">",
        '<nav class="toc"><a href="#run">Run</a><a href="#iuts">Implementation</a><a href="#matrix">Matrix</a>'
        '<a href="#cases">Cases</a><a href="#integrity">Integrity</a></nav>',
        '<div class="grid"><section class="card" id="run"><h2>Run</h2>'
        + _facts([
            ("Test suite", suite_label),
            ("Started", format_time(run.get("started"))),
            ("Finished", format_time(run.get("finished"))),
            ("Duration", format_duration(run.get("duration_s"))),
            ("Strict mode", ("yes — SHOULD violations fail" if run.get("strict") else "no — SHOULD violations warn")
             if "strict" in run else None),
            ("Interrupted", "yes — stopped before every selected case ran; only the cases that finished are "
             "reported" if run.get("interrupted") else None),
            ("Host", run.get("host")),
            ("Python", run.get("python")),
            ("Command", _Html(f'<code>{esc(" ".join(map(str, run.get("argv") or [])))}</code>')
             if run.get("argv") else None),
            ("Schema errata applied", _Html("<br>".join(
                f"{esc(e.get('version', ''))} {esc(e.get('schema', ''))}: {esc(e.get('reason', ''))} "
                f"<small>({esc(e.get('source', ''))})</small>" for e in run.get("schema_errata") or []))
             if run.get("schema_errata") else None),
            ("summary.json SHA-256", _Html(f'<span class="hash">{digest}</span>')),
        ])
        + '</section><section class="card"><h2>Verdicts</h2>' + _totals_html(totals) + "</section></div>",
        '<section id="iuts"><h2>Implementation under test</h2><div class="grid">'
        + ("".join(_iut_card(i) for i in iuts) or '<p class="note">The summary describes no IUT.</p>')
        + "</div></section>",
        '<section class="card" id="matrix"><h2>Verdict matrix</h2>'
        + (_matrix_html(cases, iut_names, anchors) if cases else '<p class="note">No cases were run.</p>')
        + "</section>",
        '<section id="cases"><h2>Cases</h2>'
        '<div class="toolbar" id="case-toolbar" hidden><button type="button" data-act="expand">Expand all</button>'
        '<button type="button" data-act="collapse">Collapse all</button><span class="note">Show:</span>'
        + "".join(f'<label><input type="checkbox" data-verdict="{v}" checked> {esc(VERDICT_LABELS[v])}</label>'
                  for v in VERDICTS if totals.get(v))
        + "</div>",
    ]
    last_group = None
    for case in _case_order(cases):
        group = (case.get("iut"), *group_key(case))
        if group != last_group:
            section = f"{case.get('iut')} · " if len(iut_names) > 1 else ""
            out.append(f'<h3 class="group-heading">{esc(section)}OCPP <b>{esc(group[1])}</b> · '
                       f"profile <b>{esc(group[2])}</b></h3>")
            last_group = group
        out.append(_case_html(case, report_dir, anchors[id(case)], index))
    out.append("</section>")
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    out.append(
        '<section class="card" id="integrity"><h2>Integrity</h2>'
        f"<p>This report was rendered from <code>summary.json</code> with SHA-256 "
        f'<span class="hash" id="summary-sha256">{digest}</span>. To check that it matches the data, run '
        "<code>sha256sum summary.json</code> in the report directory (or <code>Get-FileHash summary.json</code>"
        " on Windows) and compare. The wire logs referenced by each case are kept beside it under "
        "<code>wire/</code>.</p></section>"
        f"<footer>Generated {esc(generated)} by {esc(suite_label)}. Timestamps are UTC. "
        "Frames longer than "
        f"{FRAME_DISPLAY_LIMIT:,} characters are shown truncated with their full size; the JSONL wire logs hold "
        "every frame in full.</footer></main>"
    )
    html_text = page(f"OCPP conformance report — {subject}", "".join(out))
    path = report_dir / out_name
    path.write_text(html_text, encoding="utf-8")
    return path
