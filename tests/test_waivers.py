"""Self-tests of conformance.waivers: file checks, matching rules, expiry."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from conformance.waivers import (
    Waiver,
    WaiverError,
    Waivers,
    apply_waivers,
    apply_waivers_to_summary,
    format_waivers,
    load_waivers,
    parse_waivers,
)

TODAY = date(2026, 11, 21)
DATA = Path(__file__).parent / "data"


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_a_valid_file(tmp_path):
    path = _file(tmp_path, """
- case: TC_010_CS
  reason: vendor ticket 4711
- rule: SCH-007
  iut: acme
  reason: local time without offset
  expires: 2027-01-01
- case: TC_004
  rule: "RPC-*"
  reason: framing bug in 1.2
  expires: "2026-12-31"
""")
    waivers = load_waivers(path)
    assert len(waivers) == 3
    first, second, third = waivers
    assert (first.case, first.rule, first.level, first.index) == ("TC_010_CS", None, "case", 1)
    assert (second.rule, second.iut, second.expires, second.level) == ("SCH-007", "acme", date(2027, 1, 1), "rule")
    assert third.expires == date(2026, 12, 31) and third.source == str(path)
    assert "TC_004" in format_waivers(waivers)


def test_mapping_form_and_empty_file(tmp_path):
    assert len(load_waivers(_file(tmp_path, "waivers:\n  - case: TC_001_CS\n    reason: x\n"))) == 1
    assert len(load_waivers(_file(tmp_path, "# nothing waived\n"))) == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("- case: TC_001_CS\n", "waiver 1: field 'reason' is required"),
        ("- case: TC_001_CS\n  reason: ''\n", "waiver 1: field 'reason' must be a non-empty text"),
        ("- reason: x\n", "waiver 1: field 'case' or 'rule' is required"),
        ("- case: A\n  reason: x\n- case: B\n  reason: y\n  expire: 2027-01-01\n", "waiver 2: unknown field 'expire'"),
        ("- case: A\n  reason: x\n  expires: 2027-13-01\n", "waiver 1: field 'expires': '2027-13-01' is not a date"),
        ("- case: A\n  reason: x\n  expires: soon\n", "field 'expires': 'soon' is not a date (use YYYY-MM-DD)"),
        ("- case: 12\n  reason: x\n", "waiver 1: field 'case' must be a non-empty text"),
        ("- case: 'TC_*_CS'\n  reason: x\n", "field 'case': '*' is only allowed at the end"),
        ("- TC_001_CS\n", "waiver 1: expected a mapping"),
        ("case: TC_001_CS\nreason: x\n", "expected a list of waivers"),
        ("- case: [unclosed\n", "invalid YAML at line"),
    ],
)
def test_mistakes_give_one_line_with_file_entry_and_field(tmp_path, text, expected):
    path = _file(tmp_path, text)
    with pytest.raises(WaiverError) as info:
        load_waivers(path)
    message = str(info.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_missing_file(tmp_path):
    with pytest.raises(WaiverError, match="waiver file not found"):
        load_waivers(tmp_path / "nope.yaml")


def _waivers(*entries: dict) -> Waivers:
    return parse_waivers(list(entries))


def test_case_waiver_matches_any_failure_of_the_case():
    w = _waivers({"case": "TC_010_CS", "reason": "known"})
    assert w.match("TC_010_CS", "cp", [], TODAY, only_violations=False).reason == "known"
    assert w.match("TC_010_CS", "cp", ["SCH-001"], TODAY) is not None
    assert w.match("TC_011_CS", "cp", [], TODAY, only_violations=False) is None


def test_case_prefixes_stop_at_an_underscore_or_use_a_star():
    w = _waivers({"case": "TC_004", "reason": "a"}, {"case": "TC_06*", "reason": "b"},
                 {"case": "TC_001_CS", "reason": "c"})
    assert w.match("TC_004_1_CS", None, [], TODAY, only_violations=False).reason == "a"
    assert w.match("TC_0041_CS", None, [], TODAY, only_violations=False) is None
    assert w.match("TC_061_CS", None, [], TODAY, only_violations=False).reason == "b"
    assert w.match("TC_001_CS", None, [], TODAY, only_violations=False).reason == "c"
    assert w.match("TC_001_CSMS", None, [], TODAY, only_violations=False) is None  # not a prefix of another side


def test_iut_restriction():
    w = _waivers({"case": "TC_010_CS", "iut": "acme", "reason": "x"})
    assert w.match("TC_010_CS", "acme", [], TODAY, only_violations=False) is not None
    assert w.match("TC_010_CS", "volt", [], TODAY, only_violations=False) is None


def test_rule_waiver_needs_all_must_violations_waived_and_violations_only():
    w = _waivers({"rule": "SCH-007", "reason": "offset"}, {"rule": "RPC-*", "reason": "framing"})
    assert w.match("TC_012_CS", "cp", ["SCH-007"], TODAY).rule == "SCH-007"
    assert w.match("TC_012_CS", "cp", ["SCH-007", "SCH-001"], TODAY) is None  # SCH-001 not waived
    assert w.match("TC_012_CS", "cp", ["SCH-007"], TODAY, only_violations=False) is None  # also failed otherwise
    assert w.match("TC_012_CS", "cp", [], TODAY) is None  # nothing to waive
    both = w.match("TC_012_CS", "cp", ["SCH-007", "RPC-008", "SCH-007"], TODAY)
    assert both.rule == "SCH-007, RPC-*" and "SCH-007: offset" in both.reason and "RPC-*: framing" in both.reason


def test_case_and_rule_waiver_covers_that_rule_in_that_case_only():
    w = _waivers({"case": "TC_012_CS", "rule": "SCH-007", "reason": "x"})
    assert w.match("TC_012_CS", None, ["SCH-007"], TODAY) is not None
    assert w.match("TC_013_CS", None, ["SCH-007"], TODAY) is None
    assert w.match("TC_012_CS", None, [], TODAY, only_violations=False) is None


def test_expired_waivers_do_not_match_and_are_reported():
    w = _waivers({"case": "TC_010_CS", "reason": "old", "expires": "2026-11-21"},
                 {"case": "TC_011_CS", "reason": "current", "expires": "2026-11-22"})
    assert w.match("TC_010_CS", None, [], TODAY, only_violations=False) is None  # expires on that day
    expired = w.expired_for("TC_010_CS", None, [], TODAY, only_violations=False)
    assert expired is not None and expired.expires == date(2026, 11, 21)
    assert w.match("TC_011_CS", None, [], TODAY, only_violations=False).reason == "current"
    assert w.expired_for("TC_011_CS", None, [], TODAY, only_violations=False) is None
    assert [x.reason for x in w.stale(TODAY)] == ["old"]


def test_expired_rule_waiver_is_named_when_it_made_the_difference():
    w = _waivers({"rule": "SCH-007", "reason": "valid"},
                 {"rule": "SCH-001", "reason": "ran out", "expires": "2026-01-01"})
    assert w.match("TC_010_CS", None, ["SCH-007", "SCH-001"], TODAY) is None
    expired = w.expired_for("TC_010_CS", None, ["SCH-007", "SCH-001"], TODAY)
    assert expired.rule == "SCH-001" and expired.reason == "ran out"


def test_waiver_summary_form():
    waiver = Waiver(reason="r", rule="SCH-001", expires=date(2027, 1, 1))
    assert waiver.to_summary() == {"reason": "r", "expires": "2027-01-01", "matched": "rule", "case": None,
                                   "rule": "SCH-001", "iut": None}
    assert waiver.to_summary(expired=True)["expired"] is True
    assert waiver.to_dict() == waiver.to_summary()


def _sample_case(case_id: str) -> dict:
    summary = json.loads((DATA / "reports" / "summary.json").read_text(encoding="utf-8"))
    return copy.deepcopy(next(c for c in summary["cases"] if c["id"] == case_id))


def test_apply_waiver_then_expiry_turns_it_back_into_a_failure():
    case = _sample_case("TC_010_CS")  # failed: MUST SCH-001 and RPC-001
    waivers = _waivers({"case": "TC_010_CS", "reason": "vendor ticket 4711", "expires": "2027-01-01"})

    waived = apply_waivers(copy.deepcopy(case), waivers, date(2026, 12, 31))
    assert waived["verdict"] == "waived"
    assert waived["waiver"]["reason"] == "vendor ticket 4711" and waived["waiver"]["matched"] == "case"

    later = apply_waivers(copy.deepcopy(case), waivers, date(2027, 1, 1))
    assert later["verdict"] == "failed"
    assert later["waiver"] == {"reason": "vendor ticket 4711", "expires": "2027-01-01", "matched": "case",
                               "case": "TC_010_CS", "rule": None, "iut": None, "expired": True}


def test_apply_rule_waivers_by_category():
    case = _sample_case("TC_010_CS")
    w = _waivers({"rule": "SCH-001", "reason": "a"}, {"rule": "RPC-001", "reason": "b"})
    assert apply_waivers(copy.deepcopy(case), w, TODAY)["verdict"] == "waived"  # schema: violations only
    behaviour = dict(copy.deepcopy(case), category="behaviour")
    assert apply_waivers(behaviour, w, TODAY)["verdict"] == "failed"
    only_one = _waivers({"rule": "SCH-001", "reason": "a"})
    assert apply_waivers(copy.deepcopy(case), only_one, TODAY)["verdict"] == "failed"
    broken = _sample_case("TC_036_CS")
    assert apply_waivers(broken, _waivers({"case": "TC_036_CS", "reason": "x"}), TODAY)["verdict"] == "broken"


def test_apply_waivers_to_summary_recounts_totals():
    summary = json.loads((DATA / "reports" / "summary.json").read_text(encoding="utf-8"))
    before = dict(summary["totals"])
    apply_waivers_to_summary(summary, _waivers({"case": "TC_019_CS", "reason": "x"}), TODAY)
    assert summary["totals"]["failed"] == before["failed"] - 1
    assert summary["totals"]["waived"] == before["waived"] + 1
