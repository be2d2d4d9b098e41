"""Merging the results of runs made in parallel processes (one per IUT) into one report directory.

Each part directory holds what one run writes: `summary.json`, `junit.xml`, `allure-results/` and
`wire/<iut>/…`. The merged directory gets one summary (validated against the summary schema), one JUnit
file, every Allure result, every wire log, and the files rendered from the summary (Allure's
`environment.properties` and `categories.json`, the conformance report).
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from . import ReportError
from .summary import SUMMARY_FILENAME, SUMMARY_FORMAT, load_summary, validate_summary, verdict_totals, write_summary

JUNIT_FILENAME = "junit.xml"
ALLURE_RESULTS_DIRNAME = "allure-results"
WIRE_DIRNAME = "wire"
REPORT_FILENAME = "conformance-report.html"
# A part writes these about itself only; the merged ones are written from the merged summary instead.
_ALLURE_RUN_FILES = frozenset({"environment.properties", "categories.json"})


# --------------------------------------------------------------------------------------------------
# summaries


def _when(value: Any, label: str, field: str) -> datetime:
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ReportError(f"{label}: run.{field} {value!r} is not an ISO 8601 time") from None
    # The suite writes UTC; a time without an offset is read as UTC so that all parts compare.
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _iut_names(summary: Mapping[str, Any]) -> list[str]:
    """The IUTs a summary speaks of: those it describes and those its cases name."""
    names = [str(i.get("name")) for i in summary.get("iuts") or [] if isinstance(i, Mapping)]
    names += [str(c.get("iut")) for c in summary.get("cases") or [] if isinstance(c, Mapping)]
    return list(dict.fromkeys(names))


def _part_problem(summary: Mapping[str, Any], label: str) -> str | None:
    """Why a part's summary cannot be merged on its own terms (format, schema), or None."""
    if summary.get("format") != SUMMARY_FORMAT:
        return f"{label}: summary format {summary.get('format')!r} is not {SUMMARY_FORMAT}"
    errors = validate_summary(summary)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return f"{label}: summary does not match the summary schema: {errors[0]}{more}"
    for field in ("started", "finished"):
        try:
            _when(summary["run"][field], label, field)
        except ReportError as exc:
            return str(exc)
    return None


def _case_keys(summary: Mapping[str, Any]) -> set[tuple[str, str]]:
    return {(str(c.get("iut")), str(c.get("id"))) for c in summary.get("cases") or [] if isinstance(c, Mapping)}


def _conflict(accepted: Sequence[tuple[str, Mapping[str, Any]]], summary: Mapping[str, Any], label: str) -> str | None:
    """Why a part does not fit with the parts already accepted (a case of an IUT run twice, another suite or mode),
    or None. One IUT's cases may be shared out among parts (the built-in simulators run in several processes)."""
    for other_label, other in accepted:
        clash = sorted(_case_keys(summary) & _case_keys(other))
        if clash:
            iut, case = clash[0]
            return (f"{label}: case {case} of IUT {iut} is also in {other_label}; each case of an IUT must be run by "
                    "one part only")
    if accepted:
        first_label, first = accepted[0]
        if summary.get("suite") != first.get("suite"):
            return (f"{label}: written by {_suite_text(summary)}, {first_label} by {_suite_text(first)}; "
                    "the parts of one run come from one suite")
        strict, first_strict = (summary.get("run") or {}).get("strict"), (first.get("run") or {}).get("strict")
        if strict != first_strict:
            return f"{label}: strict mode {strict!r}, {first_label}: {first_strict!r}; the parts of one run share it"
    return None


def _first_of_each(iuts: Any) -> list[Mapping[str, Any]]:
    """The IUTs in part order, each once (an IUT whose cases were shared out among parts is in each of them)."""
    found: dict[str, Mapping[str, Any]] = {}
    for iut in iuts:
        found.setdefault(str(iut.get("name")), iut)
    return list(found.values())


def _suite_text(summary: Mapping[str, Any]) -> str:
    suite = summary.get("suite") or {}
    return f"{suite.get('name', '?')} {suite.get('version', '?')}"


