"""The reports as a person sees them: rendered pages opened in headless Chromium, screenshots kept in
reports/screenshots/ (git-ignored). Skipped when Chromium, chromedriver or selenium are not installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.reporting.browser import browser_unavailable_reason, check_reports_in_browser, headless_chromium
from conformance.reporting.html import render_conformance_report
from conformance.reporting.matrix import render_matrix
from conformance.reporting.summary import load_summary, sha256_of

pytestmark = pytest.mark.skipif(bool(browser_unavailable_reason()), reason=browser_unavailable_reason() or "")

ROOT = Path(__file__).parents[1]
DATA = Path(__file__).parent / "data"
SHOTS = ROOT / "reports" / "screenshots"
FAILED_CASE = "case-reference-charge-point-TC_010_CS"
INCONCLUSIVE_CASE = "case-reference-charge-point-TC_028_CS"  # explained by a frame of TC_026_CS
EXPLAINING_CASE = "case-reference-charge-point-TC_026_CS"


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("browser") / "reports"
    shutil.copytree(DATA / "reports", dest)
    summary = load_summary(dest / "summary.json")
    render_conformance_report(summary, dest)
    other = load_summary(DATA / "summary_other_iut.json")
    render_matrix([summary, other], dest / "matrix.html", sources=["reports/summary.json", "summary_other_iut.json"])
    return dest


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as driver:
        yield driver


def _visible_text(driver, css: str) -> str:
    element = driver.find_element("css selector", css)
    assert element.is_displayed(), css
    return element.text


def test_conformance_report_shows_identity_matrix_and_wire_log(browser, report_dir):
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1400, 1000)
    browser.get((report_dir / "conformance-report.html").as_uri())

    iut = _visible_text(browser, "#iuts")
    for text in ("ACME Energy", "Wallbox W22", "W22-000417", "1.4.2", "ws://127.0.0.1:19600/ocpp/REFCP001",
                 "OCPP version", "Security profile"):
        assert text in iut, text
    run = _visible_text(browser, "#run")
    assert "ocpp-conformance 0.1.0" in run and sha256_of(report_dir / "summary.json") in run
    assert "NOT CONFORMANT" in _visible_text(browser, "#overall")
    browser.save_screenshot(str(SHOTS / "report-top.png"))

    matrix = browser.find_element("css selector", "#matrix table.matrix")
    assert matrix.is_displayed()
    cells = matrix.find_elements("css selector", "a.cell")
    assert len(cells) == 11 and all(c.is_displayed() for c in cells)
    failed_cell = matrix.find_element("css selector", f'a.cell[href="#{FAILED_CASE}"]')
    assert failed_cell.text == "Failed"
    # the cell's colour is the failed colour
    assert failed_cell.value_of_css_property("background-color") in ("rgba(207, 34, 46, 1)", "rgb(207, 34, 46)")

    # Follow the matrix link, then open the failed case's wire log.
    failed_cell.click()
    case = browser.find_element("css selector", f"#{FAILED_CASE}")
    assert case.get_attribute("open") is not None
    wire = case.find_element("css selector", "details.wire")
    rows = wire.find_elements("css selector", "tr.viol")
    assert rows and not rows[0].is_displayed()  # collapsed until asked for
    wire.find_element("css selector", "summary").click()
    assert wire.get_attribute("open") is not None
    violation = wire.find_element("css selector", "tr.viol")
    assert violation.is_displayed() and "SCH-001" in violation.text
    frame = wire.find_element("css selector", f"#{FAILED_CASE}-f204")
    assert frame.is_displayed() and "<script>alert('pwned')</script>" in frame.text  # shown as text, never run
    assert browser.execute_script("return document.querySelectorAll('script').length") == 1
    assert "frame truncated" in wire.text
    browser.execute_script("arguments[0].scrollIntoView();", case)
    height = browser.execute_script("return arguments[0].getBoundingClientRect().height;", case)
    browser.set_window_size(1400, min(int(height) + 200, 12000))
    case.screenshot(str(SHOTS / "report-failed-case.png"))
    browser.set_window_size(1400, 1000)


def _top(driver, element) -> float:
    """Where the element's top is, in pixels from the top of the window."""
    return driver.execute_script("return arguments[0].getBoundingClientRect().top;", element)


def _scrolled_to(driver, element) -> bool:
    """The element's top is at the top of the window (the browser rounds a scroll by up to a pixel)."""
    return -2 <= _top(driver, element) <= 20


