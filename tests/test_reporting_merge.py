"""Self-tests of conformance.reporting.merge: one report from the report directories of parallel runs."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.reporting import ReportError
from conformance.reporting.merge import merge_junit, merge_report_dirs, merge_summaries
from conformance.reporting.summary import load_summary, validate_summary, verdict_totals, write_summary

DATA = Path(__file__).parent / "data"
ARGV = ["ocpp-conformance", "run", "--report-dir", "reports"]
CP, VOLT = "reference-charge-point", "volt-cp"

# As pytest writes it: <testsuites> around one <testsuite>; the inconclusive case is a skip with its reason.
JUNIT_CP = """<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">
<testsuite name="pytest" errors="0" failures="1" skipped="1" tests="3" time="12.5" hostname="ci">
<testcase classname="core" name="test_tc_001_cs" time="1.8"/>
<testcase classname="core" name="test_tc_010_cs" time="31.2"><failure message="[schema] SCH-001">x</failure></testcase>
<testcase classname="core" name="test_tc_028_cs" time="12.0"><skipped type="pytest.skip"
 message="inconclusive: precondition &quot;connector 1 Available&quot; not reached">y</skipped></testcase>
</testsuite></testsuites>"""
# A bare <testsuite> whose counts are wrong: the merge counts the test cases itself.
JUNIT_VOLT = """<testsuite name="pytest" errors="5" failures="5" skipped="5" tests="99" time="3.0">
<testcase classname="core" name="test_tc_001_cs" time="1.0"/>
<testcase classname="core" name="test_tc_010_cs" time="2.0"><error message="[unreachable] gone">z</error></testcase>
</testsuite>"""


def _summary_cp() -> dict:
    return load_summary(DATA / "reports" / "summary.json")


def _summary_volt() -> dict:
    summary = load_summary(DATA / "summary_other_iut.json")
    summary["run"].update(started="2026-11-21T10:00:05.000Z", finished="2026-11-21T10:03:00.250Z", duration_s=175.25,
                          argv=["ocpp-conformance", "run", "--iut", "volt.yaml"], host="elsewhere")
    return summary


def _part(root: Path, name: str, summary: dict | None, junit: str | None, results: dict[str, str]) -> Path:
    """A report directory as one run writes it."""
    part = root / name
    if name == CP:
        shutil.copytree(DATA / "reports", part)  # summary.json and the wire logs it names
    part.mkdir(parents=True, exist_ok=True)
    if summary is not None:
        write_summary(part, summary)
    else:
        (part / "summary.json").unlink(missing_ok=True)
    if junit is not None:
        (part / "junit.xml").write_text(junit, encoding="utf-8")
    allure = part / "allure-results"
    allure.mkdir(exist_ok=True)
    for file_name, text in results.items():
        (allure / file_name).write_text(text, encoding="utf-8")
    (allure / "environment.properties").write_text(f"IUT.name={name}\n", encoding="ascii")
    (allure / "categories.json").write_text("[]\n", encoding="utf-8")
    wire = part / "wire" / name
    wire.mkdir(parents=True, exist_ok=True)
    (wire / "extra.txt").write_text(f"wire of {name}\n", encoding="utf-8")
    return part


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    return [
        _part(tmp_path / "parts", CP, _summary_cp(), JUNIT_CP,
              {"0b9e-result.json": '{"name": "cold boot"}', "0b9e-attachment.txt": "wire log"}),
        _part(tmp_path / "parts", VOLT, _summary_volt(), JUNIT_VOLT, {"77aa-result.json": '{"name": "volt"}'}),
    ]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------- summaries


def test_merged_summary_spans_the_runs_and_keeps_their_order():
    cp, volt = _summary_cp(), _summary_volt()
    merged = merge_summaries([cp, volt], ARGV)
    assert validate_summary(merged) == []
    run = merged["run"]
    assert (run["started"], run["finished"], run["duration_s"]) == (
        "2026-11-21T10:00:00.000Z", "2026-11-21T10:03:00.250Z", 180.25)  # wall clock, not the sum of the parts
    assert run["argv"] == ARGV
    assert (run["host"], run["python"], run["strict"]) == ("ci-runner-3", "3.11.7", False)
    assert [i["name"] for i in merged["iuts"]] == [CP, VOLT]
    assert [(c["iut"], c["id"]) for c in merged["cases"]] == (
        [(CP, c["id"]) for c in cp["cases"]] + [(VOLT, c["id"]) for c in volt["cases"]])  # as they ran
    assert merged["totals"] == verdict_totals(merged["cases"])
    assert merged["totals"]["inconclusive"] == 1 and merged["totals"]["failed"] == 5
    inconclusive = next(c for c in merged["cases"] if c["verdict"] == "inconclusive")
    assert inconclusive == next(c for c in cp["cases"] if c["verdict"] == "inconclusive")
    assert inconclusive["explained_by"]["case"] == "TC_026_CS"
    # the parts are not changed
    assert cp == _summary_cp() and volt == _summary_volt()


def test_merged_order_is_the_order_of_the_parts_and_times_compare_across_offsets():
    cp, volt = _summary_cp(), _summary_volt()
    volt["run"]["started"] = "2026-11-21T11:59:00+02:00"  # 09:59 UTC: earlier than the other part
    merged = merge_summaries([volt, cp], ARGV)
    assert [i["name"] for i in merged["iuts"]] == [VOLT, CP]
    assert merged["cases"][0]["iut"] == VOLT and merged["cases"][-1]["iut"] == CP
    assert merged["run"]["started"] == "2026-11-21T11:59:00+02:00"
    assert merged["run"]["duration_s"] == 240.25
    assert merged["run"]["host"] == "elsewhere"  # from the first part given


def test_schema_errata_are_listed_once():
    cp, volt = _summary_cp(), _summary_volt()
    one = {"version": "1.6", "schema": "StopTransaction.req", "reason": "a", "source": "x", "file": "f1"}
    two = {"version": "1.6", "schema": "MeterValues.req", "reason": "b", "source": "y", "file": "f2"}
    three = {"version": "2.0.1", "schema": "BootNotificationRequest", "reason": "c", "source": "z", "file": "f3"}
    cp["run"]["schema_errata"] = [one, two]
    volt["run"]["schema_errata"] = [dict(reversed(list(two.items()))), three]  # same erratum, other key order
    assert merge_summaries([cp, volt], ARGV)["run"]["schema_errata"] == [one, two, three]
    del cp["run"]["schema_errata"], volt["run"]["schema_errata"]
    assert "schema_errata" not in merge_summaries([cp, volt], ARGV)["run"]


def _same_case_of_the_same_iut(summary: dict) -> None:
    summary["iuts"][0]["name"] = CP
    for case in summary["cases"]:
        case["iut"] = CP
    summary["cases"][0]["id"] = _summary_cp()["cases"][0]["id"]


def test_one_iut_may_be_shared_out_among_parts_when_their_cases_differ():
    cp, volt = _summary_cp(), _summary_volt()
    _same_iut_other_cases = volt
    _same_iut_other_cases["iuts"][0]["name"] = CP
    for number, case in enumerate(_same_iut_other_cases["cases"]):
        case["iut"], case["id"] = CP, f"TC_9{number:02d}_CS"  # cases the other part did not run
    merged = merge_summaries([cp, _same_iut_other_cases], ARGV)
    assert [i["name"] for i in merged["iuts"]] == [CP]
    assert len(merged["cases"]) == len(cp["cases"]) + len(volt["cases"])


@pytest.mark.parametrize(
    "spoil, expected",
    [
        (_same_case_of_the_same_iut, f"second: case {_summary_cp()['cases'][0]['id']} of IUT {CP} is also in first; "
                                     "each case of an IUT must be run by one part only"),
        (lambda s: s["suite"].update(version="0.2.0"),
         "second: written by ocpp-conformance 0.2.0, first by ocpp-conformance 0.1.0; the parts of one run come "
         "from one suite"),
        (lambda s: s["run"].update(strict=True),
         "second: strict mode True, first: False; the parts of one run share it"),
        (lambda s: s["cases"][0].update(verdict="ok"),
         "second: summary does not match the summary schema: cases/0/verdict: 'ok' is not one of"),
        (lambda s: s.update(format=2), "second: summary format 2 is not 1"),
        (lambda s: s["run"].update(finished="yesterday"),
         "second: run.finished 'yesterday' is not an ISO 8601 time"),
    ],
)
def test_parts_that_do_not_fit_are_a_one_line_error_naming_the_part(spoil, expected):
    volt = _summary_volt()
    spoil(volt)
    with pytest.raises(ReportError) as info:
        merge_summaries([_summary_cp(), volt], ARGV, labels=["first", "second"])
    assert str(info.value).startswith(expected) and "\n" not in str(info.value)


def test_merge_summaries_needs_parts_and_one_label_each():
    with pytest.raises(ReportError, match="no summaries to merge"):
        merge_summaries([], ARGV)
    with pytest.raises(ReportError, match="1 label"):
        merge_summaries([_summary_cp(), _summary_volt()], ARGV, labels=["only"])
    with pytest.raises(ReportError, match="^part 2: "):  # default labels
        merge_summaries([_summary_cp(), _summary_cp()], ARGV)


# ---------------------------------------------------------------------------------------------- JUnit


def _counts(element: ET.Element) -> dict[str, str]:
    return {k: element.get(k) for k in ("tests", "failures", "errors", "skipped")}


def test_merge_junit_keeps_every_suite_and_counts_right(tmp_path):
    (tmp_path / "a.xml").write_text(JUNIT_CP, encoding="utf-8")
    (tmp_path / "b.xml").write_text(JUNIT_VOLT, encoding="utf-8")
    out = merge_junit([tmp_path / "a.xml", tmp_path / "b.xml"], tmp_path / "out" / "junit.xml", suite_names=[CP, VOLT])
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    assert _counts(root) == {"tests": "5", "failures": "1", "errors": "1", "skipped": "1"}
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [CP, VOLT]
    assert _counts(suites[0]) == {"tests": "3", "failures": "1", "errors": "0", "skipped": "1"}
    assert _counts(suites[1]) == {"tests": "2", "failures": "0", "errors": "1", "skipped": "0"}
    assert suites[0].get("hostname") == "ci" and suites[1].get("time") == "3.0"  # other attributes kept
    skipped = suites[0].find("testcase[@name='test_tc_028_cs']/skipped")
    assert skipped.get("message") == 'inconclusive: precondition "connector 1 Available" not reached'
    assert out.read_bytes().startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    # without names the suites keep theirs
    names = [s.get("name") for s in ET.parse(merge_junit([tmp_path / "a.xml"], tmp_path / "x.xml")).getroot()]
    assert names == ["pytest"]


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "JUnit file not found"),
        ("<testsuites><testsuite>", "not a well-formed XML file"),
        ("<html/>", "not a JUnit file (root element <html>"),
    ],
)
def test_merge_junit_errors_name_the_file_and_write_nothing(tmp_path, content, expected):
    (tmp_path / "a.xml").write_text(JUNIT_CP, encoding="utf-8")
    bad = tmp_path / "bad.xml"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    with pytest.raises(ReportError) as info:
        merge_junit([tmp_path / "a.xml", bad], tmp_path / "out.xml")
    assert str(info.value).startswith(f"{bad}: {expected}") and "\n" not in str(info.value)
    assert not (tmp_path / "out.xml").exists()


# ---------------------------------------------------------------------------------------------- directories


def test_merge_report_dirs_writes_one_complete_report(tmp_path, parts):
    into = tmp_path / "reports"
    assert merge_report_dirs(parts, into, ARGV) == []

    summary = load_summary(into / "summary.json")
    assert summary == merge_summaries([load_summary(p) for p in parts], ARGV, labels=[str(p) for p in parts])
    assert validate_summary(summary) == []

    junit = ET.parse(into / "junit.xml").getroot()
    assert [s.get("name") for s in junit.findall("testsuite")] == [CP, VOLT]
    assert _counts(junit) == {"tests": "5", "failures": "1", "errors": "1", "skipped": "1"}

    results = into / "allure-results"
    assert {p.name for p in results.iterdir()} == {
        "0b9e-result.json", "0b9e-attachment.txt", "77aa-result.json", "environment.properties", "categories.json"}
    environment = (results / "environment.properties").read_text(encoding="ascii")
    assert f"{CP}.IUT.vendor=ACME Energy" in environment and f"{VOLT}.IUT.firmware=7.0.0-rc2" in environment
    categories = json.loads((results / "categories.json").read_text(encoding="utf-8"))
    assert "Inconclusive (precondition not reached)" in [c["name"] for c in categories]

    assert (into / "wire" / CP / "TC_028_CS.jsonl").is_file() and (into / "wire" / VOLT / "extra.txt").is_file()
    html = (into / "conformance-report.html").read_text(encoding="utf-8")
    assert "2 implementations under test" in html and "not found" not in html  # every wire log came along
    assert f'class="explained-by" href="#case-{CP}-TC_026_CS"' in html


def test_merging_again_gives_the_same_directory(tmp_path, parts):
    into = tmp_path / "reports"
    assert merge_report_dirs(parts, into, ARGV) == []
    first = _tree(into)
    assert merge_report_dirs(parts, into, ARGV) == []
    second = _tree(into)
    assert first.keys() == second.keys()
    # the HTML report states when it was generated; everything else is the same to the byte
    assert {k: v for k, v in first.items() if k != "conformance-report.html"} == {
        k: v for k, v in second.items() if k != "conformance-report.html"}


def test_a_part_whose_process_died_is_named_and_the_others_are_merged(tmp_path, parts):
    into = tmp_path / "reports"
    assert merge_report_dirs(parts, into, ARGV) == []
    (parts[1] / "summary.json").unlink()  # the volt-cp process died before writing its summary
    problems = merge_report_dirs(parts, into, ARGV)
    assert [str(p) for p in problems] == [
        f"{parts[1]}: no summary.json: the run of this part did not finish; its cases are not in the merged report"]
    assert all(isinstance(p, ReportError) for p in problems)
    summary = load_summary(into / "summary.json")
    assert {c["iut"] for c in summary["cases"]} == {CP} and [i["name"] for i in summary["iuts"]] == [CP]
    # nothing of the dead part is left from the earlier merge
    assert "77aa-result.json" not in {p.name for p in (into / "allure-results").iterdir()}
    assert not (into / "wire" / VOLT).exists()
    assert [s.get("name") for s in ET.parse(into / "junit.xml").getroot()] == [CP]
    assert VOLT not in (into / "allure-results" / "environment.properties").read_text(encoding="ascii")


def test_unusable_parts_are_left_out_with_one_line_each(tmp_path, parts):
    twin = tmp_path / "parts" / "twin"
    shutil.copytree(parts[0], twin)  # the same IUT run twice
    broken = tmp_path / "parts" / "broken"
    broken.mkdir()
    (broken / "summary.json").write_text("{not json", encoding="utf-8")
    problems = [str(p) for p in merge_report_dirs([parts[0], twin, broken, parts[1]], tmp_path / "out", ARGV)]
    assert problems == [
        f"{twin}: case {load_summary(parts[0])['cases'][0]['id']} of IUT {CP} is also in {parts[0]}; each case of an "
        "IUT must be run by one part only; left out of the merged report",
        f"{broken}/summary.json: invalid JSON at line 1 column 2: Expecting property name enclosed in double quotes; "
        "left out of the merged report",
    ]
    assert [i["name"] for i in load_summary(tmp_path / "out")["iuts"]] == [CP, VOLT]


def test_missing_junit_allure_results_and_name_clashes_are_reported(tmp_path, parts):
    (parts[1] / "junit.xml").unlink()
    shutil.rmtree(parts[0] / "allure-results")
    problems = [str(p) for p in merge_report_dirs(parts, tmp_path / "out", ARGV)]
    assert problems == [
        f"{parts[0]}: no allure-results/: its cases are not in the Allure report",
        f"{parts[1] / 'junit.xml'}: JUnit file not found; its cases are not in the merged junit.xml",
    ]
    assert [s.get("name") for s in ET.parse(tmp_path / "out" / "junit.xml").getroot()] == [CP]

    # Allure result files are named by UUID; the same name with other content is a clash, the same file is not.
    (parts[0] / "allure-results").mkdir()
    (parts[0] / "allure-results" / "77aa-result.json").write_text('{"name": "other"}', encoding="utf-8")
    (parts[1] / "junit.xml").write_text(JUNIT_VOLT, encoding="utf-8")
    problems = [str(p) for p in merge_report_dirs(parts, tmp_path / "out", ARGV)]
    assert problems == [f"{parts[1] / 'allure-results' / '77aa-result.json'}: not copied: "
                        f"{parts[0] / 'allure-results' / '77aa-result.json'} has the same name and other content"]
    assert (tmp_path / "out" / "allure-results" / "77aa-result.json").read_text() == '{"name": "other"}'
    (parts[0] / "allure-results" / "77aa-result.json").write_text('{"name": "volt"}', encoding="utf-8")
    assert merge_report_dirs(parts, tmp_path / "out", ARGV) == []


def test_nothing_to_merge_leaves_no_stale_report(tmp_path, parts):
    into = tmp_path / "reports"
    assert merge_report_dirs(parts, into, ARGV) == []
    for part in parts:
        (part / "summary.json").unlink()
    problems = merge_report_dirs(parts, into, ARGV)
    assert len(problems) == 2 and all("did not finish" in str(p) for p in problems)
    for name in ("summary.json", "junit.xml", "conformance-report.html", "wire"):
        assert not (into / name).exists(), name
    assert not list((into / "allure-results").iterdir())


def test_a_part_cannot_lie_where_the_merge_writes(tmp_path, parts):
    with pytest.raises(ReportError, match="a part cannot lie where the merge writes"):
        merge_report_dirs(parts, parts[0], ARGV)
    inside = tmp_path / "reports" / "wire" / "part"
    shutil.copytree(parts[1], inside)
    with pytest.raises(ReportError, match="a part cannot lie where the merge writes"):
        merge_report_dirs([parts[0], inside], tmp_path / "reports", ARGV)
    assert (inside / "summary.json").is_file()  # refused before anything was removed
    # parts kept beside the merged files (not inside what the merge rewrites) are fine
    beside = tmp_path / "reports" / "parts" / VOLT
    shutil.copytree(parts[1], beside)
    assert merge_report_dirs([parts[0], beside], tmp_path / "reports", ARGV) == []
    assert (beside / "summary.json").is_file()


def test_merged_summary_holds_the_cases_of_the_parts_field_for_field(tmp_path, parts):
    into = tmp_path / "reports"
    assert merge_report_dirs(parts, into, ARGV) == []
    assert load_summary(into)["cases"] == [c for p in parts for c in load_summary(p)["cases"]]


def test_a_run_is_interrupted_when_one_of_its_parts_was() -> None:
    cp, volt = _summary_cp(), _summary_volt()
    assert "interrupted" not in merge_summaries([cp, volt], ARGV)["run"]  # summaries written before the field existed
    cp["run"]["interrupted"], volt["run"]["interrupted"] = False, True
    merged = merge_summaries([cp, volt], ARGV)
    assert merged["run"]["interrupted"] is True and validate_summary(merged) == []
    volt["run"]["interrupted"] = False
    assert merge_summaries([cp, volt], ARGV)["run"]["interrupted"] is False