def _combine(parts: Sequence[tuple[str, Mapping[str, Any]]], argv: Sequence[str]) -> dict[str, Any]:
    """One summary from parts already checked: times span all parts, lists are concatenated in part order."""
    starts = [(_when(s["run"]["started"], label, "started"), s["run"]["started"]) for label, s in parts]
    ends = [(_when(s["run"]["finished"], label, "finished"), s["run"]["finished"]) for label, s in parts]
    first_start, last_end = min(starts, key=lambda t: t[0]), max(ends, key=lambda t: t[0])
    errata: dict[str, Any] = {}
    for _, summary in parts:
        for erratum in summary["run"].get("schema_errata") or []:
            errata.setdefault(json.dumps(erratum, sort_keys=True, ensure_ascii=False), erratum)
    run = dict(parts[0][1]["run"])  # host, python and strict: the parts ran on one machine with one set of options
    run.update(started=first_start[1], finished=last_end[1],
               duration_s=round(max((last_end[0] - first_start[0]).total_seconds(), 0.0), 3), argv=list(argv))
    if errata or any("schema_errata" in s["run"] for _, s in parts):
        run["schema_errata"] = list(errata.values())
    if any("interrupted" in s["run"] for _, s in parts):  # one part stopped early: so did the run
        run["interrupted"] = any(bool(s["run"].get("interrupted")) for _, s in parts)
    cases = [case for _, summary in parts for case in summary["cases"]]
    return {
        "format": SUMMARY_FORMAT,
        "suite": parts[0][1]["suite"],
        "run": run,
        "iuts": _first_of_each(iut for _, summary in parts for iut in summary["iuts"]),
        "totals": verdict_totals(cases),
        "cases": cases,
    }


def merge_summaries(summaries: Sequence[Mapping[str, Any]], argv: Sequence[str], *,
                    labels: Sequence[str] | None = None) -> dict[str, Any]:
    """One summary from the summaries of parallel runs, in the order given.

    `run.started` is the earliest start, `run.finished` the latest finish, `run.duration_s` the wall clock
    between them, `run.argv` the given `argv` (the command the user ran). IUTs and cases are concatenated
    part by part, cases in the order they ran; totals are recounted and schema errata listed once.
    A part that is not a valid summary, an IUT in two parts, or parts of different suites or strict modes
    are a ReportError naming the part (`labels`, default "part 1", "part 2", …).
    """
    if not summaries:
        raise ReportError("no summaries to merge")
    labels = list(labels) if labels is not None else [f"part {n}" for n in range(1, len(summaries) + 1)]
    if len(labels) != len(summaries):
        raise ReportError(f"{len(labels)} label(s) for {len(summaries)} summaries")
    accepted: list[tuple[str, Mapping[str, Any]]] = []
    for label, summary in zip(labels, summaries):
        problem = _part_problem(summary, label) or _conflict(accepted, summary, label)
        if problem:
            raise ReportError(problem)
        accepted.append((label, summary))
    return _checked(_combine(accepted, argv))


def _checked(merged: dict[str, Any]) -> dict[str, Any]:
    errors = validate_summary(merged)
    if errors:
        raise ReportError(f"merged summary does not match the summary schema: {errors[0]}")
    return merged


# --------------------------------------------------------------------------------------------------
# JUnit


def _recount(suite: ET.Element) -> dict[str, int]:
    """Set a <testsuite>'s counts from its <testcase> elements (as pytest counts them) and return them."""
    cases = suite.findall("testcase")
    counts = {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }
    for key, value in counts.items():
        suite.set(key, str(value))
    return counts


def _testsuites_of(path: Path) -> list[ET.Element]:
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise ReportError(f"{path}: JUnit file not found") from None
    except ET.ParseError as exc:
        raise ReportError(f"{path}: not a well-formed XML file: {exc}") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot read JUnit file: {exc.strerror or exc}") from None
    if root.tag == "testsuite":
        return [root]
    if root.tag == "testsuites":
        return root.findall("testsuite")
    raise ReportError(f"{path}: not a JUnit file (root element <{root.tag}>, expected <testsuites> or <testsuite>)")


def merge_junit(paths: Sequence[str | os.PathLike[str]], out_path: str | os.PathLike[str], *,
                suite_names: Sequence[str] | None = None) -> Path:
    """One JUnit XML file: a <testsuites> holding every <testsuite> of the given files, in order.

    Counts (tests, failures, errors, skipped) are recounted from the test cases, per suite and in total.
    `suite_names`, one per file, renames that file's suites (pytest calls every suite "pytest").
    A missing or unreadable file is a ReportError naming it, and nothing is written.
    """
    if suite_names is not None and len(suite_names) != len(paths):
        raise ReportError(f"{len(suite_names)} suite name(s) for {len(paths)} JUnit file(s)")
    names = suite_names if suite_names is not None else [None] * len(paths)
    return _write_junit([(_testsuites_of(Path(p)), name) for p, name in zip(paths, names)], Path(out_path))


