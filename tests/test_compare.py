"""Self-tests of conformance.reporting.compare."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from conformance.reporting.compare import compare, format_comparison, run_compare

DATA = Path(__file__).parent / "data"
NEW = DATA / "reports" / "summary.json"
BASE = DATA / "summary_base.json"


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_regressions_fixes_new_and_removed():
    result = compare(_load(BASE), _load(NEW))
    assert {(c.id, c.before, c.after) for c in result.regressions} == {
        ("TC_019_CS", "passed", "failed"),
        ("TC_036_CS", "passed", "broken"),
    }
    assert [(c.id, c.before, c.after) for c in result.no_longer_judged] == [("TC_028_CS", "passed", "inconclusive")]
    assert [(c.id, c.before, c.after) for c in result.fixes] == [("TC_031_CS", "failed", "passed")]
    assert [(c.id, c.after) for c in result.new] == [("TC_026_CS", "failed")]
    assert [(c.id, c.before) for c in result.removed] == [("TC_013_CS", "passed")]
    assert result.changed == []
    assert result.unchanged == 6
    assert result.has_regressions


def test_every_good_to_bad_transition_is_a_regression():
    base, new = _load(NEW), _load(NEW)
    for before in ("passed", "passed_with_warnings", "waived", "not_applicable"):
        for after in ("failed", "broken"):
            base["cases"][0]["verdict"], new["cases"][0]["verdict"] = before, after
            assert len(compare(base, new).regressions) == 1, (before, after)


BUCKETS = ("regressions", "no_longer_judged", "fixes", "changed")


@pytest.mark.parametrize(
    "before, after, bucket",
    [
        ("passed", "inconclusive", "no_longer_judged"),
        ("passed_with_warnings", "inconclusive", "no_longer_judged"),
        ("waived", "inconclusive", "no_longer_judged"),
        ("not_applicable", "inconclusive", "no_longer_judged"),
        ("inconclusive", "failed", "regressions"),  # now judged, and it fails
        ("inconclusive", "broken", "regressions"),
        ("inconclusive", "passed", "fixes"),
        ("inconclusive", "passed_with_warnings", "fixes"),
        ("inconclusive", "waived", "fixes"),
        ("inconclusive", "not_applicable", "changed"),
        ("failed", "inconclusive", "changed"),  # not fixed, just not judged any more
        ("broken", "inconclusive", "changed"),
        ("inconclusive", "inconclusive", None),
    ],
)
def test_transitions_to_and_from_inconclusive(before, after, bucket):
    base, new = _load(NEW), _load(NEW)
    base["cases"][0]["verdict"], new["cases"][0]["verdict"] = before, after
    result = compare(base, new)
    found = [name for name in BUCKETS if any(c.id == "TC_001_CS" for c in getattr(result, name))]
    assert found == ([bucket] if bucket else [])
    assert result.has_regressions == (bucket in ("regressions", "no_longer_judged"))


def test_other_changes_are_not_regressions_or_fixes():
    base, new = _load(NEW), _load(NEW)
    new["cases"][0]["verdict"] = "passed_with_warnings"  # passed → passed with warnings
    new["cases"][2]["verdict"] = "broken"  # failed → broken
    new["cases"][7]["verdict"] = "passed"  # not applicable → passed
    result = compare(base, new)
    assert not result.regressions and not result.fixes
    assert {c.id for c in result.changed} == {"TC_001_CS", "TC_010_CS", "TC_043_CS"}


def test_cases_are_keyed_by_iut_and_id():
    base = _load(NEW)
    new = copy.deepcopy(base)
    for case in new["cases"]:
        case["iut"] = "other"
    result = compare(base, new)
    assert len(result.new) == len(result.removed) == len(base["cases"]) and result.unchanged == 0


def test_format_comparison():
    text = format_comparison(compare(_load(BASE), _load(NEW)))
    lines = text.splitlines()
    assert lines[0] == ("2 regression(s), 1 no longer judged, 1 fix(es), 1 new, 1 removed, 0 other change(s), "
                        "6 unchanged")
    assert "REGRESSIONS:" in text
    assert "  TC_019_CS [reference-charge-point] Retrieve configuration: Passed → Failed" in lines
    assert "[behaviour] expected GetConfiguration.conf" in text
    assert "Fixed:" in text and "New cases:" in text and "Removed cases:" in text
    assert text.index("REGRESSIONS") < text.index("NO LONGER JUDGED (precondition not reached):") < text.index("Fixed")
    at = lines.index(
        "  TC_028_CS [reference-charge-point] Remote Stop Transaction – Rejected: Passed → Inconclusive")
    assert lines[at + 1] == ('      precondition "connector 1 Available" not reached: ChangeAvailability Operative '
                             "answered Rejected; RemoteStopTransaction 17 answered Rejected")


def test_run_compare_exit_codes(capsys, tmp_path):
    assert run_compare(BASE, NEW) == 1
    assert "REGRESSIONS" in capsys.readouterr().out
    assert run_compare(NEW, BASE) == 1  # TC_031_CS passed → failed the other way round
    capsys.readouterr()
    assert run_compare(NEW, NEW) == 0
    assert capsys.readouterr().out.startswith("0 regression(s)")
    judged = _load(NEW)
    next(c for c in judged["cases"] if c["id"] == "TC_028_CS")["verdict"] = "passed"
    (tmp_path / "judged.json").write_text(json.dumps(judged), encoding="utf-8")
    assert run_compare(tmp_path / "judged.json", NEW) == 1  # only a case no longer judged: the gate still fails
    out = capsys.readouterr().out
    assert out.startswith("0 regression(s), 1 no longer judged") and "NO LONGER JUDGED" in out
    assert run_compare(NEW, tmp_path / "judged.json") == 0  # inconclusive → passed is a fix
    assert capsys.readouterr().out.startswith("0 regression(s), 0 no longer judged, 1 fix(es)")
    assert run_compare(tmp_path / "missing.json", NEW) == 2
    err = capsys.readouterr().err
    assert "summary file not found" in err and err.count("\n") == 1
