"""The README's first command, end to end: a real run writes every report, and both HTML reports show the verdict
matrix, a failed case's wire log and the IUT's identity in headless Chromium (screenshots kept under
reports/screenshots/end-to-end/ as test artefacts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.reporting.allure_cli import AllureUnavailable, ensure_allure
from conformance.reporting.browser import browser_unavailable_reason, headless_chromium

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "reports" / "screenshots" / "end-to-end"


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        ensure_allure(ROOT)
    except AllureUnavailable as exc:
        pytest.skip(f"Allure command-line tool unavailable: {exc}")
    out = tmp_path_factory.mktemp("run")
    # One clean case and one broken by a fault, so the reports hold a failed case with its wire log.
    cmd = [sys.executable, "-m", "conformance.cli", "run", "--report-dir", str(out),
           "--case", "TC_001_CSMS", "--case", "OCPPJ_RPC_003", "--sim-fault", "wrong-callerror-code"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, CI="true"))
    assert proc.returncode == 1, f"a failed case must make the run exit 1:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
    return out


def test_run_writes_every_report(real_run: Path) -> None:
    for name in ("summary.json", "junit.xml", "conformance-report.html", "allure-report/index.html"):
        assert (real_run / name).is_file(), f"{name} missing"
    assert any((real_run / "allure-results").glob("*-result.json"))
    assert (real_run / "allure-results" / "environment.properties").is_file()
    summary = json.loads((real_run / "summary.json").read_text(encoding="utf-8"))
    failed = [c for c in summary["cases"] if c["verdict"] == "failed"]
    assert failed and all((real_run / c["wire_log"]).is_file() for c in failed)


def test_reports_render_in_chromium(real_run: Path) -> None:
    reason = browser_unavailable_reason()
    if reason:
        pytest.skip(reason)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with headless_chromium() as driver:
        driver.get((real_run / "conformance-report.html").as_uri())
        body = driver.find_element("tag name", "body")
        assert "Verdict matrix" in body.text
        assert "reference-csms" in body.text and "REFCP002" in body.text  # the IUT's identity
        failed = driver.find_elements("css selector", "details.case[data-verdict=failed]")
        assert failed, "the failed case is not in the report"
        driver.execute_script("arguments[0].open = true; arguments[0].scrollIntoView();", failed[0])
        for wire in failed[0].find_elements("css selector", "details.wire"):
            driver.execute_script("arguments[0].open = true;", wire)
        assert "NotSupported" in failed[0].text, "the failed case's wire log does not show the offending frame"
        assert failed[0].is_displayed()
        driver.save_screenshot(str(SHOTS / "conformance-report-failed-case.png"))
        driver.get((real_run / "allure-report" / "index.html").as_uri())
        driver.implicitly_wait(10)
        assert "OCPP 1.6" in driver.find_element("tag name", "body").text or "OCPP-J" in driver.find_element("tag name", "body").text
        driver.save_screenshot(str(SHOTS / "allure-report.png"))
    assert (SHOTS / "allure-report.png").stat().st_size > 10_000
