"""Looking at the reports the way a person would: headless Chromium driven by selenium, screenshots saved.

Uses the system's Chromium and chromedriver (Debian packages `chromium`, `chromium-driver`) and never
downloads a browser or a driver. The Allure report is opened over a loopback HTTP server when it is a
multi-file site (its data files cannot be fetched from file://).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Iterator

from . import ReportError

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMEDRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
CHROME_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage",
    "--hide-scrollbars",
)
PAGE_TIMEOUT_S = 60


def _first_existing(candidates: tuple[str, ...], name: str) -> str | None:
    for path in candidates:
        if os.path.exists(path):
            return path
    return shutil.which(name)


def browser_unavailable_reason() -> str | None:
    """Why the browser checks cannot run here (None when they can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium; it is a dev dependency)"
    if not _first_existing(CHROMIUM_CANDIDATES, "chromium"):
        return "Chromium not found (apt-get install chromium chromium-driver)"
    if not _first_existing(CHROMEDRIVER_CANDIDATES, "chromedriver"):
        return "chromedriver not found (apt-get install chromium-driver)"
    return None


@contextlib.contextmanager
def headless_chromium(width: int = 1400, height: int = 1000, *, javascript: bool = True) -> Iterator["object"]:
    """A selenium WebDriver for the system Chromium with a throw-away profile; quits on exit.

    `javascript=False` shows the page as a reader with scripts disabled would see it.
    """
    reason = browser_unavailable_reason()
    if reason:
        raise ReportError(f"cannot check reports in a browser: {reason}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="ocpp-conformance-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = _first_existing(CHROMIUM_CANDIDATES, "chromium")
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--user-data-dir={profile}")
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    service = Service(_first_existing(CHROMEDRIVER_CANDIDATES, "chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.set_page_load_timeout(PAGE_TIMEOUT_S)
        driver.set_script_timeout(PAGE_TIMEOUT_S)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature of the base class
        pass


@contextlib.contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port) for the duration of the block; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def full_page_screenshot(driver: "object", path: Path, max_height: int = 12000) -> Path:
    """Screenshot of the whole page (window resized to the document height, capped)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    width = driver.get_window_size()["width"]
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight);")
    driver.set_window_size(width, min(max(int(height or 0), 600), max_height))
    driver.save_screenshot(str(path))
    return path


def _wait_for_text(driver: "object", minimum: int = 40, timeout: float = 30) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: len(d.execute_script("return document.body ? document.body.innerText : ''") or "") >= minimum)


def check_reports_in_browser(report_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None,
                             ) -> list[Path]:
    """Open a run's reports in headless Chromium and save screenshots (default `<report_dir>/screenshots/`).

    Covers `conformance-report.html` (top, and a failed case with its wire log expanded), `matrix.html`
    when present, and the Allure report (`allure-report/index.html`). Returns the screenshot paths.
    """
    report_dir = Path(report_dir).resolve()
    out = Path(out_dir) if out_dir else report_dir / "screenshots"
    shots: list[Path] = []
    conformance = report_dir / "conformance-report.html"
    matrix = report_dir / "matrix.html"
    allure_index = report_dir / "allure-report" / "index.html"
    if not any(p.exists() for p in (conformance, matrix, allure_index)):
        raise ReportError(f"{report_dir}: no report to check (expected conformance-report.html or allure-report/)")
    with headless_chromium() as driver:
        if conformance.exists():
            driver.get(conformance.as_uri())
            _wait_for_text(driver)
            shots.append(full_page_screenshot(driver, out / "conformance-report.png"))
            failed = driver.find_elements("css selector", "details.case[data-verdict=failed], "
                                                          "details.case[data-verdict=broken]")
            if failed:
                case = failed[0]
                driver.execute_script("arguments[0].open = true; arguments[0].scrollIntoView();", case)
                for wire in case.find_elements("css selector", "details.wire"):
                    driver.execute_script("arguments[0].open = true;", wire)
                # An element screenshot is clipped to the window: make the window as tall as the case.
                height = driver.execute_script("return arguments[0].getBoundingClientRect().height;", case)
                driver.set_window_size(1400, min(int(height or 0) + 200, 12000))
                driver.execute_script("arguments[0].scrollIntoView();", case)
                path = out / "conformance-report-failed-case.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                case.screenshot(str(path))
                shots.append(path)
        if matrix.exists():
            driver.set_window_size(1400, 1000)
            driver.get(matrix.as_uri())
            _wait_for_text(driver)
            shots.append(full_page_screenshot(driver, out / "matrix.png"))
        if allure_index.exists():
            driver.set_window_size(1400, 1000)
            shots.append(_allure_screenshot(driver, allure_index, out / "allure-report.png"))
    return shots


def _allure_screenshot(driver: "object", index: Path, path: Path) -> Path:
    """The Allure report opened from file:// when it is a single file, else served over loopback HTTP."""
    single_file = not (index.parent / "data").exists()
    if single_file:
        driver.get(index.as_uri())
        _wait_for_text(driver, minimum=80)
        return full_page_screenshot(driver, path, max_height=3000)
    with serve_directory(index.parent) as base:
        driver.get(base + "index.html")
        _wait_for_text(driver, minimum=80)
        return full_page_screenshot(driver, path, max_height=3000)
