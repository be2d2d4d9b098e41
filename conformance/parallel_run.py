"""Several IUTs at once: one child `ocpp-conformance run` per IUT descriptor, each writing its own part of the report
directory (`parts/<iut>/`), their output on the terminal line by line behind the IUT's name, a stop request (Ctrl-C,
SIGTERM) passed on to every child, and the parts merged into the report directory.

The children run in sessions of their own, so a terminal's Ctrl-C reaches only this process, which passes it on once;
each child then ends its current case in order and writes the reports of the cases that finished.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence, TextIO

PARTS_DIRNAME = "parts"
SHARE_ENV = "OCPP_CONFORMANCE_SHARE"  # tells a child it runs a share of one IUT's cases (see runstate.SHARE_ENV)
STOP_GRACE_S = 60.0  # how long a child may take to end in order after a stop request before it is killed
RELAY_DRAIN_S = 5.0  # how long the last lines of an ended child may take to arrive
NO_CASE_RAN = 5  # a child's exit code when no case of its IUT was selected (pytest's "no tests collected")


@dataclass
class Part:
    """One IUT's share of a parallel run."""

    name: str
    descriptor: str
    report_dir: Path
    cases: tuple[str, ...] | None = None  # its share of the IUT's cases (exact ids); None: all those selected
    process: subprocess.Popen | None = None
    code: int | None = None
    relay: threading.Thread | None = field(default=None, repr=False)

    @property
    def started(self) -> bool:
        return self.process is not None

    @property
    def ran_cases(self) -> bool:
        """It was started and did not say that none of its cases was selected."""
        return self.started and self.code != NO_CASE_RAN


def plan_parts(report_dir: Path, plan: Sequence[tuple[str, str, tuple[str, ...] | None]]) -> list[Part]:
    """One part per (name, descriptor path, case ids), each with its own folder under `<report_dir>/parts/`."""
    folders: set[str] = set()
    parts = []
    for name, path, cases in plan:
        folder = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "iut"
        while folder in folders:
            folder += "_"
        folders.add(folder)
        parts.append(Part(name=name, descriptor=path, report_dir=report_dir / PARTS_DIRNAME / folder, cases=cases))
    return parts


# What a part folder holds; one holding anything else is not the suite's and is left alone.
_PART_FILES = frozenset({"summary.json", "junit.xml", "allure-results", "wire", "conformance-report.html"})


def clear_parts(report_dir: Path) -> None:
    """Remove the parts of an earlier run, so the report directory holds only what this run wrote."""
    parts = report_dir / PARTS_DIRNAME
    if not parts.is_dir():
        return
    for folder in parts.iterdir():
        if folder.is_dir() and not folder.is_symlink() and {f.name for f in folder.iterdir()} <= _PART_FILES:
            shutil.rmtree(folder, ignore_errors=True)
    try:
        parts.rmdir()
    except OSError:  # something else lives there
        pass


class _Stop:
    """Records a stop request and passes it on, as SIGINT, to every child still running. A child starting up handles
    SIGINT at any moment (SIGTERM only once its cases are collected); a second request is passed on again, and the
    children's own second Ctrl-C handling cuts their teardown short."""

    def __init__(self, parts: Sequence[Part]) -> None:
        self.parts = parts
        self.requested = False
        self.deadline: float | None = None

    def __call__(self, signum: int, frame: Any) -> None:
        self.requested = True
        if self.deadline is None:
            self.deadline = time.monotonic() + STOP_GRACE_S
        for part in self.parts:
            if part.process is not None and part.process.poll() is None:
                part.process.send_signal(signal.SIGINT)


def _relay(part: Part, out: TextIO, lock: threading.Lock) -> None:
    assert part.process is not None and part.process.stdout is not None
    prefix = f"[{part.name}] "
    shown = True
    for line in part.process.stdout:  # read to the end even when nobody reads on, or the child would block
        if not shown:
            continue
        try:
            with lock:
                out.write(prefix + line if line.endswith("\n") else prefix + line + "\n")
                out.flush()
        except (OSError, ValueError):  # the terminal or pipe went away (`| head`)
            shown = False
    part.process.stdout.close()


def _start(part: Part, child_args: Sequence[str], out: TextIO, lock: threading.Lock, done: queue.Queue) -> None:
    part.report_dir.mkdir(parents=True, exist_ok=True)
    # -P: the child imports the suite that is installed, not a folder of the same name where it was started
    cmd = [sys.executable, "-P", "-m", "conformance.cli", "run", "--iut", part.descriptor, "--report-dir",
           str(part.report_dir), "--no-html", "--jobs", "1", *child_args]
    part.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, encoding="utf-8", errors="replace", bufsize=1, start_new_session=True,
                                    env=dict(os.environ, PYTHONUNBUFFERED="1",
                                             **({SHARE_ENV: part.name} if part.cases is not None else {})))
    part.relay = threading.Thread(target=_relay, args=(part, out, lock), daemon=True)
    part.relay.start()
    # The exit is waited for apart from the output: a process the child started may hold its output open.
    threading.Thread(target=lambda: (part.process.wait(), done.put(part)), daemon=True).start()


def run_parts(parts: Sequence[Part], child_args: Sequence[str], jobs: int, out: TextIO | None = None, *,
              selection: Sequence[str] = ()) -> bool:
    """Run the parts, at most `jobs` at a time, until each has ended; True when a stop was requested.

    `child_args` follow `run --iut D --report-dir P --no-html --jobs 1` on each child's command line, after the part's
    cases (`--case ID` each) or, for a part without a share, the run's own `selection` (--case / --exclude). After a stop
    request no further part starts, and a child still running `STOP_GRACE_S` later is killed."""
    out = out or sys.stdout
    lock = threading.Lock()
    done: queue.Queue[Part] = queue.Queue()
    stop = _Stop(parts)
    in_main = threading.current_thread() is threading.main_thread()
    # Installed before the children start: they inherit SIGINT handled (not ignored), whatever this process inherited.
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)} if in_main else {}
    try:
        pending, running = list(parts), []
        while pending or running:
            while pending and len(running) < max(jobs, 1) and not stop.requested:
                part = pending.pop(0)
                chosen = [a for case in part.cases for a in ("--case", case)] if part.cases is not None else selection
                _start(part, [*chosen, *child_args], out, lock, done)
                running.append(part)
            if stop.requested:
                pending.clear()
            try:
                part = done.get(timeout=1.0)
            except queue.Empty:
                if stop.deadline is not None and time.monotonic() > stop.deadline:
                    for late in running:
                        if late.process is not None and late.process.poll() is None:
                            late.process.kill()
                continue
            running.remove(part)
            assert part.process is not None
            part.code = part.process.returncode
            if part.relay is not None:
                part.relay.join(RELAY_DRAIN_S)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return stop.requested
