"""Loopback runs against the reference CSMS with descriptors that use what a real CSMS may need: the identity in
the middle of the endpoint's path (`{identity}`), and test data declared absent (null)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conformance.ocpp16.simulators.csms import ReferenceCsms
from tests.suite_runner import ROOT, run_suite, verdicts

REFERENCE_CSMS = ROOT / "fixtures/iut/reference-csms.yaml"


def _descriptor(folder: Path, **changes: object) -> Path:
    data = yaml.safe_load(REFERENCE_CSMS.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        target = data
        for name in parents:
            target = target[name]
        target[key] = value
    path = folder / "csms.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_reference_csms_serves_a_path_with_the_identity_inside() -> None:
    csms = ReferenceCsms(path="/ws/ocpp/{identity}/")
    assert csms._identity_from_path("/ws/ocpp/CP%7C1/") == "CP|1"
    assert csms._identity_from_path("/ws/ocpp/CP1/?x=1") == "CP1"
    for wrong in ("/ws/ocpp/CP1", "/ws/ocpp//", "/ws/ocpp/a/b/", "/ocpp/CP1/"):
        assert csms._identity_from_path(wrong) is None, wrong
    assert ReferenceCsms(path="/ocpp/")._identity_from_path("/ocpp/CP1") == "CP1"


def test_csms_cases_pass_with_the_identity_in_the_middle_of_the_endpoint(tmp_path: Path) -> None:
    # core only: TC_088_CSMS (subprotocol negotiation is OCPP-J) runs for a CSMS that does not declare security
    iut = _descriptor(tmp_path, endpoint="ws://127.0.0.1:0/ws/ocpp/{identity}/", features=["core"])
    code, summary, output = run_suite(tmp_path / "report", "--iut", str(iut), "--case", "TC_001_CSMS",
                                      "--case", "TC_088_CSMS", "--case", "TC_003_CSMS")
    got = {case_id: c["verdict"] for (_, case_id), c in verdicts(summary).items()}
    assert got == {"TC_001_CSMS": "passed", "TC_088_CSMS": "passed", "TC_003_CSMS": "passed"}, output[-3000:]
    assert code == 0
    endpoint = summary["iuts"][0]["endpoint"]
    assert re.fullmatch(r"ws://127\.0\.0\.1:\d+/ws/ocpp/REFCP002/", endpoint), endpoint
    wire = (tmp_path / "report" / "wire" / "reference-csms" / "TC_001_CSMS.txt").read_text(encoding="utf-8")
    assert endpoint in wire  # the suite connected there, and the CSMS accepted it (it answers 404 elsewhere)


@pytest.fixture(scope="module")
def absent_data_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("absent")
    iut = _descriptor(folder, id_tags__blocked=None, id_tags__expired=None, configuration__unsupported_key=None,
                      features=["core", "reservation"])
    code, summary, output = run_suite(folder / "report", "--iut", str(iut), "--case", "TC_023_1_CSMS",
                                      "--case", "TC_023_2_CSMS", "--case", "TC_023_3_CSMS", "--case", "TC_040_1_CSMS")
    return {"code": code, "cases": {case_id: c for (_, case_id), c in verdicts(summary).items()}, "output": output,
            "summary": summary}


def test_cases_needing_absent_data_are_not_applicable_with_the_reason(absent_data_run: dict) -> None:
    cases = absent_data_run["cases"]
    assert cases["TC_023_1_CSMS"]["verdict"] == "passed", absent_data_run["output"][-3000:]  # the invalid tag is there
    reasons = {
        "TC_023_2_CSMS": "the IUT descriptor declares no expired id tag (id_tags.expired: null)",
        "TC_023_3_CSMS": "the IUT descriptor declares no blocked id tag (id_tags.blocked: null)",
        "TC_040_1_CSMS": "the IUT descriptor declares no unsupported configuration key (configuration.unsupported_key: null)",
    }
    for case_id, reason in reasons.items():
        assert (cases[case_id]["verdict"], cases[case_id]["message"]) == ("not_applicable", reason)
    assert absent_data_run["code"] == 0


def test_declarations_no_selected_case_uses_are_noted_once_at_the_start(absent_data_run: dict) -> None:
    output = absent_data_run["output"]
    notes = [line for line in output.splitlines() if line.startswith("note:")]
    assert notes == [
        "note: reference-csms declares feature 'reservation', but no selected case belongs to it",
        "note: reference-csms declares id_tags.valid_2, id_tags.parent, but no selected case uses them",
    ], output[-3000:]
    assert output.index(notes[-1]) < output.index("ocpp-conformance verdicts")
    assert absent_data_run["summary"]["run"]["notes"] == notes
