"""Run the conformance suite in a child process, as a user would, and read its summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

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


def descriptor_data(path: Path) -> dict:
    """A reference descriptor's data with the files it names made absolute, so a changed copy can be written
    elsewhere (firmware images, a manufacturer root)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for block, keys in (("security", ("firmware_image", "manufacturer_root")),
                        ("file_transfer", ("firmware_image", "invalid_firmware_image"))):
        for key in keys:
            value = (data.get(block) or {}).get(key)
            if isinstance(value, str) and value != "generated":
                data[block][key] = str((path.parent / value).resolve())
    return data
