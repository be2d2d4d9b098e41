"""Loopback runs of profiles/ against the reference simulators: correct ones pass every case, each named fault
fails exactly the cases listed for it in fault_table.yaml, for the reason listed."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from conformance.cli import catalogue
from tests.suite_runner import ROOT, run_suite, verdicts

TABLE = yaml.safe_load((ROOT / "tests/fault_table.yaml").read_text(encoding="utf-8"))
REFERENCE_IUTS = {"charge_point": "reference-charge-point", "csms": "reference-csms"}


def _runs() -> dict[tuple[str, bool], list[dict]]:
    grouped: dict[tuple[str, bool], list[dict]] = defaultdict(list)
    for row in TABLE:
        grouped[(row["fault"], bool(row.get("strict")))].append(row)
    return grouped


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    code, summary, output = run_suite(tmp_path_factory.mktemp("clean"))
    assert summary, f"the suite wrote no summary:\n{output[-4000:]}"
    return {"code": code, "summary": summary, "output": output}


def test_reference_simulators_pass_every_case(clean_run: dict) -> None:
    bad = [f"{c['iut']} {c['id']}: {c['verdict']} — {c['message']}" for c in clean_run["summary"]["cases"] if c["verdict"] != "passed"]
    assert not bad, "\n".join(bad) + "\n" + clean_run["output"][-3000:]
    assert clean_run["code"] == 0


def test_every_applicable_case_ran_against_a_reference_simulator(clean_run: dict) -> None:
    ran = {(c["iut"], c["id"]) for c in clean_run["summary"]["cases"]}
    for entry in catalogue(ROOT / "profiles"):
        iuts = [REFERENCE_IUTS[entry["sut"]]] if entry["sut"] != "any" else list(REFERENCE_IUTS.values())
        for iut in iuts:
            assert (iut, entry["id"]) in ran, f"{entry['id']} did not run against {iut}"


def test_every_case_has_a_fault_that_fails_it() -> None:
    covered = {row["case"] for row in TABLE}
    missing = [c["id"] for c in catalogue(ROOT / "profiles") if c["id"] not in covered]
    assert not missing, f"cases without a fault proving they can fail: {missing}"


@pytest.mark.parametrize("fault,strict", sorted(_runs()), ids=lambda v: str(v))
def test_fault_fails_its_cases(fault: str, strict: bool, tmp_path: Path) -> None:
    rows = _runs()[(fault, strict)]
    args = ["--sim-fault", fault] + [a for row in rows for a in ("--case", row["case"])]
    if strict:
        args.append("--strict")
    code, summary, output = run_suite(tmp_path, *args)
    got = verdicts(summary)
    for row in rows:
        case = got.get((row["iut"], row["case"]))
        assert case is not None, f"{row['case']} did not run against {row['iut']}:\n{output[-3000:]}"
        text = case["message"] + "\n" + case.get("details", "")
        assert case["verdict"] == "failed", f"{fault}: {row['case']} was {case['verdict']} ({case['message']})"
        assert row["expect"] in text, f"{fault}: {row['case']} failed for another reason: {case['message']}"
    assert code != 0
