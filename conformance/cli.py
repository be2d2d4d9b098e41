"""Command line: run the suite, list its cases, build reports, compare runs, run the reference simulators."""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.pki_command import add_pki_arguments, run_pki
from conformance.suite_files import PROFILES_DIR
from conformance.versions import support


# ---------------------------------------------------------------------------------------------
# list
# ---------------------------------------------------------------------------------------------
def located_cases(root: Path | None = None) -> list[tuple[Any, Path, str]]:
    """Every case under profiles/ as (CaseInfo located by its module path, module path, function name), without
    running pytest."""
    from conformance.case import case_info

    root = root or PROFILES_DIR
    out = []
    for path in sorted(root.rglob("test_*.py")):
        name = "conformance_catalogue_" + "_".join(path.relative_to(root).with_suffix("").parts)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for attr in vars(module).values():
            info = case_info(attr)
            if info is not None:
                out.append((info.located(path, getattr(module, "SECTION", None)), path, attr.__name__))
    return out


def catalogue(root: Path | None = None) -> list[dict[str, Any]]:
    """Every case under profiles/, with its metadata, without running pytest."""
    root = root or PROFILES_DIR
    out = []
    for info, path, function in located_cases(root):
        entry = info.to_dict()
        entry["needs"] = list(info.needs)
        entry["module"] = str(path.relative_to(root.parent))
        entry["function"] = function
        out.append(entry)
    return sorted(out, key=lambda c: (c["ocpp_version"], c["profile"], c["sut"], c["id"]))


def cmd_list(args: argparse.Namespace) -> int:
    cases = catalogue()
    if args.format == "json":
        print(json.dumps(cases, indent=2, ensure_ascii=False))
    else:
        for c in cases:
            profile = c["profile"] + (f" ({c['block']})" if c.get("block") else "")  # 2.x: functional block too
            print(f"{c['id']:<16} {c['ocpp_version']:<6} {profile:<20} {c['sut']:<13} {c['title']}")
        print(f"{len(cases)} cases")
    return 0


