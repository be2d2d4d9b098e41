"""pytester runs of the pytest plugin: options and their ini twins, selection by role and ID, not applicable,
verdict mapping and the one-line error for a bad descriptor."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.suite_runner import descriptor_data

ROOT = Path(__file__).resolve().parent.parent
REF_CP = ROOT / "fixtures" / "iut" / "reference-charge-point.yaml"

INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = session
asyncio_default_test_loop_scope = session
"""

CASES = '''
from conformance import case, warn

SECTION = "Plugin checks"


@case("TC_901_CS", "passes", spec="s", requirement="A case that meets every expectation passes.")
async def test_passes(booted):
    await booted.call("GetConfiguration", {"key": ["HeartbeatInterval"]})


@case("TC_902_CS", "fails on timing", spec="s", requirement="A plain assertion with a category fails the case.")
async def test_fails(booted):
    assert False, "[timing] interval too long"


@case("TC_903_CS", "breaks", spec="s", requirement="An exception of the suite makes the case broken.")
async def test_breaks(booted):
    raise RuntimeError("the suite tripped")


@case("TC_904_CS", "warns", spec="s", requirement="A SHOULD-level finding gives pass with warnings.")
async def test_warns(booted):
    warn("BEH-010a", "a SHOULD rule was not followed")
'''

OTHER_PROFILE = '''
from conformance import case

SECTION = "Reservation"


@case("TC_905_CS", "needs reservation", spec="s", requirement="A case of an undeclared profile is not applicable.")
async def test_reservation(booted):
    pass
'''

CSMS_CASE = '''
from conformance import case

SECTION = "x"


@case("TC_906_CSMS", "for a CSMS", spec="s", requirement="A CSMS case never runs against a charge point.")
async def test_csms(csms):
    pass
'''


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".ini", pytest=INI)
    base = pytester.path / "profiles" / "ocpp16"
    for rel, text in (("core/charge_point/test_plugin_cases.py", CASES),
                      ("reservation/charge_point/test_plugin_reservation.py", OTHER_PROFILE),
                      ("core/csms/test_plugin_csms.py", CSMS_CASE)):
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return pytester


def _summary(pytester: pytest.Pytester) -> dict:
    return json.loads((pytester.path / "out" / "summary.json").read_text(encoding="utf-8"))


def _verdicts(pytester: pytest.Pytester) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in _summary(pytester)["cases"]}


def test_verdicts_selection_and_not_applicable(project: pytest.Pytester) -> None:
    without_reservation = descriptor_data(REF_CP)
    without_reservation["features"] = [f for f in without_reservation["features"] if f != "reservation"]
    descriptor = project.path / "cp-without-reservation.yaml"
    descriptor.write_text(yaml.safe_dump(without_reservation), encoding="utf-8")
    result = project.runpytest_subprocess("profiles", "--iut", str(descriptor), "--report-dir", "out",
                                          "--import-mode=importlib")
    assert _verdicts(project) == {
        "TC_901_CS": "passed",
        "TC_902_CS": "failed",
        "TC_903_CS": "broken",
        "TC_904_CS": "passed_with_warnings",
        "TC_905_CS": "not_applicable",
    }
    cases = {c["id"]: c for c in _summary(project)["cases"]}
    assert cases["TC_902_CS"]["category"] == "timing" and cases["TC_902_CS"]["message"] == "interval too long"
    assert "does not declare the feature profile 'reservation'" in cases["TC_905_CS"]["message"]
    assert "RuntimeError: the suite tripped" in cases["TC_903_CS"]["message"]
    assert all(c["wire_log"] and (project.path / "out" / c["wire_log"]).is_file()
               for c in cases.values() if c["verdict"] != "not_applicable")
    result.stdout.fnmatch_lines(["*1 deselected*"])  # the CSMS case, for the other role


def test_strict_turns_warnings_into_failures(project: pytest.Pytester) -> None:
    project.runpytest_subprocess("profiles", "--iut", str(REF_CP), "--report-dir", "out", "--ocpp-strict",
                                 "--case", "TC_904", "--import-mode=importlib")
    assert _verdicts(project) == {"TC_904_CS": "failed"}


def test_ini_twins(project: pytest.Pytester) -> None:
    project.makefile(".ini", pytest=INI + f"ocpp_iut = {REF_CP}\nocpp_case = TC_901\nocpp_report_dir = out\n")
    project.runpytest_subprocess("profiles", "--import-mode=importlib")
    assert _verdicts(project) == {"TC_901_CS": "passed"}


def test_exclude_by_prefix(project: pytest.Pytester) -> None:
    project.runpytest_subprocess("profiles", "--iut", str(REF_CP), "--report-dir", "out", "--exclude", "TC_90",
                                 "--case", "TC_9", "--import-mode=importlib")
    assert not (project.path / "out" / "summary.json").exists()


def test_bad_descriptor_is_one_clear_line(project: pytest.Pytester) -> None:
    bad = project.path / "bad.yaml"
    bad.write_text("name: x\nsut: charge_point\nocpp_version: '1.6'\nidentity: CP1\nlisten: {port: 9000}\ntimeouts: {response: -1}\n")
    result = project.runpytest_subprocess("profiles", "--iut", str(bad), "--import-mode=importlib")
    errors = [line for line in result.stderr.lines if "bad.yaml" in line]
    assert len(errors) == 1 and "timeouts.response" in errors[0], result.stderr.str()
    assert "Traceback" not in result.stderr.str()


