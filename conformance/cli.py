"""Command line: run the suite, list its cases, build reports, compare runs, run the reference simulators."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.pki_command import add_pki_arguments, run_pki
from conformance.versions import support


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def profiles_dir() -> Path:
    here = Path.cwd() / "profiles"
    return here if here.is_dir() else project_root() / "profiles"


# ---------------------------------------------------------------------------------------------
# list
# ---------------------------------------------------------------------------------------------
def catalogue(root: Path | None = None) -> list[dict[str, Any]]:
    """Every case under profiles/, with its metadata, without running pytest."""
    from conformance.case import case_info

    root = root or profiles_dir()
    out = []
    for path in sorted(root.rglob("test_*.py")):
        name = "conformance_catalogue_" + "_".join(path.relative_to(root).with_suffix("").parts)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for attr in vars(module).values():
            info = case_info(attr)
            if info is None:
                continue
            located = info.located(path, getattr(module, "SECTION", None))
            entry = located.to_dict()
            entry["needs"] = list(located.needs)
            entry["module"] = str(path.relative_to(root.parent))
            entry["function"] = attr.__name__
            out.append(entry)
    return sorted(out, key=lambda c: (c["ocpp_version"], c["profile"], c["sut"], c["id"]))


def cmd_list(args: argparse.Namespace) -> int:
    cases = catalogue()
    if args.format == "json":
        print(json.dumps(cases, indent=2, ensure_ascii=False))
    else:
        for c in cases:
            print(f"{c['id']:<16} {c['ocpp_version']:<6} {c['profile']:<20} {c['sut']:<13} {c['title']}")
        print(f"{len(cases)} cases")
    return 0


# ---------------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace, extra: list[str]) -> int:
    import pytest

    report_dir = Path(args.report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    alluredir = report_dir / "allure-results"
    _clean(alluredir)
    pytest_args = [
        str(profiles_dir()),
        "--alluredir", str(alluredir),
        "--junitxml", str(report_dir / "junit.xml"),
        "--report-dir", str(report_dir),
        "-o", "asyncio_mode=auto",
        "-o", "asyncio_default_fixture_loop_scope=session",
        "-o", "asyncio_default_test_loop_scope=session",
        "-p", "no:cacheprovider",
        "--import-mode=importlib",  # case modules in different folders share basenames
        "-q" if not args.verbose else "-v",
    ]
    for iut in args.iut or []:
        pytest_args += ["--iut", iut]
    for prefix in args.case or []:
        pytest_args += ["--case", prefix]
    for prefix in args.exclude or []:
        pytest_args += ["--exclude", prefix]
    for fault in args.sim_fault or []:
        pytest_args += ["--sim-fault", fault]
    if args.strict:
        pytest_args.append("--ocpp-strict")
    if args.waivers:
        pytest_args += ["--waivers", args.waivers]
    code = pytest.main(pytest_args + extra)
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.INTERRUPTED):
        return int(code)
    summary_path = report_dir / "summary.json"
    if not summary_path.exists():
        print("ocpp-conformance: no case ran (check --case/--exclude and the IUT descriptors)", file=sys.stderr)
        return 5
    if not args.no_html:
        _build_html(report_dir)
    from conformance.reporting.summary import exit_code, load_summary

    fail_on = tuple(v.strip() for v in args.fail_on.split(",") if v.strip())
    return exit_code(load_summary(summary_path), fail_on=fail_on)


def _clean(folder: Path) -> None:
    if folder.is_dir():
        for child in folder.iterdir():
            if child.is_file():
                child.unlink()


def _build_html(report_dir: Path) -> None:
    try:
        from conformance.reporting.allure_cli import AllureUnavailable, build_allure_report

        index = build_allure_report(report_dir / "allure-results", report_dir / "allure-report")
        print(f"Allure report: {index}")
    except AllureUnavailable as exc:
        print(f"ocpp-conformance: Allure HTML report skipped: {exc}", file=sys.stderr)
    html = report_dir / "conformance-report.html"
    if html.exists():
        print(f"Conformance report: {html}")


def cmd_report(args: argparse.Namespace) -> int:
    from conformance.reporting import ReportError
    from conformance.reporting.allure_cli import build_allure_report

    report_dir = Path(args.report_dir)
    results = report_dir / "allure-results"
    if not results.is_dir():
        print(f"ocpp-conformance: {results} does not exist — run `ocpp-conformance run` first", file=sys.stderr)
        return 2
    try:
        index = build_allure_report(results, report_dir / "allure-report")
        summary = report_dir / "summary.json"
        if summary.exists():
            from conformance.reporting.html import render_conformance_report
            from conformance.reporting.summary import load_summary

            print(f"Conformance report: {render_conformance_report(load_summary(summary), report_dir)}")
    except ReportError as exc:
        print(f"ocpp-conformance: {exc}", file=sys.stderr)
        return 2
    print(f"Allure report: {index}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from conformance.reporting.compare import run_compare

    return run_compare(args.base, args.new)


def cmd_matrix(args: argparse.Namespace) -> int:
    from conformance.reporting.matrix import run_matrix

    return run_matrix(args.summaries, Path(args.output))


def _fail_on_option(text: str) -> str:
    """Checks --fail-on when the command line is read, not after the run."""
    from conformance.reporting import ReportError
    from conformance.reporting.summary import parse_fail_on

    try:
        return ",".join(parse_fail_on(text))
    except ReportError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocpp-conformance", description="OCPP conformance test suite")
    parser.add_argument("--version", action="version", version=f"ocpp-conformance {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the conformance cases (no --iut: both roles against the built-in simulators)")
    run.add_argument("--iut", action="append", help="IUT descriptor (repeatable)")
    run.add_argument("--case", action="append", help="only cases whose ID starts with this prefix (repeatable)")
    run.add_argument("--exclude", action="append", help="skip cases whose ID starts with this prefix (repeatable)")
    run.add_argument("--strict", action="store_true", help="SHOULD-level violations fail the case")
    run.add_argument("--sim-fault", action="append", help="switch on a named fault in the built-in simulators")
    run.add_argument("--waivers", help="waiver file (YAML)")
    run.add_argument("--report-dir", default="reports", help="output folder (default: reports)")
    run.add_argument("--fail-on", default="failed,broken", type=_fail_on_option,
                     help="comma-separated verdicts that make the exit code non-zero (default: failed,broken; "
                          "also: passed_with_warnings, inconclusive, not_applicable, waived)")
    run.add_argument("--no-html", action="store_true", help="do not build the Allure HTML report")
    run.add_argument("-v", "--verbose", action="store_true")

    lst = sub.add_parser("list", help="print the case catalogue")
    lst.add_argument("--format", choices=("text", "json"), default="text")

    rep = sub.add_parser("report", help="build the Allure HTML report and the conformance report from reports/")
    rep.add_argument("--report-dir", default="reports")

    cmp_ = sub.add_parser("compare", help="regressions, fixes and new cases between two summary.json files")
    cmp_.add_argument("base")
    cmp_.add_argument("new")

    mat = sub.add_parser("matrix", help="one HTML page comparing several implementations case by case")
    mat.add_argument("summaries", nargs="+")
    mat.add_argument("-o", "--output", default="reports/matrix.html")

    add_pki_arguments(sub)
    support("1.6").add_simulate_arguments(sub)  # the reference simulators of each version the suite plays
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:  # everything after -- goes to pytest
        extra = argv[argv.index("--") + 1:]
        argv = argv[: argv.index("--")]
    parser = build_parser()
    args = parser.parse_args(argv)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    if args.command == "run":
        return cmd_run(args, extra)
    if args.command == "list":
        return cmd_list(args)
    if args.command == "report":
        return cmd_report(args)
    if args.command == "compare":
        return cmd_compare(args)
    if args.command == "matrix":
        return cmd_matrix(args)
    if args.command == "pki":
        return run_pki(args)
    if args.command == "simulate":
        return args.handler(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
