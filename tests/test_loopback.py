"""Loopback runs of profiles/ against the reference simulators: correct ones pass every case, each named fault
fails exactly the cases listed for it in fault_table.yaml, for the reason listed."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from conformance.cli import catalogue
from tests.suite_runner import ROOT, run_suite, verdicts

TABLE = yaml.safe_load((ROOT / "tests/fault_table.yaml").read_text(encoding="utf-8"))
REFERENCE_IUTS = {"charge_point": "reference-charge-point", "csms": "reference-csms"}
# Cases for a charge point with a fixed cable are not applicable to reference-charge-point; they run against this one.
FIXED_CABLE_IUT = "fixtures/iut/reference-charge-point-fixed-cable.yaml"
# Each run is a child process that mostly waits on the reference simulators' timers: this many at once keep two
# cores busy without slowing the runs (measured on 2 cores: see the README's Measurements).
PARALLEL_RUNS = 6
CLEAN = "clean"


def _runs() -> dict[tuple[str, bool, str, str], list[dict]]:
    """Rows by (fault, strict, descriptor, case of a row that runs alone); descriptor "" = the built-in reference
    simulators."""
    grouped: dict[tuple[str, bool, str, str], list[dict]] = defaultdict(list)
    for row in TABLE:
        alone = f"{row['iut']}:{row['case']}" if row.get("alone") else ""
        grouped[(row["fault"], bool(row.get("strict")), row.get("descriptor", ""), alone)].append(row)
    return grouped


def _needs_fixed_cable(case: dict) -> bool:
    return case["verdict"] == "not_applicable" and "has no fixed cable" in case["message"]


def _selected_runs(session: pytest.Session, module: object) -> list[object]:
    """The runs the selected tests of this module wait for: the clean run, and each selected fault group."""
    wanted: list[object] = []
    for item in session.items:
        if getattr(item, "module", None) is not module:
            continue
        if "clean_run" in getattr(item, "fixturenames", ()) and CLEAN not in wanted:
            wanted.insert(0, CLEAN)  # the longest run starts first
        if getattr(item, "originalname", "") == "test_fault_fails_its_cases":
            params = item.callspec.params
            wanted.append((params["fault"], params["strict"], params["descriptor"], params["alone"]))
    return wanted


@pytest.fixture(scope="module")
def loopback_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Every run the selected tests need, started together, `PARALLEL_RUNS` at a time; a test waits for its own."""
    pool = ThreadPoolExecutor(max_workers=PARALLEL_RUNS, thread_name_prefix="loopback")
    futures: dict[object, Future] = {}
    for key in _selected_runs(request.session, request.module):
        if key == CLEAN:
            futures[key] = pool.submit(run_suite, tmp_path_factory.mktemp("clean"))
        else:
            futures[key] = pool.submit(run_suite, tmp_path_factory.mktemp("fault"), *_fault_args(*key))
    try:
        yield futures
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def clean_run(loopback_runs: dict) -> dict:
    code, summary, output = loopback_runs[CLEAN].result()
    assert summary, f"the suite wrote no summary:\n{output[-4000:]}"
    return {"code": code, "summary": summary, "output": output}