def test_waiver_file_turns_a_known_failure_into_waived_until_it_expires(project: pytest.Pytester) -> None:
    (project.path / "waivers.yaml").write_text(
        "- {case: TC_902_CS, reason: known timing deviation, expires: 2999-01-01}\n"
        "- {case: TC_903_CS, reason: an expired waiver does not apply, expires: 2000-01-01}\n", encoding="utf-8")
    project.runpytest_subprocess("profiles", "--iut", str(REF_CP), "--report-dir", "out", "--waivers", "waivers.yaml",
                                 "--case", "TC_902", "--import-mode=importlib")
    cases = {c["id"]: c for c in _summary(project)["cases"]}
    assert cases["TC_902_CS"]["verdict"] == "waived"
    assert cases["TC_902_CS"]["waiver"]["reason"] == "known timing deviation"


def test_expired_waiver_is_a_failure_again(project: pytest.Pytester) -> None:
    (project.path / "waivers.yaml").write_text(
        "- {case: TC_902_CS, reason: fixed in 4.3, expires: 2000-01-01}\n", encoding="utf-8")
    project.runpytest_subprocess("profiles", "--iut", str(REF_CP), "--report-dir", "out", "--waivers", "waivers.yaml",
                                 "--case", "TC_902", "--import-mode=importlib")
    case = _summary(project)["cases"][0]
    assert case["verdict"] == "failed" and case["waiver"]["expired"] is True


def test_bad_waiver_file_is_one_clear_line(project: pytest.Pytester) -> None:
    (project.path / "waivers.yaml").write_text("- {case: TC_902_CS}\n", encoding="utf-8")
    result = project.runpytest_subprocess("profiles", "--iut", str(REF_CP), "--waivers", "waivers.yaml",
                                          "--import-mode=importlib")
    assert "Traceback" not in result.stderr.str()
    assert any("waivers.yaml" in line and "reason" in line for line in result.stderr.lines), result.stderr.str()


def test_unknown_fault_is_one_clear_line(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("profiles", "--iut", str(REF_CP), "--sim-fault", "no-such-fault",
                                          "--import-mode=importlib")
    errors = [line for line in result.stderr.lines if "no-such-fault" in line]
    assert len(errors) == 1 and "known:" in errors[0], result.stderr.str()
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


NEEDS_CASES = '''
from conformance import case

SECTION = "Optional test data"


@case("TC_907_CS", "declares the data it reads", spec="s", requirement="A case that declares the blocked tag gets it.",
      needs=("id_tags.blocked",))
async def test_declared(id_tags):
    assert id_tags.blocked == "CONFBLOCKED"


@case("TC_908_CS", "forgets to declare it", spec="s", requirement="Reading optional data without needs is a suite error.")
async def test_undeclared(id_tags):
    assert id_tags.blocked
'''


@pytest.fixture
def needs_project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".ini", pytest=INI)
    path = pytester.path / "profiles" / "ocpp16" / "core" / "charge_point" / "test_plugin_needs.py"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(NEEDS_CASES), encoding="utf-8")
    return pytester


def test_a_case_reading_optional_data_it_does_not_declare_is_broken(needs_project: pytest.Pytester) -> None:
    needs_project.runpytest_subprocess("profiles", "--iut", str(REF_CP), "--report-dir", "out", "--import-mode=importlib")
    cases = {c["id"]: c for c in _summary(needs_project)["cases"]}
    assert cases["TC_907_CS"]["verdict"] == "passed", cases["TC_907_CS"]["message"]
    assert cases["TC_908_CS"]["verdict"] == "broken" and cases["TC_908_CS"]["category"] == "suite"
    assert cases["TC_908_CS"]["message"] == ("TC_908_CS reads id_tags.blocked, which an IUT descriptor may declare absent, "
                                            "but its @case does not declare it — add 'id_tags.blocked' to the case's needs=(...)")


def test_absent_data_makes_the_case_not_applicable_and_unused_declarations_are_noted(needs_project: pytest.Pytester) -> None:
    data = descriptor_data(REF_CP)
    data["security"].pop("firmware_image")  # a path relative to fixtures/iut/, not to this copy
    data["id_tags"]["blocked"] = None
    data["features"] = ["core", "reservation"]
    data["configuration"]["read_only_key"] = None
    data.pop("file_transfer")  # its firmware images would be noted as unused declarations too
    (needs_project.path / "iut.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = needs_project.runpytest_subprocess("profiles", "--iut", "iut.yaml", "--report-dir", "out",
                                                "--case", "TC_907", "--import-mode=importlib")
    case = _summary(needs_project)["cases"][0]
    assert (case["id"], case["verdict"]) == ("TC_907_CS", "not_applicable")
    assert case["message"] == "the IUT descriptor declares no blocked id tag (id_tags.blocked: null)"
    feature_note = "note: reference-charge-point declares feature 'reservation', but no selected case belongs to it"
    data_note = ("note: reference-charge-point declares id_tags.valid_2, id_tags.invalid, id_tags.expired, id_tags.parent, "
                 "configuration.unsupported_key, but no selected case uses them")
    lines = result.stdout.lines
    assert lines.count(feature_note) == 1 and lines.count(data_note) == 1, result.stdout.str()
    assert not [line for line in lines if line.startswith("note:") and line not in (feature_note, data_note)]
    assert lines.index(feature_note) < next(i for i, line in enumerate(lines) if "ocpp-conformance verdicts" in line)
    assert _summary(needs_project)["run"]["notes"] == [feature_note, data_note]