def test_inconclusive_case_shows_its_verdict_and_jumps_to_the_explanation(browser, report_dir):
    browser.set_window_size(1400, 1000)
    browser.get((report_dir / "conformance-report.html").as_uri())
    cell = browser.find_element("css selector", f'#matrix a.cell[href="#{INCONCLUSIVE_CASE}"]')
    assert cell.is_displayed() and cell.text == "Inconclusive"
    assert cell.value_of_css_property("background-color") in ("rgba(78, 95, 112, 1)", "rgb(78, 95, 112)")
    chip = browser.find_element("css selector", ".totals .total.v-inconclusive")
    assert chip.is_displayed() and chip.text.split() == ["1", "Inconclusive"]

    cell.click()
    case = browser.find_element("css selector", f"#{INCONCLUSIVE_CASE}")
    assert case.get_attribute("open") is not None and _scrolled_to(browser, case)
    badge = case.find_element("css selector", "summary .badge.v-inconclusive")
    assert badge.is_displayed() and badge.text == "Inconclusive"
    assert badge.value_of_css_property("color") in ("rgba(59, 74, 90, 1)", "rgb(59, 74, 90)")
    block = case.find_element("css selector", ".precondition")
    assert block.is_displayed() and "precondition not reached" in block.text.lower()
    assert 'precondition "connector 1 Available" not reached' in block.text
    browser.execute_script("arguments[0].scrollIntoView();", case)
    case.screenshot(str(SHOTS / "report-inconclusive-case.png"))

    # The explanation link jumps to the earlier case ...
    explaining = browser.find_element("css selector", f"#{EXPLAINING_CASE}")
    assert _top(browser, explaining) < -100  # above, out of sight
    case.find_element("css selector", "a.explained-by").click()
    assert browser.current_url.endswith(f"#{EXPLAINING_CASE}")
    assert explaining.get_attribute("open") is not None and _scrolled_to(browser, explaining)
    assert browser.execute_script("return document.querySelector(':target').id") == EXPLAINING_CASE

    # ... and the frame link opens that case's wire log at the frame.
    browser.back()
    frame_link = browser.find_element("css selector", f"#{INCONCLUSIVE_CASE} a.explained-by-frame")
    assert not browser.find_element("css selector", f"#{EXPLAINING_CASE}-f602").is_displayed()
    browser.execute_script("arguments[0].scrollIntoView();", frame_link)
    frame_link.click()
    frame = browser.find_element("css selector", f"#{EXPLAINING_CASE}-f602")
    assert frame.is_displayed() and _scrolled_to(browser, frame) and "InternalError" in frame.text


def test_filter_and_expand_controls_work(browser, report_dir):
    browser.get((report_dir / "conformance-report.html").as_uri())
    toolbar = browser.find_element("css selector", "#case-toolbar")
    assert toolbar.is_displayed()
    toolbar.find_element("css selector", 'input[data-verdict="passed"]').click()
    passed = browser.find_element("css selector", "#case-reference-charge-point-TC_001_CS")
    assert not passed.is_displayed()
    toolbar.find_element("css selector", "[data-act=expand]").click()
    assert browser.find_element("css selector", "#case-reference-charge-point-TC_043_CS").get_attribute("open")


def test_essentials_readable_without_javascript(report_dir):
    with headless_chromium(javascript=False) as driver:
        driver.get((report_dir / "conformance-report.html").as_uri())
        assert "ACME Energy" in _visible_text(driver, "#iuts")
        assert not driver.find_element("css selector", "#case-toolbar").is_displayed()
        case = driver.find_element("css selector", f"#{FAILED_CASE}")
        assert "[schema] SCH-001" in case.text  # failed cases are open
        wire = case.find_element("css selector", "details.wire")
        wire.find_element("css selector", "summary").click()  # <details> needs no script
        assert "SCH-001" in wire.find_element("css selector", "tr.viol").text
        driver.save_screenshot(str(SHOTS / "report-no-javascript.png"))


def test_matrix_page(browser, report_dir):
    browser.set_window_size(1400, 1000)
    browser.get((report_dir / "matrix.html").as_uri())
    table = browser.find_element("css selector", "#matrix")
    assert table.is_displayed()
    headers = [h.text for h in table.find_elements("css selector", "th.iutcol")]
    assert len(headers) == 2
    assert "reference-charge-point" in headers[0] and "ACME Energy Wallbox W22" in headers[0]
    assert "volt-cp" in headers[1] and "Volt & Co <b> VX-7" in headers[1] and "7.0.0-rc2" in headers[1]
    assert len(table.find_elements("css selector", ".cell.v-failed")) >= 5
    browser.save_screenshot(str(SHOTS / "matrix.png"))


_TINY = '''
import allure

@allure.parent_suite("OCPP 1.6")
@allure.suite("core")
@allure.sub_suite("Cold Boot Charge Point")
def test_cold_boot():
    pass

@allure.parent_suite("OCPP 1.6")
@allure.suite("core")
@allure.sub_suite("Core Profile - Remote actions Happy flow")
def test_remote_start():
    raise AssertionError("[schema] SCH-001 RemoteStartTransaction.conf: 'status' is a required property")
'''


def test_check_reports_in_browser_covers_all_reports(report_dir, tmp_path):
    from conformance.reporting.allure_cli import AllureUnavailable, build_allure_report, ensure_allure
    from conformance.reporting.allure_env import write_categories, write_environment

    with_allure = True
    try:
        ensure_allure(ROOT)
    except AllureUnavailable:
        with_allure = False
    if with_allure:
        (tmp_path / "test_tiny.py").write_text(_TINY)
        results = report_dir / "allure-results"
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:ocpp_conformance",
                        f"--alluredir={results}", "test_tiny.py", "-c", os.devnull],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
        summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
        write_environment(results, summary)
        write_categories(results)
        build_allure_report(results, report_dir / "allure-report", project_root=ROOT, timeout=180)

    shots = check_reports_in_browser(report_dir, SHOTS / "run")
    names = {p.name for p in shots}
    assert {"conformance-report.png", "conformance-report-failed-case.png", "matrix.png"} <= names
    if with_allure:
        assert "allure-report.png" in names
        with headless_chromium() as driver:
            driver.get((report_dir / "allure-report" / "index.html").as_uri())
            from selenium.webdriver.support.ui import WebDriverWait

            WebDriverWait(driver, 30).until(lambda d: "Cold Boot Charge Point" in d.find_element("tag name", "body").text)
            body = driver.find_element("tag name", "body").text
            assert "OCPP 1.6" in body and "core" in body
            assert not [e for e in driver.get_log("browser") if "googletagmanager" in e.get("message", "")]
    for path in shots:
        assert path.stat().st_size > 10_000, path
