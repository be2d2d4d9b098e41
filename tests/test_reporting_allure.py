"""Self-tests of conformance.reporting.allure_cli: locating Node/Allure, clear errors, and a real report build."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conformance.reporting.allure_cli import (
    ALLURE_VERSION,
    GROUP_BY,
    NODE_MISSING,
    AllureUnavailable,
    allure_config,
    build_allure_report,
    ensure_allure,
    installed_version,
    strip_analytics,
)
from conformance.reporting.allure_env import CATEGORIES, write_categories, write_environment

ROOT = Path(__file__).parents[1]
DATA = Path(__file__).parent / "data"


def _fake_node(tmp_path: Path, version: str) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    node = bin_dir / "node"
    node.write_text(f"#!/bin/sh\necho {version}\n")
    node.chmod(0o755)
    return bin_dir


def test_install_script_pins_the_same_version():
    script = (ROOT / "scripts" / "install-allure.sh").read_text(encoding="utf-8")
    assert f'ALLURE_VERSION="{ALLURE_VERSION}"' in script
    assert 'npm install --prefix "${prefix}"' in script and '"allure@${ALLURE_VERSION}"' in script
    assert os.access(ROOT / "scripts" / "install-allure.sh", os.X_OK)


def test_missing_node_gives_the_install_hint(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no node anywhere
    with pytest.raises(AllureUnavailable) as info:
        ensure_allure(tmp_path)
    assert str(info.value) == NODE_MISSING
    assert "Node.js not found: install Node.js ≥ 20 (e.g. apt-get install nodejs npm)" in NODE_MISSING
    with pytest.raises(AllureUnavailable, match="Node.js not found"):
        build_allure_report(DATA, tmp_path / "out", project_root=tmp_path)


def test_old_node_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(_fake_node(tmp_path, "v18.19.0")))
    with pytest.raises(AllureUnavailable, match=r"Node.js v18.19.0 is too old: install Node.js ≥ 20.19"):
        ensure_allure(tmp_path)


def test_tool_not_installed_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(_fake_node(tmp_path, "v20.20.2")))
    with pytest.raises(AllureUnavailable) as info:
        ensure_allure(tmp_path)
    message = str(info.value)
    assert "Allure is not installed" in message and "scripts/install-allure.sh" in message and "\n" not in message
    # a different version installed counts as not installed
    pkg = tmp_path / ".tools" / "allure" / "node_modules" / "allure"
    pkg.mkdir(parents=True)
    (pkg / "package.json").write_text('{"name": "allure", "version": "3.0.0"}')
    assert installed_version(tmp_path) == "3.0.0"
    with pytest.raises(AllureUnavailable, match=r"allure 3.0.0 is installed .* install allure " + ALLURE_VERSION):
        ensure_allure(tmp_path)


def test_missing_results_dir(tmp_path):
    with pytest.raises(AllureUnavailable, match="Allure results directory not found"):
        build_allure_report(tmp_path / "nope", tmp_path / "out")


def test_config_groups_by_version_profile_section_and_carries_categories():
    config = allure_config("X")
    options = config["plugins"]["awesome"]["options"]
    assert options["groupBy"] == list(GROUP_BY) == ["parentSuite", "suite", "subSuite"]
    assert options["singleFile"] is True
    assert [c["name"] for c in config["categories"]] == [c["name"] for c in CATEGORIES]
    assert all("description" not in c for c in config["categories"])
    assert allure_config(single_file=False)["plugins"]["awesome"]["options"]["singleFile"] is False


def test_strip_analytics(tmp_path):
    page = tmp_path / "index.html"
    page.write_text(textwrap.dedent("""\
        <body><div id="app"></div>
        <script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
        <script>
            window.dataLayer = window.dataLayer || [];
            function gtag(){dataLayer.push(arguments);}
            gtag('config', 'G-1', {});
        </script>
        <script>window.allureReportData = {};</script></body>"""))
    strip_analytics(page)
    text = page.read_text()
    assert "googletagmanager" not in text and "gtag" not in text
    assert "window.allureReportData" in text and '<div id="app">' in text


# ---------------------------------------------------------------------------------------------- real build

_TINY = '''
import allure
import pytest


class Unreachable(Exception):
    pass


@allure.parent_suite("OCPP 1.6")
@allure.suite("core")
@allure.sub_suite("Cold Boot Charge Point")
@allure.id("TC_001_CS")
def test_cold_boot():
    pass


@allure.parent_suite("OCPP 1.6")
@allure.suite("core")
@allure.sub_suite("Core Profile - Remote actions Happy flow")
def test_remote_start():
    raise AssertionError("[schema] SCH-001 RemoteStartTransaction.conf: 'status' is a required property")


@allure.parent_suite("OCPP 2.0.1")
@allure.suite("B")
@allure.sub_suite("Provisioning")
def test_boot_201():
    raise Unreachable("[unreachable] charge point did not connect to ws://127.0.0.1:1/x")


@pytest.fixture
def available_connector():
    pytest.skip('inconclusive: precondition "connector 1 Available" not reached: ChangeAvailability Rejected')


@allure.parent_suite("OCPP 1.6")
@allure.suite("core")
@allure.sub_suite("Core Profile - Remote Actions Non-Happy Flow")
def test_remote_stop_rejected(available_connector):
    pass


@allure.parent_suite("OCPP 1.6")
@allure.suite("local_auth_list")
@allure.sub_suite("Local Authorization List")
def test_send_local_list():
    pytest.skip("IUT descriptor does not declare feature profile LocalAuthListManagement")
'''


@pytest.fixture(scope="module")
def allure_results(tmp_path_factory) -> Path:
    """A real allure-results directory from a tiny pytest run with allure-pytest."""
    work = tmp_path_factory.mktemp("allure-run")
    (work / "test_tiny.py").write_text(_TINY)
    results = work / "allure-results"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:ocpp_conformance",
         f"--alluredir={results}", "test_tiny.py", "-c", os.devnull],
        cwd=work, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # two cases fail on purpose
    summary = json.loads((DATA / "reports" / "summary.json").read_text(encoding="utf-8"))
    write_environment(results, summary)
    write_categories(results)
    return results


def _allure_or_skip() -> None:
    try:
        ensure_allure(ROOT)
    except AllureUnavailable as exc:
        pytest.skip(str(exc))


def test_build_single_file_report(allure_results, tmp_path):
    _allure_or_skip()
    out = tmp_path / "allure-report"
    out.mkdir()
    (out / "stale.txt").write_text("old")  # the output directory is replaced, not mixed
    index = build_allure_report(allure_results, out, project_root=ROOT, timeout=180)
    assert index == out / "index.html"
    assert not (out / "stale.txt").exists() and not (out / "data").exists()  # one file, opens from file://
    html = index.read_text(encoding="utf-8")
    assert "googletagmanager" not in html and "gtag(" not in html
    stats = json.loads((out / "summary.json").read_text(encoding="utf-8"))["stats"]
    assert stats == {"total": 5, "passed": 1, "failed": 1, "broken": 1, "skipped": 2}


def test_build_multi_file_report_groups_and_categorises(allure_results, tmp_path):
    _allure_or_skip()
    index = build_allure_report(allure_results, tmp_path / "site", project_root=ROOT, single_file=False,
                                timeout=180)
    widgets = index.parent / "widgets"
    tree = json.loads((widgets / "tree.json").read_text(encoding="utf-8"))
    names = {g["name"] for g in tree["groupsById"].values()}
    assert {"OCPP 1.6", "core", "Cold Boot Charge Point", "OCPP 2.0.1", "Provisioning"} <= names
    roots = [tree["groupsById"][g]["name"] for g in tree["root"]["groups"]]
    assert sorted(roots) == ["OCPP 1.6", "OCPP 2.0.1"]
    categories = json.loads((widgets / "categories.json").read_text(encoding="utf-8"))
    found = {n["name"] for n in categories["nodes"].values() if n.get("type") == "category"}
    assert {"Schema violation", "IUT unreachable", "Inconclusive (precondition not reached)"} <= found
    # the inconclusive case is in its category, the not-applicable one (also skipped) is not
    category = next(n for n in categories["nodes"].values()
                    if n.get("name") == "Inconclusive (precondition not reached)")
    messages = [categories["nodes"][m] for m in category["childrenIds"]]
    assert [m["name"] for m in messages] == [
        'Skipped: inconclusive: precondition "connector 1 Available" not reached: ChangeAvailability Rejected']
    assert [categories["nodes"][t]["name"] for t in messages[0]["childrenIds"]] == ["test_remote_stop_rejected"]
    env = json.loads((widgets / "allure_environment.json").read_text(encoding="utf-8"))
    flat = json.dumps(env)
    assert "ACME Energy" in flat and "W22-000417" in flat


def test_allure_failure_is_one_line(allure_results, tmp_path):
    _allure_or_skip()
    broken = tmp_path / "cli.js"
    broken.write_text("console.error('boom: something went wrong'); process.exit(3);\n")
    with pytest.raises(AllureUnavailable) as info:
        build_allure_report(allure_results, tmp_path / "out", allure=broken)
    assert re.fullmatch(r"Allure report generation failed \(exit 3\): boom: something went wrong", str(info.value))
