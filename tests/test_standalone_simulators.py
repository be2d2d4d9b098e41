"""The path a vendor takes with their own device: the reference simulators run on their own
(`ocpp-conformance simulate …`) and the suite drives them over the `http` driver, in both roles."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from tests.suite_runner import ROOT, run_suite


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Simulator:
    """A `simulate` child process; `wait_for(text)` reads its output with a bound."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "conformance.cli", "simulate", *args, "--duration", "300"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
            env=dict(os.environ, PYTHONUNBUFFERED="1"))
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, within: float = 20) -> str:
        seen = []
        try:
            while True:
                line = self.lines.get(timeout=within)
                seen.append(line)
                if text in line:
                    return line
        except queue.Empty:
            raise AssertionError(f"simulator did not print {text!r} within {within} s: {''.join(seen)[-2000:]}") from None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def tmp_descriptor(tmp_path: Path) -> Iterator[callable]:
    def write(data: dict) -> Path:
        path = tmp_path / f"{data['name']}.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path

    yield write


def test_standalone_csms_over_http_driver(tmp_path: Path, tmp_descriptor) -> None:
    port, control = _free_port(), _free_port()
    tags = ["CONFVALID01=Accepted", "CONFVALID02=Accepted", "CONFBLOCKED=Blocked", "CONFEXPIRED=Expired",
            "CONFPARENT01=Accepted", "CONFCHILD01=Accepted,,CONFPARENT01"]
    sim = Simulator("csms", "--port", str(port), "--control-port", str(control),
                    *[a for t in tags for a in ("--id-tag", t)])
    try:
        sim.wait_for("CSMS listening")
        descriptor = tmp_descriptor({
            "name": "standalone-csms", "sut": "csms", "ocpp_version": "1.6", "identity": "STANDALONE01",
            "endpoint": f"ws://127.0.0.1:{port}/ocpp", "features": ["core"],
            "driver": {"type": "http", "base_url": f"http://127.0.0.1:{control}", "convention": "octt"},
            "timeouts": {"response": 5, "connect": 10, "expect": 10, "case": 120},
        })
        code, summary, output = run_suite(tmp_path / "r", "--iut", str(descriptor), "--case", "TC_0", "--case", "OCPPJ")
        bad = [f"{c['id']}: {c['verdict']} {c['message']}" for c in summary.get("cases", [])
               if c["verdict"] not in ("passed", "not_applicable")]
        assert summary.get("cases") and not bad, "\n".join(bad) + output[-3000:]
        driven = [c for c in summary["cases"] if c["verdict"] == "passed"]
        assert any(c["id"] == "TC_001_CSMS" for c in driven)
    finally:
        sim.stop()


def test_standalone_201_csms_over_http_driver(tmp_path: Path, tmp_descriptor) -> None:
    """`simulate csms-2.0.1`: the operator's commands and its registration status (set_boot_status) over the octt
    convention of the http driver."""
    port, control = _free_port(), _free_port()
    sim = Simulator("csms-2.0.1", "--port", str(port), "--control-port", str(control), "--token",
                    "CONFVALID01=Accepted", "--response-timeout", "5")
    try:
        sim.wait_for("CSMS listening")
        descriptor = tmp_descriptor({
            "name": "standalone-csms-201", "sut": "csms", "ocpp_version": "2.0.1", "identity": "STANDALONE201",
            "endpoint": f"ws://127.0.0.1:{port}/ocpp", "features": ["core"], "evses": [{"id": 1, "connectors": 1}],
            "id_tags": {"valid": "CONFVALID01", "valid_2": None, "invalid": None, "blocked": None, "expired": None,
                        "parent": None},
            "driver": {"type": "http", "base_url": f"http://127.0.0.1:{control}", "convention": "octt"},
            "timeouts": {"response": 5, "connect": 10, "expect": 10, "case": 60},
        })
        code, summary, output = run_suite(tmp_path / "r", "--iut", str(descriptor), "--case", "TC_B_0",
                                          "--case", "TC_B_2", "--case", "TC_B_3")
        bad = [f"{c['id']}: {c['verdict']} {c['message']}" for c in summary.get("cases", [])
               if c["verdict"] != "passed"]
        assert summary.get("cases") and not bad, "\n".join(bad) + output[-3000:]
        assert {"TC_B_02_CSMS", "TC_B_06_CSMS", "TC_B_20_CSMS", "TC_B_31_CSMS"} <= {c["id"] for c in summary["cases"]}
    finally:
        sim.stop()


def test_standalone_charge_point_over_http_driver(tmp_path: Path, tmp_descriptor) -> None:
    listen, control = _free_port(), _free_port()
    descriptor = tmp_descriptor({
        "name": "standalone-cp", "sut": "charge_point", "ocpp_version": "1.6", "identity": "STANDALONE02",
        "listen": {"host": "127.0.0.1", "port": listen, "path": "/ocpp"}, "features": ["core"],
        "connectors": {"count": 2},
        "driver": {"type": "http", "base_url": f"http://127.0.0.1:{control}", "convention": "vendor"},
        "timeouts": {"response": 5, "connect": 15, "expect": 10, "case": 120},
    })
    sim = Simulator("charge-point", "--csms", f"ws://127.0.0.1:{listen}/ocpp", "--identity", "STANDALONE02",
                    "--control-port", str(control))
    try:
        code, summary, output = run_suite(tmp_path / "r", "--iut", str(descriptor), "--case", "TC_001_CS", "--case", "TC_002_CS")
        verdicts = {c["id"]: c["verdict"] for c in summary.get("cases", [])}
        assert verdicts == {"TC_001_CS": "passed", "TC_002_CS": "passed"}, output[-3000:]
        wire = (tmp_path / "r" / "wire" / "standalone-cp" / "TC_001_CS.txt").read_text(encoding="utf-8")
        assert "driver action=power_cycle" in wire and "driver=http" in wire
    finally:
        sim.stop()


def test_manual_driver_in_a_non_interactive_run_makes_physical_cases_not_applicable(tmp_path: Path, tmp_descriptor) -> None:
    """Cases whose stimulus needs a hand on the charger are not applicable (with the reason) when nobody can act;
    cases the protocol alone drives still run."""
    listen = _free_port()
    descriptor = tmp_descriptor({
        "name": "manual-cp", "sut": "charge_point", "ocpp_version": "1.6", "identity": "MANUAL01",
        "listen": {"host": "127.0.0.1", "port": listen, "path": "/ocpp"}, "features": ["core"],
        "connectors": {"count": 2}, "driver": {"type": "manual"},
        "timeouts": {"response": 5, "connect": 15, "expect": 10, "case": 120},
    })
    sim = Simulator("charge-point", "--csms", f"ws://127.0.0.1:{listen}/ocpp", "--identity", "MANUAL01")
    try:
        code, summary, output = run_suite(tmp_path / "r", "--iut", str(descriptor),
                                          "--case", "TC_003_CS", "--case", "TC_019_CS", timeout=300)
        cases = {c["id"]: c for c in summary.get("cases", [])}
        assert cases["TC_019_CS"]["verdict"] == "passed", output[-3000:]
        assert cases["TC_003_CS"]["verdict"] == "not_applicable"
        assert "manual" in cases["TC_003_CS"]["message"] and "plug" in cases["TC_003_CS"]["message"]
        assert code == 0  # not applicable never fails a run
    finally:
        sim.stop()


def test_simulate_rejects_a_bad_port_in_one_line() -> None:
    proc = subprocess.run([sys.executable, "-m", "conformance.cli", "simulate", "csms", "--port", "99999"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "not a TCP port" in proc.stderr and "Traceback" not in proc.stderr
