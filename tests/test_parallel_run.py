"""`ocpp-conformance run` with several IUTs: one process per IUT descriptor (at most --jobs at a time), the output of
each behind its name, the parts merged into one report directory, the exit code from the merged verdicts; and when
the IUTs run one after the other in one process instead."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from conformance.cli import _parallel_plan, build_parser
from conformance.reporting.summary import validate_summary
from tests.suite_runner import ROOT, descriptor_data, run_suite

REF_CP = ROOT / "fixtures" / "iut" / "reference-charge-point.yaml"
REF_CSMS = ROOT / "fixtures" / "iut" / "reference-csms.yaml"


def _plan(*argv: str) -> object:
    return _parallel_plan(build_parser().parse_args(["run", *argv]))


def _descriptor(tmp_path: Path, name: str, **changes: object) -> str:
    data = descriptor_data(REF_CP)
    data["name"] = name
    for key, value in changes.items():
        data[key] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def test_without_iut_the_reference_simulators_cases_are_shared_out_among_processes() -> None:
    from conformance.cli import SHARE_CASES, located_cases

    plan = _plan()
    by_descriptor: dict[str, list[str]] = {}
    for name, path, cases in plan:
        assert cases, f"{name} has no share"
        assert len(cases) <= SHARE_CASES, f"{name} holds {len(cases)} cases"
        by_descriptor.setdefault(path, []).extend(cases)
    assert {Path(p).name for p in by_descriptor} >= {REF_CP.name, REF_CSMS.name}
    for path, cases in by_descriptor.items():
        assert len(cases) == len(set(cases)), f"{path}: a case in two shares"
    cp_cases = {info.id for info, _, _ in located_cases() if str(info.sut) in ("charge_point", "None")}
    shared = {c for path, cases in by_descriptor.items() if "charge-point" in path or "charging-station" in path
              for c in cases}
    assert cp_cases <= shared | {c for c in cp_cases if c.startswith("OCPPJ_")}, sorted(cp_cases - shared)[:5]


def test_a_real_iut_is_one_part_with_the_runs_own_selection() -> None:
    assert _plan("--iut", str(REF_CP), "--iut", str(REF_CSMS), "--case", "TC_001") == [
        ("reference-charge-point", str(REF_CP), None), ("reference-csms", str(REF_CSMS), None)]


def test_an_iut_none_of_whose_cases_is_selected_gets_no_process() -> None:
    assert _plan("--case", "TC_001_CS") == ""  # one share of one simulator: it runs in this process
    assert _plan("--iut", str(REF_CP), "--iut", str(REF_CSMS), "--case", "TC_001_CS") == ""
    assert _plan("--case", "TC_001_CSMS", "--exclude", "TC_001") == ""  # nothing selected: the run says so


def test_jobs_1_runs_the_iuts_one_after_the_other_in_this_process() -> None:
    assert _plan("--jobs", "1") == ""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--jobs", "0"])


def test_iuts_that_cannot_run_side_by_side_run_one_after_the_other(tmp_path: Path) -> None:
    manual = _descriptor(tmp_path, "bench-charger", driver={"type": "manual"})
    assert "manual driver" in _plan("--iut", manual, "--iut", str(REF_CSMS))
    listen = {"host": "127.0.0.1", "port": 9000, "path": "/ocpp"}
    one, two = _descriptor(tmp_path, "charger-a", listen=listen), _descriptor(tmp_path, "charger-b", listen=listen)
    assert "listen on port 9000" in _plan("--iut", one, "--iut", two)
    # a mistake in a descriptor is reported by the run itself, in its usual words
    assert _plan("--iut", str(tmp_path / "missing.yaml"), "--iut", str(REF_CSMS)) == ""
    assert _plan("--iut", str(REF_CP), "--iut", str(REF_CP)) == ""


def test_a_parallel_run_merges_its_parts_into_one_report_directory(tmp_path: Path) -> None:
    code, summary, output = run_suite(tmp_path, "--case", "TC_001")
    assert code == 0, output[-4000:]
    assert validate_summary(summary) == []
    assert {(c["iut"], c["id"], c["verdict"]) for c in summary["cases"]} == {
        ("reference-charge-point", "TC_001_CS", "passed"), ("reference-csms", "TC_001_CSMS", "passed")}
    assert summary["run"]["interrupted"] is False
    assert [i["name"] for i in summary["iuts"]] == ["reference-charge-point", "reference-csms"]
    for iut in ("reference-charge-point", "reference-csms"):
        part = json.loads((tmp_path / "parts" / iut / "summary.json").read_text(encoding="utf-8"))
        assert [c["iut"] for c in part["cases"]] == [iut]
        assert any(line.startswith(f"[{iut}] passed ") for line in output.splitlines()), output
    assert (tmp_path / "wire" / "reference-charge-point" / "TC_001_CS.jsonl").is_file()
    assert (tmp_path / "wire" / "reference-csms" / "TC_001_CSMS.jsonl").is_file()
    suites = ET.parse(tmp_path / "junit.xml").getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == ["reference-charge-point", "reference-csms"]
    assert "2 implementations under test" in (tmp_path / "conformance-report.html").read_text(encoding="utf-8")


def test_one_process_for_all_iuts_with_jobs_1(tmp_path: Path) -> None:
    code, summary, output = run_suite(tmp_path, "--case", "TC_001", "--jobs", "1")
    assert code == 0, output[-4000:]
    assert {(c["iut"], c["id"]) for c in summary["cases"]} == {
        ("reference-charge-point", "TC_001_CS"), ("reference-csms", "TC_001_CSMS")}
    assert not (tmp_path / "parts").exists()
    assert not any(line.startswith("[reference-") for line in output.splitlines())


def test_the_exit_code_comes_from_the_merged_verdicts(tmp_path: Path) -> None:
    # the fault breaks the reference CSMS only: one part fails, the other passes
    code, summary, output = run_suite(tmp_path / "a", "--case", "TC_001", "--sim-fault", "currenttime-skewed")
    assert code == 1, output[-4000:]
    assert {c["id"]: c["verdict"] for c in summary["cases"]} == {"TC_001_CS": "passed", "TC_001_CSMS": "failed"}
    code, _, output = run_suite(tmp_path / "b", "--case", "TC_001", "--sim-fault", "currenttime-skewed",
                                "--fail-on", "broken")
    assert code == 0, output[-4000:]


def test_a_mistake_in_the_options_is_said_once(tmp_path: Path) -> None:
    code, summary, output = run_suite(tmp_path, "--case", "TC_001", "--sim-fault", "no-such-fault")
    assert code == 4 and not summary
    assert output.count("no-such-fault") == 1, output
    assert output.startswith("ERROR: --sim-fault: "), output


def test_the_parts_of_an_earlier_run_are_removed_and_nothing_else(tmp_path: Path) -> None:
    from conformance.parallel_run import clear_parts

    old = tmp_path / "parts" / "reference-csms"
    (old / "wire" / "reference-csms").mkdir(parents=True)
    (old / "summary.json").write_text("{}", encoding="utf-8")
    clear_parts(tmp_path)
    assert not (tmp_path / "parts").exists()
    mine = tmp_path / "parts" / "drawings"
    mine.mkdir(parents=True)
    (mine / "plan.svg").write_text("<svg/>", encoding="utf-8")
    clear_parts(tmp_path)
    assert (mine / "plan.svg").is_file()
