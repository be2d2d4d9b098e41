"""Run the conformance suite in a child process, as a user would, and read its summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_suite(report_dir: Path, *args: str, timeout: float = 900) -> tuple[int, dict, str]:
    """`ocpp-conformance run --no-html --report-dir DIR ARGS`; returns (exit code, summary, output)."""
    cmd = [sys.executable, "-m", "conformance.cli", "run", "--no-html", "--report-dir", str(report_dir), *args]
    env = dict(os.environ, CI="true", PYTHONUNBUFFERED="1")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    output = proc.stdout + proc.stderr
    summary_path = report_dir / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
    return proc.returncode, summary, output


def verdicts(summary: dict) -> dict[tuple[str, str], dict]:
    return {(c["iut"], c["id"]): c for c in summary.get("cases", [])}