@pytest.fixture(scope="module")
def fixed_cable_run(clean_run: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    cases = [c["id"] for c in clean_run["summary"]["cases"] if _needs_fixed_cable(c)]
    if not cases:
        return {"code": 0, "summary": {"cases": []}, "output": "", "cases": cases}
    args = ["--iut", FIXED_CABLE_IUT] + [a for case in cases for a in ("--case", case)]
    code, summary, output = run_suite(tmp_path_factory.mktemp("fixed-cable"), *args)
    assert summary, f"the suite wrote no summary:\n{output[-4000:]}"
    return {"code": code, "summary": summary, "output": output, "cases": cases}


def test_reference_simulators_pass_every_case(clean_run: dict) -> None:
    bad = [f"{c['iut']} {c['id']}: {c['verdict']} — {c['message']}" for c in clean_run["summary"]["cases"]
           if c["verdict"] != "passed" and not _needs_fixed_cable(c)]
    assert not bad, "\n".join(bad) + "\n" + clean_run["output"][-3000:]
    assert clean_run["code"] == 0


def test_every_applicable_case_ran_against_a_reference_simulator(clean_run: dict) -> None:
    """Each case once per role and OCPP version: against the main reference simulator of the role, or — a case that
    needs security profile 1, 2 or 3 — against the supplement (suite_files.REFERENCE_SUPPLEMENTS) that can run it.
    A transport case runs for each version the built-in simulators of the role speak."""
    iuts = {i["name"]: (i["sut"], i["ocpp_version"]) for i in clean_run["summary"]["iuts"]}
    ran: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for c in clean_run["summary"]["cases"]:
        ran[(*iuts[c["iut"]], c["id"])].append(c["iut"])
    for entry in catalogue(ROOT / "profiles"):
        roles = [entry["sut"]] if entry["sut"] != "any" else list(REFERENCE_IUTS)
        for role in roles:
            versions = ([entry["ocpp_version"]] if entry["ocpp_version"] != "any"
                        else sorted({v for r, v in iuts.values() if r == role}))
            for version in versions:
                assert len(ran[(role, version, entry["id"])]) == 1, (
                    f"{entry['id']} ran {ran[(role, version, entry['id'])]} for {role} (OCPP {version})")


def test_every_security_profile_case_runs_against_a_supplement(clean_run: dict) -> None:
    """The built-in run hands every case that needs security profile 1, 2 or 3 to a reference simulator of that
    profile, and no other case but those for a setting the main simulator lacks (a 2.0.1 station without EVSE
    reset, or with a fixed cable)."""
    from conformance.suite_files import REFERENCE_SUPPLEMENTS as BUILTIN_SUPPLEMENTS

    supplements = {Path(p).stem for p in BUILTIN_SUPPLEMENTS}
    ran = [c for c in clean_run["summary"]["cases"] if c["iut"] in supplements]
    needs = {c["id"]: c["needs"] for c in catalogue(ROOT / "profiles")}

    def about_security(case: dict) -> bool:  # 1.6: the security profile; 2.x: a case that needs a security profile
        return case["profile"] == "security" or any(n.startswith(("security_profile", "tls_material"))
                                                    for n in needs.get(case["id"], []))

    def for_a_setting(case: dict) -> bool:  # a setting the main simulator lacks (no EVSE reset, a fixed cable)
        return any(n.startswith("no_optional_feature:") or n == "fixed_cable" for n in needs.get(case["id"], []))

    assert ran and all(about_security(c) or for_a_setting(c) for c in ran), [(c["iut"], c["id"]) for c in ran
                                                                         if not about_security(c)]
    assert all(c["verdict"] == "passed" for c in ran), [(c["iut"], c["id"], c["verdict"]) for c in ran]
    main = {c["id"] for c in clean_run["summary"]["cases"] if c["iut"] not in supplements}
    assert not main & {c["id"] for c in ran if c["sut"] != "any"}, "a case ran against a main simulator too"


def test_every_case_has_a_fault_that_fails_it() -> None:
    covered = {row["case"] for row in TABLE}
    missing = [c["id"] for c in catalogue(ROOT / "profiles") if c["id"] not in covered]
    assert not missing, f"cases without a fault proving they can fail: {missing}"


def test_fixed_cable_descriptor_differs_from_the_reference_charge_point_only_in_its_cable() -> None:
    base = yaml.safe_load((ROOT / "fixtures/iut/reference-charge-point.yaml").read_text(encoding="utf-8"))
    fixed = yaml.safe_load((ROOT / FIXED_CABLE_IUT).read_text(encoding="utf-8"))
    base["name"], base["connectors"]["fixed_cable"] = fixed["name"], True
    assert fixed == base, f"keep {FIXED_CABLE_IUT} in step with fixtures/iut/reference-charge-point.yaml"


def test_fixed_cable_cases_pass_against_the_fixed_cable_simulator(fixed_cable_run: dict) -> None:
    got = {c["id"]: c for c in fixed_cable_run["summary"]["cases"]}
    bad = [f"{case}: {got[case]['verdict']} — {got[case]['message']}" if case in got else f"{case}: did not run"
           for case in fixed_cable_run["cases"] if got.get(case, {}).get("verdict") != "passed"]
    assert not bad, "\n".join(bad) + "\n" + fixed_cable_run["output"][-3000:]


def _run_id(value: object) -> str:
    if isinstance(value, str) and value.endswith(".yaml"):
        return Path(value).stem
    return str(value) if value != "" else "builtin"


def _fault_args(fault: str, strict: bool, descriptor: str, alone: str) -> list[str]:
    rows = _runs()[(fault, strict, descriptor, alone)]
    args = ["--sim-fault", fault] + [a for row in rows for a in ("--case", row["case"])]
    if alone:  # only the row's IUT, so no other case runs before it
        args += ["--iut", f"fixtures/iut/{rows[0]['iut']}.yaml"]
    if descriptor:
        args += ["--iut", descriptor]
    if strict:
        args.append("--strict")
    return args


@pytest.mark.parametrize("fault,strict,descriptor,alone", sorted(_runs()), ids=_run_id)
def test_fault_fails_its_cases(fault: str, strict: bool, descriptor: str, alone: str, loopback_runs: dict) -> None:
    rows = _runs()[(fault, strict, descriptor, alone)]
    code, summary, output = loopback_runs[(fault, strict, descriptor, alone)].result()
    got = verdicts(summary)
    for row in rows:
        case = got.get((row["iut"], row["case"]))
        assert case is not None, f"{row['case']} did not run against {row['iut']}:\n{output[-3000:]}"
        text = case["message"] + "\n" + case.get("details", "")
        assert case["verdict"] == "failed", f"{fault}: {row['case']} was {case['verdict']} ({case['message']})"
        assert row["expect"] in text, f"{fault}: {row['case']} failed for another reason: {case['message']}"
    assert code != 0
