"""State of one pytest run of conformance cases: descriptors, links, per-case verdicts and the reports."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection

import pytest

from conformance import __version__
from conformance.case_info import CaseInfo
from conformance.errors import (
    CATEGORIES,
    INCONCLUSIVE_PREFIX,
    NOT_APPLICABLE_PREFIX,
    Broken,
    Inconclusive,
    IutDeviation,
)
from conformance.iut import DescriptorError, load_descriptor
from conformance.options import option
from conformance.parallel_run import SHARE_ENV
from conformance.protocol import protocol
from conformance.redaction import redact, redact_value
from conformance.reporting import VERDICTS
from conformance.schemas import applied_errata
from conformance.session import also_broke, outcome_of
from conformance.suite_files import REFERENCE_IUTS, REFERENCE_SUPPLEMENTS
from conformance.versions import check_fault_names, unmet_need
from conformance.wire import Level, render_jsonl, render_text

STATE = pytest.StashKey["RunState"]()

MAX_VIOLATIONS_LISTED = 200


@dataclass
class CaseResult:
    info: CaseInfo
    iut: str
    nodeid: str
    verdict: str = "passed"
    category: str | None = None
    message: str = ""
    details: str = ""
    duration_s: float = 0.0
    violations: list[dict] = field(default_factory=list)
    violations_total: int = 0
    measurements: dict[str, Any] = field(default_factory=dict)
    waiver: dict | None = None
    explained_by: dict | None = None  # inconclusive: the earlier case or frame that explains it
    wire_log: str | None = None
    wire_log_text: str | None = None
    phases: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = self.info.to_dict()
        d.update(
            iut=self.iut,
            nodeid=self.nodeid,
            verdict=self.verdict,
            category=self.category,
            message=self.message,
            explained_by=self.explained_by,
            details=self.details,
            duration_s=round(self.duration_s, 3),
            violations=self.violations,
            violations_total=self.violations_total,
            waiver=self.waiver,
            measurements=self.measurements,
            wire_log=self.wire_log,
            wire_log_text=self.wire_log_text,
        )
        return d


class RunState:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.strict = bool(option(config, "ocpp_strict"))
        self.case_prefixes = [p for p in option(config, "ocpp_case") or [] if p]
        self.exclude_prefixes = [p for p in option(config, "ocpp_exclude") or [] if p]
        self.report_dir = Path(option(config, "ocpp_report_dir") or "reports")
        self.faults = tuple(f for f in option(config, "ocpp_sim_fault") or [] if f)
        self.iut_paths = [p for p in option(config, "ocpp_iut") or [] if p]
        self.waiver_path = option(config, "ocpp_waivers") or None
        self._waivers: Any = None  # loaded now, so a mistake in the file is one line before anything runs
        if self.waiver_path:
            from conformance.waivers import WaiverError, load_waivers

            try:
                self._waivers = load_waivers(self.waiver_path)
            except WaiverError as exc:
                raise pytest.UsageError(str(exc)) from None
        self._descriptors: list[Any] | None = None
        self.supplements: set[str] = set()  # names of built-in supplementary IUTs (see suite_files.REFERENCE_SUPPLEMENTS)
        self.links: dict[str, Any] = {}
        self.items: dict[str, tuple[CaseInfo, str]] = {}
        self.results: dict[str, CaseResult] = {}
        self.contexts: dict[str, Any] = {}
        self.unreached: dict[str, Inconclusive] = {}  # nodeid -> the precondition its case could not reach
        self.touched = False
        self.interrupted = False  # stopped by Ctrl-C or SIGTERM: only the cases that finished are reported
        self.started = dt.datetime.now(dt.timezone.utc)
        self.t0 = time.monotonic()

    # -- descriptors and selection ---------------------------------------------------------------
    def descriptors(self) -> list[Any]:
        if self._descriptors is None:
            self.touched = True
            paths = self.iut_paths or [str(p) for p in REFERENCE_IUTS + REFERENCE_SUPPLEMENTS]
            loaded = []
            for p in paths:
                try:
                    loaded.append(load_descriptor(p))
                except DescriptorError as exc:
                    raise pytest.UsageError(str(exc)) from None
            if not self.iut_paths:
                self.supplements = {d.name for d in loaded[len(REFERENCE_IUTS):]}
            names = [d.name for d in loaded]
            dupes = {n for n in names if names.count(n) > 1}
            if dupes:
                raise pytest.UsageError(f"two IUT descriptors share the name {sorted(dupes)[0]!r} — give each a unique `name`")
            if self.faults:
                try:
                    check_fault_names(self.faults, {d.ocpp_version for d in loaded})
                except ValueError as exc:
                    raise pytest.UsageError(f"--sim-fault: {exc}") from None
            self._descriptors = loaded
        return self._descriptors

    def descriptor(self, name: str) -> Any:
        for d in self.descriptors():
            if d.name == name:
                return d
        raise KeyError(name)

    @staticmethod
    def applies(info: CaseInfo, descriptor: Any) -> bool:
        if info.sut is not None and info.sut is not descriptor.sut:
            return False
        if info.ocpp_version and info.ocpp_version != descriptor.ocpp_version:
            return False
        return True

    def runs_against(self, info: CaseInfo, descriptor: Any) -> bool:
        return runs_against(info, descriptor, self.descriptors(), self.supplements)

    def selected(self, case_id: str) -> bool:
        if self.case_prefixes and not any(id_matches(case_id, p) for p in self.case_prefixes):
            return False
        return not any(id_matches(case_id, p) for p in self.exclude_prefixes)

    @staticmethod
    def not_applicable_reason(info: CaseInfo, descriptor: Any) -> str | None:
        return not_applicable_reason(info, descriptor)

    def register_item(self, item: pytest.Item, info: CaseInfo, iut: str) -> None:
        self.items[item.nodeid] = (info, iut)

    def outcome(self, item: pytest.Item, exc: Exception) -> BaseException:
        """What an exception that ended a case's setup or body amounts to: the IUT's MUST violations win (failed);
        an unreached precondition becomes a skip whose reason starts with "inconclusive: " (JUnit and Allure show
        it as skipped with that reason); anything else stays as it is."""
        if not self.is_case(item):
            return exc
        settled = outcome_of(self.contexts.get(item.nodeid), exc)
        if isinstance(settled, Inconclusive):
            if settled.explained_by is None:
                settled.explained_by = self._explanation(item, settled)
            self.unreached[item.nodeid] = settled
            return pytest.skip.Exception(INCONCLUSIVE_PREFIX + settled.headline, _use_item_location=True)
        return settled

    def _explanation(self, item: pytest.Item, exc: Inconclusive) -> dict | None:
        """The earlier case (and frame) that explains why a precondition was out of reach: the case in which the
        IUT went silent or away, else the last case that failed or broke against the same IUT."""
        _, iut = self.items[item.nodeid]
        link = self.links.get(iut)
        trouble = getattr(link, "trouble", None)
        origin = trouble.nodeid if trouble is not None else None
        if origin is None:
            earlier = [r for r in self.results.values()
                       if r.iut == iut and r.nodeid != item.nodeid and r.verdict in ("failed", "broken")]
            origin = earlier[-1].nodeid if earlier else None
        found: dict[str, Any] = {}
        if origin in self.items:
            found["case"], found["nodeid"] = self.items[origin][0].id, origin
            if origin in self.results and self.results[origin].message:
                found["message"] = self.results[origin].message
        seq = exc.frame_seq if exc.frame_seq is not None else (trouble.frame_seq if trouble is not None else None)
        if seq is not None:
            found["frame_seq"] = seq
        return found or None

    def declaration_notes(self) -> list[str]:
        """One line for each IUT declaring feature profiles or optional test data that no selected case would use:
        a declaration the run does not check is worth knowing, but it is no error (nor news in a run that has only
        a share of the IUT's cases: a part of a parallel run)."""
        notes: list[str] = []
        if os.environ.get(SHARE_ENV):
            return notes
        for d in self.descriptors():
            infos = [info for info, iut in self.items.values() if iut == d.name]
            if not infos or d.name in self.supplements:
                continue  # nothing selected for this IUT, or a supplement that takes a few cases: not the story
            listed = [f for f in [*(d.raw.get("features") or []), *(d.raw.get("optional_features") or [])]
                      if isinstance(f, str)]
            idle = [f for f in listed if not any(info.profile == f or _needs_feature(info, f) for info in infos)]
            if idle:
                names = ", ".join(f"'{f}'" for f in idle)
                notes.append(f"note: {d.name} declares feature{_s(idle)} {names}, but no selected case belongs to "
                             f"{_it(idle)}")
            runnable = [info for info in infos if self.not_applicable_reason(info, d) is None]
            unused = [item for item in d.declared_data() if not any(item in info.needs for info in runnable)]
            if unused:
                notes.append(f"note: {d.name} declares {', '.join(unused)}, but no selected case uses {_it(unused)}")
        return notes

    def is_case(self, item: pytest.Item) -> bool:
        return item.nodeid in self.items

    @property
    def has_cases(self) -> bool:
        return bool(self.items)

    # -- links -------------------------------------------------------------------------------
    def link(self, name: str) -> Any:
        if name not in self.links:
            from conformance.link import Link

            waived_rules: tuple[str, ...] = ()
            self.links[name] = Link(self.descriptor(name), extra_faults=self.faults, waived_rules=waived_rules)
        return self.links[name]

    # -- verdicts ------------------------------------------------------------------------------
    def on_report(self, item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> None:
        info, iut = self.items[item.nodeid]
        res = self.results.setdefault(item.nodeid, CaseResult(info=info, iut=iut, nodeid=item.nodeid))
        res.duration_s += report.duration
        res.phases[report.when] = report.outcome
        ctx = self.contexts.get(item.nodeid)
        if report.skipped and res.verdict == "passed":
            unreached = self.unreached.get(item.nodeid)
            if unreached is not None:
                res.verdict, res.category = "inconclusive", unreached.category
                res.message, res.explained_by = unreached.headline, unreached.explained_by
            else:
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
                reason = reason.removeprefix("Skipped: ")
                res.verdict = "not_applicable"
                res.message = reason.removeprefix(NOT_APPLICABLE_PREFIX)
        elif report.failed and res.verdict in ("passed", "not_applicable"):
            exc = call.excinfo.value if call.excinfo else None
            if isinstance(exc, IutDeviation):
                res.verdict, res.category = "failed", exc.category
                res.message, res.details = exc.headline, exc.details
            elif isinstance(exc, AssertionError):
                text = _without_introspection(str(exc) or "assertion failed")
                category, text = _split_category(text)
                res.verdict, res.category = "failed", category
                res.message, res.details = text.splitlines()[0], "\n".join(text.splitlines()[1:])
            elif isinstance(exc, Broken):
                res.verdict, res.category, res.message = "broken", exc.category, exc.headline
            else:
                res.verdict, res.category = "broken", "suite"
                res.message = (f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) if exc else "error"
            res.message, res.details = _one_line(redact(res.message), redact(res.details))
            if res.verdict == "failed":
                suffix, listed = also_broke(ctx, res.message, exc)
                if suffix:
                    res.message += suffix
                    res.details = (res.details + "\n" + listed).strip("\n")
            if res.verdict in ("failed", "broken") and report.when != "call" and res.verdict == "failed":
                res.details = (res.details + f"\n  (during {report.when})").strip("\n")
            # one clear line instead of a traceback for the suite's own exceptions
            if isinstance(exc, (IutDeviation, Broken)):
                report.longrepr = f"[{res.category}] {res.message}" + (f"\n{res.details}" if res.details else "")
        if report.when == "teardown":
            self._finish(item, res, ctx)

    def _finish(self, item: pytest.Item, res: CaseResult, ctx: Any) -> None:
        link = self.links.get(res.iut)
        if link is not None and ctx is not None:
            records = link.wire.segment_records(ctx.segment)
            found = link.wire.own_violations(ctx.segment)
            res.violations = [redact_value(v.to_dict()) for v in found]
            res.measurements = dict(ctx.measurements)
            if res.verdict == "passed" and any(v.by_iut and v.level is Level.SHOULD for v in found):
                res.verdict = "passed_with_warnings"
                first = next(v for v in found if v.by_iut and v.level is Level.SHOULD)
                res.message = redact(f"{first.rule_id}: {first.message}")
            self._write_wire(res, records, item)
        self._apply_waiver(res)
        # A flooding IUT can break rules thousands of times; the wire log keeps every one, the summary the first few.
        res.violations_total = len(res.violations)
        del res.violations[MAX_VIOLATIONS_LISTED:]

    def _write_wire(self, res: CaseResult, records: list, item: pytest.Item) -> None:
        folder = self.report_dir / "wire" / res.iut
        folder.mkdir(parents=True, exist_ok=True)
        stem = _safe(res.info.id)
        text, jsonl = render_text(records), render_jsonl(records)
        (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
        (folder / f"{stem}.jsonl").write_text(jsonl, encoding="utf-8")
        res.wire_log = f"wire/{res.iut}/{stem}.jsonl"
        res.wire_log_text = f"wire/{res.iut}/{stem}.txt"
        item.add_report_section("teardown", "wire log", text[-20000:])
        try:
            import allure

            allure.attach(text, name="wire log", attachment_type=allure.attachment_type.TEXT)
            allure.attach(jsonl, name="wire log (JSONL)", attachment_type=allure.attachment_type.JSON, extension="jsonl")
            if res.violations:
                lines = [f"{v['level']} {v['rule_id']} #{v['seq']} ({'IUT' if v['by_iut'] else 'suite'}): {v['message']}" for v in res.violations]
                allure.attach("\n".join(lines), name="violations", attachment_type=allure.attachment_type.TEXT)
            if res.measurements:
                allure.attach("\n".join(f"{k}: {v}" for k, v in res.measurements.items()), name="measurements",
                              attachment_type=allure.attachment_type.TEXT)
        except Exception:
            pass

    def _apply_waiver(self, res: CaseResult) -> None:
        if res.verdict != "failed" or self._waivers is None:
            return
        from conformance.waivers import apply_waivers

        entry = apply_waivers(res.to_dict(), self._waivers, dt.date.today())
        res.verdict, res.waiver = entry["verdict"], entry.get("waiver")

    # -- reports -------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        finished = dt.datetime.now(dt.timezone.utc)
        cases = [r.to_dict() for r in self.results.values()]
        totals = {v: sum(1 for c in cases if c["verdict"] == v) for v in VERDICTS}
        iuts = []
        for d in self.descriptors():
            link = self.links.get(d.name)
            boot = getattr(getattr(link, "responder", None), "boot", None) if link else None
            iuts.append({
                "name": d.name,
                "sut": str(d.sut),
                "ocpp_version": d.ocpp_version,
                "identity": d.identity,
                "endpoint": link.endpoint_url if link and link.endpoint else d.url,
                "security_profile": d.security.profile,
                "descriptor": str(d.path) if d.path else None,
                "features": sorted(d.features),
                "boot": boot or {k: v for k, v in (d.vendor or {}).items()},
                "faults": list(link.descriptor.driver.get("faults", [])) if link and d.driver.get("type") == "simulator" else [],
            })
        return {
            "format": 1,
            "suite": {"name": "ocpp-conformance", "version": __version__},
            "run": {
                "started": _iso(self.started),
                "finished": _iso(finished),
                "duration_s": round(time.monotonic() - self.t0, 3),
                "argv": list(sys.argv),
                "strict": self.strict,
                "interrupted": self.interrupted,
                "host": platform.node(),
                "python": platform.python_version(),
                "schema_errata": _errata_for({d.ocpp_version for d in self.descriptors()}),
                "notes": self.declaration_notes(),
            },
            "iuts": [i for i in iuts if any(c["iut"] == i["name"] for c in cases)],
            "totals": totals,
            "cases": cases,
        }

    def write_reports(self, *, interrupted: bool = False, cut_short: Collection[str] = ()) -> None:
        if interrupted:
            self.interrupted = True
            # A case the stop cut short has no verdict (its teardown may never have run): it is left out, not
            # reported as passed or broken.
            self.results = {k: r for k, r in self.results.items() if "teardown" in r.phases and k not in cut_short}
        self.report_dir.mkdir(parents=True, exist_ok=True)
        data = redact_value(self.summary())
        from conformance.reporting.summary import write_summary

        write_summary(self.report_dir, data)
        alluredir = getattr(self.config.option, "allure_report_dir", None)
        if alluredir:
            from conformance.reporting.allure_env import write_categories, write_environment

            write_environment(Path(alluredir), data)
            write_categories(Path(alluredir))
        try:
            from conformance.reporting.html import render_conformance_report

            render_conformance_report(data, self.report_dir)
        except ImportError:
            pass

    def terminal_summary(self, tr: Any) -> None:
        tr.section("ocpp-conformance verdicts")
        for res in self.results.values():
            line = f"{res.verdict:<21} {res.info.id:<16} [{res.iut}] {res.info.title}"
            if res.verdict not in ("passed",):
                line += f"\n{'':<22}{res.message[:200]}"
            tr.write_line(redact(line))
        counts = {v: sum(1 for r in self.results.values() if r.verdict == v) for v in VERDICTS}
        tr.write_line(", ".join(f"{n} {v}" for v, n in counts.items() if n))
        if self.interrupted:
            tr.write_line(f"run interrupted: {len(self.results)} case(s) finished and are reported")
        tr.write_line(f"summary: {self.report_dir / 'summary.json'}")


def _one_line(message: str, details: str) -> tuple[str, str]:
    """A verdict's message is one line; anything after the first line moves to the top of the details."""
    lines = [line for line in message.strip().splitlines() if line.strip()] or [""]
    if len(lines) == 1:
        return lines[0], details
    return lines[0], "\n".join(["  " + line.strip() for line in lines[1:]] + ([details] if details else []))


def _needs_feature(info: CaseInfo, feature: str) -> bool:
    """Whether the case depends on a declared (certification profile or optional) feature, or on its absence."""
    return any(need.partition(":")[2] == feature for need in info.needs if ":" in need)


def _s(items: list) -> str:
    return "s" if len(items) > 1 else ""


def _it(items: list) -> str:
    return "them" if len(items) > 1 else "it"


def not_applicable_reason(info: CaseInfo, descriptor: Any) -> str | None:
    """Why the case does not apply to the IUT (a feature profile it does not declare, a need it does not meet)."""
    # A 1.6 case's folder is a feature profile the IUT must declare; a 2.x case's is a functional block, and what
    # it depends on (a certification profile, an optional feature) is among its needs.
    folders_are_features = protocol(descriptor.ocpp_version).folders_are_features
    if info.profile and info.profile not in ("transport",) and folders_are_features and not descriptor.declares(info.profile):
        return f"the IUT descriptor {descriptor.name} does not declare the feature profile '{info.profile}'"
    return unmet_need(info, descriptor)


def runs_against(info: CaseInfo, descriptor: Any, descriptors: list[Any], supplements: set[str]) -> bool:
    """Whether the case runs against this IUT: every IUT it applies to, except that among the built-in simulators a
    case the main one of its role cannot run goes to the first supplement that can, and only there."""
    if not RunState.applies(info, descriptor):
        return False
    ordered = [d for d in descriptors if d.sut is descriptor.sut and RunState.applies(info, d)]
    if descriptor.name not in supplements:
        return not_applicable_reason(info, descriptor) is None or not any(
            d.name in supplements and not_applicable_reason(info, d) is None for d in ordered)
    main = next((d for d in ordered if d.name not in supplements), None)
    if main is not None and not_applicable_reason(info, main) is None:
        return False
    taker = next((d for d in ordered if d.name in supplements and not_applicable_reason(info, d) is None), None)
    return taker is descriptor


def id_matches(case_id: str, prefix: str) -> bool:
    """ID prefix selection; a prefix that ends with a role suffix names that role only (TC_001_CS is not TC_001_CSMS)."""
    if prefix.endswith(("_CS", "_CSMS")):
        return case_id == prefix
    return case_id.startswith(prefix)


def _errata_for(versions: set[str]) -> list[dict[str, Any]]:
    """Schema overlays in force for the versions run: a known erratum is a visible, reasoned deviation."""
    return [e.to_dict() for e in applied_errata(sorted(versions))]


def _without_introspection(text: str) -> str:
    """A case's assertion message without pytest's rewritten-assert introspection (`assert 2 == 1`, `+  where …`),
    which is noise to an auditor once the message states expected and actual."""
    lines = text.strip().splitlines()
    if len(lines) > 1:
        for i, line in enumerate(lines[1:], start=1):
            if line.startswith("assert ") or line.startswith(" +  where"):
                lines = lines[:i]
                break
    return "\n".join(lines)


def _split_category(text: str) -> tuple[str, str]:
    """`[timing] gap too long` -> ("timing", "gap too long"); plain assertions count as wrong behaviour."""
    if text.startswith("[") and "]" in text:
        tag, rest = text[1:].split("]", 1)
        if tag in CATEGORIES:
            return tag, rest.strip()
    return "behaviour", text


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)


def _iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")