# ---------------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace, extra: list[str]) -> int:
    """One process per IUT descriptor, at most --jobs at a time, merged into one report directory; or all IUTs in
    this process (--jobs 1, one IUT, or IUTs that cannot run side by side)."""
    from conformance.parallel_run import clear_parts

    if not PROFILES_DIR.is_dir():
        print(f"ocpp-conformance: the case profiles are missing (no {PROFILES_DIR}) — reinstall ocpp-conformance",
              file=sys.stderr)
        return 3
    report_dir = Path(args.report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    clear_parts(report_dir)
    plan = _parallel_plan(args)
    if isinstance(plan, str):
        if plan:
            print(f"ocpp-conformance: {plan}", file=sys.stderr)
        return _run_here(args, extra, report_dir)
    return _run_parallel(args, extra, report_dir, plan)


# The parts of a run mostly wait on timers (the IUT's, the simulators'): this many side by side keep two cores busy
# without slowing one another (measured: see the README's Measurements).
PARTS_AT_ONCE = 6
# A built-in simulator's cases are shared out among processes in shares of whole modules, each of about SHARE_S seconds
# of cases (estimated from REFERENCE_DURATIONS) and at most SHARE_CASES cases: a process costs about a second to start,
# so quick cases go many to a share.
SHARE_S = 8.0
SHARE_CASES = 40


def _jobs(args: argparse.Namespace, parts: int) -> int:
    return args.jobs or max(1, min(parts, PARTS_AT_ONCE))


def _parallel_plan(args: argparse.Namespace) -> list[tuple[str, str, tuple[str, ...] | None]] | str:
    """(name, descriptor path, case ids or None for all its selected ones) of each part to run in a process of its
    own, or why everything runs in this one ("" when there is nothing to say: --jobs 1, a single IUT, or a mistake
    the run itself reports). The built-in reference simulators' cases are shared out among several processes, each
    with a simulator of its own; a real IUT is one part (one charger or CSMS does one case at a time)."""
    from conformance.iut import DescriptorError, load_descriptor
    from conformance.runstate import runs_against
    from conformance.suite_files import REFERENCE_IUTS, REFERENCE_SUPPLEMENTS
    from conformance.wire import Role

    builtin = not args.iut
    paths = list(args.iut or [str(p) for p in REFERENCE_IUTS + REFERENCE_SUPPLEMENTS])
    if args.jobs == 1:
        return ""
    try:
        loaded = [load_descriptor(p) for p in paths]
    except DescriptorError:
        return ""
    if len({d.name for d in loaded}) < len(loaded):
        return ""
    supplements = {d.name for d in loaded[len(REFERENCE_IUTS):]} if builtin else set()
    cases = [(info, path) for info, path, _ in located_cases() if _selected(args, info.id)]
    mine = {d.name: [(info, path) for info, path in cases if runs_against(info, d, loaded, supplements)] for d in loaded}
    loaded = [d for d in loaded if mine[d.name]]
    if not loaded:
        return ""
    manual = [d.name for d in loaded if d.driver.get("type") == "manual"]
    if len(loaded) > 1 and manual:
        return f"{manual[0]} has a manual driver: the IUTs run one after the other, with the operator at this terminal"
    ports: dict[int, str] = {}
    for d in loaded:
        if d.sut is Role.CHARGE_POINT and d.listen_port:
            if d.listen_port in ports:
                return (f"{ports[d.listen_port]} and {d.name} listen on port {d.listen_port}: the IUTs run one "
                        "after the other")
            ports[d.listen_port] = d.name
    plan: list[tuple[str, str, tuple[str, ...] | None]] = []
    for d in loaded:
        if not builtin:
            plan.append((d.name, str(d.path), None))
            continue
        shares = _shares(mine[d.name], _reference_durations().get(d.name, {}))
        for number, share in enumerate(shares, start=1):
            plan.append((d.name if len(shares) == 1 else f"{d.name}-{number}", str(d.path), share))
    if len(plan) < 2:
        return ""
    return plan


# How long each case takes against each built-in reference simulator (benchmarks/reference_durations.py writes it).
REFERENCE_DURATIONS = Path(__file__).resolve().parent / "catalogue" / "reference-durations.json"
UNKNOWN_CASE_S = 1.0  # a case the file does not know yet


@functools.lru_cache(maxsize=1)
def _reference_durations() -> dict[str, dict[str, float]]:
    try:
        return json.loads(REFERENCE_DURATIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _estimate(cases: Any, known: dict[str, float]) -> float:
    return sum(known.get(case, UNKNOWN_CASE_S) for case in cases)


def _longest_first(parts: list[Any]) -> list[Any]:
    """The built-in simulators' parts in the order to start them: the longest first, so the run does not end waiting
    on a long share started last. Only the start order changes; the reports keep the plan's order."""
    durations = _reference_durations()
    return sorted(parts, key=lambda p: _estimate(p.cases or (), durations.get(Path(p.descriptor).stem, {})),
                  reverse=True)


def _shares(cases: list[tuple[Any, Path]], known: dict[str, float]) -> list[tuple[str, ...]]:
    """A simulator's cases in shares of whole modules (a module's cases keep their order), each of about SHARE_S
    seconds by the durations `known` and at most SHARE_CASES cases."""
    modules: dict[Path, list[str]] = {}
    for info, path in cases:
        modules.setdefault(path, []).append(info.id)
    shares: list[list[str]] = [[]]
    for ids in modules.values():
        full = _estimate(shares[-1], known) + _estimate(ids, known) > SHARE_S
        if shares[-1] and (full or len(shares[-1]) + len(ids) > SHARE_CASES):
            shares.append([])
        shares[-1].extend(ids)
    return [tuple(share) for share in shares]


def _selected(args: argparse.Namespace, case_id: str) -> bool:
    from conformance.runstate import id_matches

    include, exclude = [p for p in args.case or [] if p], [p for p in args.exclude or [] if p]
    if include and not any(id_matches(case_id, p) for p in include):
        return False
    return not any(id_matches(case_id, p) for p in exclude)


def _suite_options(args: argparse.Namespace) -> list[str]:
    """The options of `run` that choose and judge cases, as a child run or pytest takes them."""
    return _selection_options(args) + _judging_options(args)


def _selection_options(args: argparse.Namespace) -> list[str]:
    out: list[str] = []
    for prefix in args.case or []:
        out += ["--case", prefix]
    for prefix in args.exclude or []:
        out += ["--exclude", prefix]
    return out


def _judging_options(args: argparse.Namespace) -> list[str]:
    out: list[str] = []
    for fault in args.sim_fault or []:
        out += ["--sim-fault", fault]
    if args.waivers:
        out += ["--waivers", args.waivers]
    return out


def _run_here(args: argparse.Namespace, extra: list[str], report_dir: Path, iuts: list[str] | None = None) -> int:
    """All IUTs in this process, one after the other."""
    import pytest

    alluredir = report_dir / "allure-results"
    _clean(alluredir)
    pytest_args = [
        str(PROFILES_DIR),
        # The same case ids and settings wherever the suite is installed and whatever folder it is run from.
        "--rootdir", str(PROFILES_DIR.parent),
        "-c", os.devnull,
        "-W", "ignore::DeprecationWarning:websockets.*",
        "--alluredir", str(alluredir),
        "--junitxml", str(report_dir / "junit.xml"),
        "--report-dir", str(report_dir),
        "-o", "asyncio_mode=auto",
        "-o", "asyncio_default_fixture_loop_scope=session",
        "-o", "asyncio_default_test_loop_scope=session",
        "-p", "no:cacheprovider",
        # Plugins of the suite's own self-tests, when installed: nothing a run uses, and slow to load.
        "-p", "no:hypothesispytest", "-p", "no:benchmark",
        "--import-mode=importlib",  # case modules in different folders share basenames
        "-q" if not args.verbose else "-v",
    ]
    for iut in iuts or args.iut or []:
        pytest_args += ["--iut", iut]
    pytest_args += _suite_options(args)
    if args.strict:
        pytest_args.append("--ocpp-strict")  # pytest has a --strict of its own
    summary_path = report_dir / "summary.json"
    summary_path.unlink(missing_ok=True)  # a summary left by an earlier run must not pass for this one's
    _keep_compiled_cases()
    try:
        code = pytest.main(pytest_args + extra)
    except Exception as exc:  # pytest's own report of an interrupt can fail on Python 3.11 (see plugin._InterruptWatch)
        if not (summary_path.exists() and _interrupted(summary_path)):
            raise
        print(f"ocpp-conformance: pytest could not report the interrupt ({type(exc).__name__}: {exc})", file=sys.stderr)
        code = pytest.ExitCode.INTERRUPTED
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        return int(code)
    if not summary_path.exists():
        if code == pytest.ExitCode.INTERRUPTED:
            return int(code)
        print("ocpp-conformance: no case ran (check --case/--exclude and the IUT descriptors)", file=sys.stderr)
        return 5
    return _finish(args, report_dir, interrupted=code == pytest.ExitCode.INTERRUPTED)


def _keep_compiled_cases() -> None:
    """Compile the case modules (pytest rewrites their asserts) once, into the suite's own cache folder rather than
    next to the sources: the processes of a run and later runs reuse them, also where the sources are read-only or
    PYTHONDONTWRITEBYTECODE is set (each process would otherwise spend about a second rewriting every module)."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(cache_home).expanduser() / "ocpp-conformance" / "pycache"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # no cache: slower, not wrong
    sys.pycache_prefix = str(folder)
    sys.dont_write_bytecode = False


def _interrupted(summary_path: Path) -> bool:
    from conformance.reporting.summary import load_summary

    return bool(load_summary(summary_path)["run"].get("interrupted"))


def _run_parallel(args: argparse.Namespace, extra: list[str], report_dir: Path,
                  plan: list[tuple[str, str, tuple[str, ...] | None]]) -> int:
    from conformance.parallel_run import plan_parts, run_parts
    from conformance.reporting.merge import merge_report_dirs

    problem = _options_problem(args, plan)
    if problem:
        print(f"ERROR: {problem}", file=sys.stderr)
        return 4
    child_args = _judging_options(args) + (["--strict"] if args.strict else []) + (["-v"] if args.verbose else [])
    extra = extra + (["--color=yes"] if sys.stdout.isatty() and not any(a.startswith("--color") for a in extra) else [])
    if extra:
        child_args += ["--", *extra]
    parts = plan_parts(report_dir, plan)
    jobs = _jobs(args, len(parts))
    iuts = list(dict.fromkeys(path for _, path, _ in plan))
    print(f"ocpp-conformance: {len(iuts)} IUTs in {len(parts)} parts, {min(jobs, len(parts))} at a time: "
          f"{', '.join(p.name for p in parts)}", flush=True)
    interrupted = run_parts(_longest_first(parts) if not args.iut else parts, child_args, jobs,
                            selection=_selection_options(args))
    ran = [p for p in parts if p.ran_cases]
    for part in parts:
        if part.started and part.code not in (0, 1, 2, 5):
            print(f"ocpp-conformance: the run of {part.name} ended with exit code {part.code}", file=sys.stderr)
    problems = merge_report_dirs([p.report_dir for p in ran], report_dir, sys.argv) if ran else []
    for problem_line in problems:
        print(f"ocpp-conformance: {problem_line}", file=sys.stderr)
    summary_path = report_dir / "summary.json"
    codes = {p.code for p in ran}
    for code in (4, 3):  # a usage or suite error in a child is the run's
        if code in codes:
            return code
    if not summary_path.exists():
        if interrupted:
            print("ocpp-conformance: run interrupted before any case finished", file=sys.stderr)
            return 2
        print("ocpp-conformance: no case ran (check --case/--exclude and the IUT descriptors)", file=sys.stderr)
        return 5
    from conformance.reporting.summary import load_summary

    summary = load_summary(summary_path)
    totals = ", ".join(f"{n} {v}" for v, n in summary["totals"].items() if n)
    print(f"ocpp-conformance: {', '.join(i['name'] for i in summary['iuts'])}: {totals or 'no case'}")
    print(f"summary: {summary_path}")
    died = [p.name for p in ran if not (p.report_dir / "summary.json").exists()]
    code = _finish(args, report_dir, interrupted=interrupted or bool(summary["run"].get("interrupted")))
    if died and code in (0, 1):
        return 3  # an IUT whose run died has no verdicts at all: never a pass
    return code


def _options_problem(args: argparse.Namespace, plan: list[tuple[str, str, tuple[str, ...] | None]]) -> str | None:
    """A mistake in --sim-fault or --waivers, said once here rather than by every child."""
    from conformance.iut import load_descriptor
    from conformance.versions import check_fault_names

    if args.sim_fault:
        try:
            check_fault_names([f for f in args.sim_fault if f], {load_descriptor(p).ocpp_version for _, p, _ in plan})
        except ValueError as exc:
            return f"--sim-fault: {exc}"
    if args.waivers:
        from conformance.waivers import WaiverError, load_waivers

        try:
            load_waivers(args.waivers)
        except WaiverError as exc:
            return str(exc)
    return None


def _finish(args: argparse.Namespace, report_dir: Path, *, interrupted: bool) -> int:
    """Build the HTML reports of a run whose summary is written and give its exit code."""
    from conformance.reporting.summary import exit_code, load_summary

    if interrupted:  # the Allure HTML report is left out: a stopped run should end soon
        later = ("" if args.no_html
                 else f"; `ocpp-conformance report --report-dir {report_dir}` builds the Allure HTML report")
        print(f"ocpp-conformance: run interrupted: the reports hold the cases that finished{later}", file=sys.stderr)
        html = report_dir / "conformance-report.html"
        if html.exists():
            print(f"Conformance report: {html}")
        return 2
    if not args.no_html:
        _build_html(report_dir)
    fail_on = tuple(v.strip() for v in args.fail_on.split(",") if v.strip())
    return exit_code(load_summary(report_dir / "summary.json"), fail_on=fail_on)


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


def _jobs_option(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return value


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
    run.add_argument("--jobs", type=_jobs_option, metavar="N",
                     help="parts run at the same time, each in its own process: one per IUT descriptor, and the "
                          "built-in simulators' cases in shares (default: up to 6, as the parts mostly wait on "
                          "timers; 1: everything one after the other in this process)")
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
    for version in ("1.6", "2.0.1"):  # the reference simulators of each version the suite plays
        support(version).add_simulate_arguments(sub)
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
