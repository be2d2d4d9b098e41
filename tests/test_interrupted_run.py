"""A run stopped by Ctrl-C (SIGINT) or SIGTERM (a CI timeout) still writes summary.json, junit.xml and the conformance
report of the cases that finished, says it was interrupted, and exits 2; in one process and with one process per IUT."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.reporting.summary import validate_summary
from tests.suite_runner import ROOT

# In collection order: the two cache cases (quick), then the cold boots (seconds each), which the stop cuts short.
CASES = ["TC_007_1_CS", "TC_007_2_CS", "TC_001_CS", "TC_002_CS", "TC_001_CSMS"]
STARTUP_S = 60  # interpreter, imports and collection on a busy machine
STOP_S = 60  # from the signal to the end of the process


def _run_and_stop(report_dir: Path, sig: signal.Signals, *args: str) -> tuple[int, str]:
    """Start a run, send `sig` once the first case has finished, and return (exit code, output).

    A case has finished when the next one has been reported: pytest -v prints a case's outcome after its call and
    starts the next case only after the first one's teardown, where its verdict and wire log are written."""
    cmd = [sys.executable, "-m", "conformance.cli", "run", "-v", "--no-html", "--report-dir", str(report_dir), *args]
    for case in CASES:
        cmd += ["--case", case]
    # The child handles SIGINT as Python does even when this process was started with SIGINT ignored (a background
    # job of a script): a signal handled here is reset to its default in the child.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                stdin=subprocess.DEVNULL, env=dict(os.environ, CI="true", PYTHONUNBUFFERED="1"))
    finally:
        signal.signal(signal.SIGINT, previous)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    try:
        reported = 0
        while reported < 2:
            line = lines.get(timeout=STARTUP_S)
            assert line is not None, "the run ended before it could be stopped:\n" + "".join(seen[-60:])
            seen.append(line)
            # the charge point's cases (the other IUT of a parallel run may finish first)
            reported += "PASSED" in line and "reference-charge-point]" in line
        proc.send_signal(sig)
        code = proc.wait(timeout=STOP_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    while (line := lines.get(timeout=STOP_S)) is not None:
        seen.append(line)
    return code, "".join(seen)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "process-per-iut"])
def test_a_stopped_run_reports_the_cases_that_finished(sig: signal.Signals, parallel: bool, tmp_path: Path) -> None:
    args = [] if parallel else ["--iut", "fixtures/iut/reference-charge-point.yaml"]
    code, output = _run_and_stop(tmp_path, sig, *args)
    assert code == 2, output[-4000:]

    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert validate_summary(summary) == []
    assert summary["run"]["interrupted"] is True
    got = {c["id"]: c["verdict"] for c in summary["cases"] if c["iut"] == "reference-charge-point"}
    assert got.get("TC_007_1_CS") == "passed", output[-4000:]
    cut_short = [f"{c['id']}: {c['verdict']} {c['message']}" for c in summary["cases"]
                 if c["id"] not in ("TC_007_1_CS", "TC_007_2_CS", "TC_001_CSMS")]
    assert not cut_short, f"a case the stop cut short was reported: {cut_short}\n{output[-4000:]}"
    assert (parts := (tmp_path / "parts").is_dir()) is parallel, f"parts/ {'missing' if not parts else 'written'}"

    junit = ET.parse(tmp_path / "junit.xml").getroot()
    names = [c.get("name", "") for c in junit.iter("testcase")]
    assert any(n.startswith("test_cached_id_local[reference-charge-point") for n in names), names
    assert not any(n.startswith("test_cold_boot_pending") for n in names), names
    report = (tmp_path / "conformance-report.html").read_text(encoding="utf-8")
    assert "INTERRUPTED" in report or "run interrupted" in report
    assert "only the cases that finished are reported" in report
    assert "TC_007_1_CS" in report
    assert "run interrupted" in output


SWALLOWING_CASES = '''
import asyncio
import os
import signal

from conformance import case

SECTION = "Stops"


@case("TC_911_CS", "finishes", spec="s", requirement="A case that finished before the stop is reported.")
async def test_finishes(booted):
    pass


@case("TC_912_CS", "is stopped", spec="s", requirement="A case the stop came in is not reported.")
async def test_is_stopped(booted):
    # The interrupt goes unheard, as when it is lost in a race with a wait that ends at the same moment: the case
    # runs to its end, yet the run stops after it and the case is not reported.
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.2)
    finally:
        signal.signal(signal.SIGINT, previous)


@case("TC_913_CS", "never runs", spec="s", requirement="No case starts after the stop.")
async def test_never_runs(booted):
    pass
'''


def test_the_case_the_stop_came_in_is_left_out_even_when_it_runs_to_its_end(pytester: pytest.Pytester) -> None:
    pytester.makefile(".ini", pytest="[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = session\n"
                                     "asyncio_default_test_loop_scope = session\n")
    module = pytester.path / "profiles" / "ocpp16" / "core" / "charge_point" / "test_stops.py"
    module.parent.mkdir(parents=True)
    module.write_text(SWALLOWING_CASES, encoding="utf-8")
    result = pytester.runpytest_subprocess("profiles", "--iut", str(ROOT / "fixtures/iut/reference-charge-point.yaml"),
                                           "--report-dir", "out", "--import-mode=importlib")
    assert result.ret == pytest.ExitCode.INTERRUPTED, result.stdout.str()[-3000:]
    summary = json.loads((pytester.path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["interrupted"] is True
    assert {c["id"]: c["verdict"] for c in summary["cases"]} == {"TC_911_CS": "passed"}


DOUBLY_CANCELLED_CASES = '''
import asyncio
import os
import signal

import pytest

from conformance import case

SECTION = "Stops"


@case("TC_921_CS", "finishes", spec="s", requirement="A case that finished before the stop is reported.")
async def test_finishes(booted):
    pass


@pytest.fixture
async def cancelled_twice():
    # Ctrl-C arrives while the set-up's task is already being cancelled (a timeout expiring at the same moment):
    # asyncio then lets a CancelledError out instead of a KeyboardInterrupt.
    asyncio.current_task().cancel()
    os.kill(os.getpid(), signal.SIGINT)
    await asyncio.sleep(0.2)
    yield


@case("TC_922_CS", "is stopped", spec="s", requirement="A case the stop came in is not reported.")
async def test_is_stopped(booted, cancelled_twice):
    pass


@case("TC_923_CS", "never runs", spec="s", requirement="No case starts after the stop.")
async def test_never_runs(booted):
    pass
'''


def test_ctrl_c_during_a_cancellation_still_ends_the_run(pytester: pytest.Pytester) -> None:
    pytester.makefile(".ini", pytest="[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = session\n"
                                     "asyncio_default_test_loop_scope = session\n")
    module = pytester.path / "profiles" / "ocpp16" / "core" / "charge_point" / "test_stops.py"
    module.parent.mkdir(parents=True)
    module.write_text(DOUBLY_CANCELLED_CASES, encoding="utf-8")
    result = pytester.runpytest_subprocess("profiles", "--iut", str(ROOT / "fixtures/iut/reference-charge-point.yaml"),
                                           "--report-dir", "out", "--import-mode=importlib")
    assert result.ret == pytest.ExitCode.INTERRUPTED, result.stdout.str()[-3000:]
    summary = json.loads((pytester.path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["interrupted"] is True
    assert {c["id"]: c["verdict"] for c in summary["cases"]} == {"TC_921_CS": "passed"}