def _write_junit(files: Sequence[tuple[list[ET.Element], str | None]], out: Path) -> Path:
    root = ET.Element("testsuites", {"name": "ocpp-conformance"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suites, name in files:
        for suite in suites:
            if name is not None:
                suite.set("name", name)
            for key, value in _recount(suite).items():
                totals[key] += value
            root.append(suite)
    for key, value in totals.items():
        root.set(key, str(value))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
    os.replace(tmp, out)
    return out


# --------------------------------------------------------------------------------------------------
# report directories


def _clear_merged_outputs(into: Path) -> None:
    """Remove what an earlier merge wrote, so that a part missing now leaves nothing stale behind."""
    results = into / ALLURE_RESULTS_DIRNAME
    if results.is_dir():
        for child in results.iterdir():
            if child.is_file() or child.is_symlink():
                child.unlink()
    shutil.rmtree(into / WIRE_DIRNAME, ignore_errors=True)
    for name in (SUMMARY_FILENAME, JUNIT_FILENAME, REPORT_FILENAME):
        (into / name).unlink(missing_ok=True)


def _copy_allure_results(part: Path, dest: Path, copied_from: dict[str, Path]) -> list[ReportError]:
    problems = []
    dest.mkdir(parents=True, exist_ok=True)
    for src in sorted((part / ALLURE_RESULTS_DIRNAME).iterdir()):
        if not src.is_file() or src.name in _ALLURE_RUN_FILES:
            continue
        earlier = copied_from.get(src.name)
        if earlier is not None and not filecmp.cmp(earlier, src, shallow=False):
            problems.append(ReportError(f"{src}: not copied: {earlier} has the same name and other content"))
            continue
        shutil.copyfile(src, dest / src.name)
        copied_from[src.name] = src
    return problems


def merge_report_dirs(parts: Iterable[str | os.PathLike[str]], into: str | os.PathLike[str],
                      argv: Sequence[str]) -> list[ReportError]:
    """Merge the report directories of parallel runs into `into` and return the problems met, one line each.

    Writes `summary.json` (see `merge_summaries`), `junit.xml`, `allure-results/` (every result file of the
    parts, plus the environment and categories of the merged run), `wire/` and the conformance report. What
    an earlier merge wrote there is replaced, so merging again gives the same directory. A part without a
    usable summary (its process died), or one that clashes with an earlier part, is left out and reported;
    the others are merged. A part that is `into`, or lies inside its merged outputs, is a ReportError.
    """
    into = Path(into)
    parts = [Path(p) for p in parts]
    rewritten = [(into / name).resolve() for name in (ALLURE_RESULTS_DIRNAME, WIRE_DIRNAME)]
    for part in parts:
        where = part.resolve()
        if where == into.resolve() or any(where.is_relative_to(folder) for folder in rewritten):
            raise ReportError(f"{part}: a part cannot lie where the merge writes ({into}, its "
                              f"{ALLURE_RESULTS_DIRNAME}/ or {WIRE_DIRNAME}/)")
    into.mkdir(parents=True, exist_ok=True)
    _clear_merged_outputs(into)

    problems: list[ReportError] = []
    accepted: list[tuple[str, Mapping[str, Any]]] = []
    accepted_dirs: list[Path] = []
    for part in parts:
        if not (part / SUMMARY_FILENAME).is_file():
            problems.append(ReportError(f"{part}: no {SUMMARY_FILENAME}: the run of this part did not finish; "
                                        "its cases are not in the merged report"))
            continue
        try:
            summary = load_summary(part / SUMMARY_FILENAME)
        except ReportError as exc:
            problems.append(ReportError(f"{exc}; left out of the merged report"))
            continue
        problem = _part_problem(summary, str(part)) or _conflict(accepted, summary, str(part))
        if problem:
            problems.append(ReportError(problem + "; left out of the merged report"))
            continue
        accepted.append((str(part), summary))
        accepted_dirs.append(part)
    if not accepted:
        return problems

    merged = _checked(_combine(accepted, argv))
    results = into / ALLURE_RESULTS_DIRNAME
    copied_from: dict[str, Path] = {}
    junit: list[tuple[list[ET.Element], str | None]] = []
    for part, (_, summary) in zip(accepted_dirs, accepted):
        if (part / ALLURE_RESULTS_DIRNAME).is_dir():
            problems += _copy_allure_results(part, results, copied_from)
        else:
            problems.append(ReportError(f"{part}: no {ALLURE_RESULTS_DIRNAME}/: its cases are not in the Allure "
                                        "report"))
        if (part / WIRE_DIRNAME).is_dir():
            shutil.copytree(part / WIRE_DIRNAME, into / WIRE_DIRNAME, dirs_exist_ok=True)
        try:
            junit.append((_testsuites_of(part / JUNIT_FILENAME), ", ".join(_iut_names(summary)) or part.name))
        except ReportError as exc:
            problems.append(ReportError(f"{exc}; its cases are not in the merged {JUNIT_FILENAME}"))
    write_summary(into, merged)
    if junit:
        _write_junit(junit, into / JUNIT_FILENAME)
    from .allure_env import write_categories, write_environment
    from .html import render_conformance_report

    write_environment(results, merged)
    write_categories(results)
    render_conformance_report(merged, into)
    return problems
