"""The suite survives a hostile or broken IUT, in both roles.

Against a charge point (the suite is the CSMS) and a CSMS (the suite is the charge point) that send garbage,
binary frames, 10 MB frames and wrong types, never answer, drop the connection in the middle of a CALL, or are not
there at all, a run of the suite must complete, give every selected case a verdict with one clear line, pick the
right kind of verdict, and wait no longer than the descriptor's timeouts allow.

Every scenario is a real run (`ocpp-conformance run` in a child process) against a peer from tests/hostile.py. The
scenarios run side by side, each on its own port, so the file costs about as long as its slowest scenario.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import catalogue
from tests.hostile import CHARGE_POINT_BEHAVIOURS, CSMS_BEHAVIOURS, free_port, hostile_charge_point, hostile_csms
from tests.suite_runner import ROOT, run_suite

IDENTITY = "HOSTILE01"
TIMEOUTS = {"response": 2, "connect": 3, "expect": 3, "tolerance": 1, "case": 30, "manual": 2}
STARTUP_S = 45  # interpreter, imports and collection of a child run, on a busy machine
PARALLEL_RUNS = 8  # scenarios mostly wait on timeouts; more at once only fight over the CPU while starting
# Cases each role runs: the cold boot cases (a stimulus, then expectations) and the RPC-framework cases (raw frames,
# CALLERROR expectations), which between them use every kind of wait the peer has.
CASE_PREFIXES = {
    "charge_point": ("TC_001_CS", "TC_002_CS", "OCPPJ_RPC"),
    "csms": ("TC_001_CSMS", "TC_088_CSMS", "OCPPJ_RPC"),
}
SCENARIOS = [("charge_point", b) for b in CHARGE_POINT_BEHAVIOURS] + [("csms", b) for b in CSMS_BEHAVIOURS]


@dataclass
class Outcome:
    role: str  # the IUT's role
    behaviour: str
    expected_ids: set[str]
    bound_s: float
    elapsed_s: float = 0.0
    code: int | None = None
    summary: dict = field(default_factory=dict)
    output: str = ""
    error: str = ""  # the scenario itself could not run (a hang shows here as the child's timeout)
    peer_stats: dict = field(default_factory=dict)

    @property
    def cases(self) -> list[dict[str, Any]]:
        return self.summary.get("cases", [])

    def context(self) -> str:
        lines = [f"{c['verdict']:<15} {c['id']:<14} {c.get('category')}: {c['message']}" for c in self.cases]
        return (f"\n[{self.role} / {self.behaviour}] exit {self.code}, {self.elapsed_s:.1f} s (bound {self.bound_s:.0f} s),"
                f" peer {self.peer_stats} {self.error}\n" + "\n".join(lines) + "\n--- output tail ---\n"
                + self.output[-3000:])


def expected_case_ids(role: str) -> set[str]:
    """Cases the run selects for an IUT of `role`: by prefix, for that role or for any role, OCPP 1.6 or OCPP-J."""
    prefixes = CASE_PREFIXES[role]
    return {c["id"] for c in catalogue(ROOT / "profiles")
            if c["sut"] in (role, "any") and c["ocpp_version"] in ("1.6", "any") and c["id"].startswith(prefixes)}


def run_bound(case_count: int) -> float:
    """The longest a run may take: every case may wait for the connection, an expectation and an answer, three
    times over, plus the child's start-up. Generous on purpose: it catches hangs, it does not time the suite."""
    t = TIMEOUTS
    return STARTUP_S + case_count * 3 * (t["connect"] + t["expect"] + t["response"])


def case_bound() -> float:
    """The longest one case may take: setup (connect, boot) + the body's hard cap + teardown's bounded drain."""
    t = TIMEOUTS
    return t["connect"] + t["expect"] + t["response"] + t["case"] + 5


def write_descriptor(folder: Path, role: str, port: int) -> Path:
    common = {
        "ocpp_version": "1.6",
        "identity": IDENTITY,
        "security": {"profile": 0},
        "connectors": {"count": 2, "fixed_cable": False},
        "timeouts": TIMEOUTS,
    }
    if role == "charge_point":  # the suite is the CSMS and listens; the hostile charger connects
        data = dict(common, name="hostile-charge-point", sut="charge_point", features=["core"],
                    listen={"host": "127.0.0.1", "port": port, "path": "/ocpp"},
                    driver={"type": "exec", "timeout": 5, "commands": {"power_cycle": "true"}})
    else:  # the suite is a charge point and connects to the hostile CSMS
        data = dict(common, name="hostile-csms", sut="csms", features=["core", "security"],
                    endpoint=f"ws://127.0.0.1:{port}/ocpp", driver={"type": "manual"})
    path = folder / f"{role}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def run_scenario(role: str, behaviour: str, folder: Path) -> Outcome:
    ids = expected_case_ids(role)
    outcome = Outcome(role, behaviour, ids, run_bound(len(ids)))
    port = free_port()
    descriptor = write_descriptor(folder, role, port)
    if role == "charge_point":
        peer = hostile_charge_point(behaviour, f"ws://127.0.0.1:{port}/ocpp/{IDENTITY}")
    else:
        peer = hostile_csms(behaviour, port)
    args = ["--iut", str(descriptor)] + [a for prefix in CASE_PREFIXES[role] for a in ("--case", prefix)]
    began = time.monotonic()
    try:
        with peer:
            outcome.code, outcome.summary, outcome.output = run_suite(folder / "report", *args,
                                                                      timeout=outcome.bound_s + 30)
    except Exception as exc:  # a child that hangs past its bound ends here (subprocess.TimeoutExpired)
        outcome.error = f"{type(exc).__name__}: {str(exc)[:500]}"
    outcome.elapsed_s = time.monotonic() - began
    outcome.peer_stats = dict(peer.stats)
    return outcome


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Outcome]:
    folders = {s: tmp_path_factory.mktemp(f"hostile-{s[0]}-{s[1]}") for s in SCENARIOS}
    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        futures = {s: pool.submit(run_scenario, s[0], s[1], folders[s]) for s in SCENARIOS}
        done = {s: f.result() for s, f in futures.items()}
    for (role, behaviour), o in sorted(done.items()):  # figures for whoever reads the log, never asserted tightly
        print(f"hostile {role:<12} {behaviour:<16} {o.elapsed_s:6.1f} s (bound {o.bound_s:.0f} s), "
              f"{len(o.cases)} cases, peer {o.peer_stats}")
    return done


# ---------------------------------------------------------------------------------------------
# what every scenario must show
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: f"{s[0]}-{s[1]}")
def test_run_completes_within_its_bound(outcomes: dict, scenario: tuple[str, str]) -> None:
    o = outcomes[scenario]
    assert not o.error, o.context()
    assert o.summary, "the run wrote no summary" + o.context()
    assert o.elapsed_s <= o.bound_s, f"the run took {o.elapsed_s:.1f} s, more than its bound" + o.context()
    assert o.code not in (0, 2, 3, 4, 5), f"exit code {o.code}: a hostile IUT must fail the run, not crash it" + o.context()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: f"{s[0]}-{s[1]}")
def test_every_case_has_a_verdict_with_one_clear_line(outcomes: dict, scenario: tuple[str, str]) -> None:
    o = outcomes[scenario]
    assert o.expected_ids, f"no case of the selection {CASE_PREFIXES[o.role]} exists"
    got = {c["id"]: c for c in o.cases}
    assert set(got) == o.expected_ids, f"cases without a verdict: {sorted(o.expected_ids - set(got))}" + o.context()
    for c in o.cases:
        assert c["verdict"] in ("failed", "broken", "inconclusive", "not_applicable", "passed",
                                "passed_with_warnings"), o.context()
        if c["verdict"] in ("failed", "broken", "inconclusive"):
            message = c["message"]
            assert message.strip(), f"{c['id']}: empty message" + o.context()
            assert "\n" not in message, f"{c['id']}: the message is not one line: {message!r}"
            assert "Traceback" not in message + c.get("details", ""), f"{c['id']}: a traceback leaked" + o.context()
        assert "hard cap" not in c["message"], f"{c['id']}: a wait was unbounded" + o.context()
        assert c["duration_s"] <= case_bound(), f"{c['id']} took {c['duration_s']} s" + o.context()


# ---------------------------------------------------------------------------------------------
# the right kind of verdict for each misbehaviour
# ---------------------------------------------------------------------------------------------
def _judged(o: Outcome) -> list[dict]:
    """The cases that talked to the IUT (not those the descriptor makes not applicable)."""
    return [c for c in o.cases if c["verdict"] != "not_applicable"]


def _all_failed(o: Outcome) -> list[dict]:
    """Every case that talked to the misbehaving IUT failed, or — once the IUT stopped answering or went away — is
    inconclusive, pointing at a case that failed: one deviation, one failure (broken = the suite's fault, passed =
    missed). Returns the failed ones."""
    judged = _judged(o)
    assert judged, "every case was not applicable" + o.context()
    failed = {c["nodeid"] for c in judged if c["verdict"] == "failed"}
    assert failed, "no case failed" + o.context()
    wrong = [c for c in judged if c["verdict"] != "failed" and not (
        c["verdict"] == "inconclusive" and (c.get("explained_by") or {}).get("nodeid") in failed)]
    assert not wrong, "a misbehaving IUT must fail these cases or leave them inconclusive for a failed one" + o.context()
    return [c for c in judged if c["verdict"] == "failed"]


@pytest.mark.parametrize("role,rule", [("charge_point", "RPC-001"), ("csms", "RPC-001")])
def test_garbage_fails_every_case_naming_the_json_rule(outcomes: dict, role: str, rule: str) -> None:
    o = outcomes[(role, "garbage")]
    for c in _all_failed(o):
        assert rule in c["message"], f"{c['id']} does not name {rule}" + o.context()


@pytest.mark.parametrize("role", ["charge_point", "csms"])
def test_binary_frames_fail_every_case_naming_the_text_frame_rule(outcomes: dict, role: str) -> None:
    o = outcomes[(role, "binary")]
    for c in _all_failed(o):
        assert "WS-010" in c["message"], f"{c['id']} does not name WS-010" + o.context()


@pytest.mark.parametrize("role", ["charge_point", "csms"])
def test_invalid_utf8_fails_naming_the_text_frame_rule(outcomes: dict, role: str) -> None:
    """The WebSocket layer drops such a frame and closes with 1007 before the recorder sees it; the close must still
    be charged to the IUT, not read as the suite hanging up."""
    o = outcomes[(role, "invalid_utf8")]
    judged = _all_failed(o)
    assert any("WS-010" in c["message"] for c in judged), o.context()


@pytest.mark.parametrize("role", ["charge_point", "csms"])
def test_ten_megabyte_frames_are_judged_not_fatal(outcomes: dict, role: str) -> None:
    o = outcomes[(role, "huge")]
    judged = _judged(o)
    assert not [c for c in judged if c["verdict"] == "broken"], o.context()
    assert any(c["verdict"] == "failed" and "SCH-001" in c["message"] for c in judged), (
        "no case failed on the oversized, schema-invalid frame" + o.context())
    huge = [v for c in o.cases for v in c["violations"] if v["rule_id"] == "SCH-001"]
    assert all(len(v["message"]) < 10_000 for v in huge), "a 10 MB value leaked into a violation message"


@pytest.mark.parametrize("role", ["charge_point", "csms"])
def test_wrong_types_fail_on_the_schema(outcomes: dict, role: str) -> None:
    o = outcomes[(role, "wrong_types")]
    judged = _judged(o)
    assert not [c for c in judged if c["verdict"] == "broken"], (
        "wrong types from the IUT must fail cases, not break them (a case tripping over a string where a number "
        "belongs is the IUT's fault)" + o.context())
    assert any(c["verdict"] == "failed" and "SCH-001" in c["message"] for c in judged), o.context()


def test_wrong_types_in_boot_notification_conf_fail_cold_boot(outcomes: dict) -> None:
    o = outcomes[("csms", "wrong_types")]
    cold_boot = next(c for c in o.cases if c["id"] == "TC_001_CSMS")
    assert cold_boot["verdict"] == "failed", o.context()
    assert "SCH-001" in cold_boot["message"] and "interval" in cold_boot["message"], o.context()


@pytest.mark.parametrize("role", ["charge_point", "csms"])
def test_silence_fails_with_no_response(outcomes: dict, role: str) -> None:
    o = outcomes[(role, "silent")]
    judged = _all_failed(o)
    silent = [c for c in judged if c["category"] == "no-response"]
    assert silent, "no case reported that the IUT did not answer" + o.context()
    if role == "csms":  # the suite's first CALL of a case is the unanswered BootNotification
        assert len(silent) == len(judged), o.context()
    later = [c for c in _judged(o) if c["verdict"] == "inconclusive"]
    waited = [c["id"] for c in later if c["duration_s"] >= TIMEOUTS["response"]]
    assert later and len(waited) <= 1, (  # the one probe; the cases after it are inconclusive at once
        f"a silent IUT's cases must not each wait out the response timeout: {waited}" + o.context())


@pytest.mark.parametrize("role", ["charge_point", "csms"])
def test_close_mid_call_fails_with_no_response_naming_the_close(outcomes: dict, role: str) -> None:
    o = outcomes[(role, "close_mid_call")]
    judged = _all_failed(o)
    closed = [c for c in judged if c["category"] == "no-response" and "closed" in c["message"]]
    assert closed, "no case said the connection was closed before the answer" + o.context()
    assert o.peer_stats.get("connections", 0) >= 2, "the suite did not reconnect / accept the reconnection" + o.context()


@pytest.mark.parametrize("behaviour", ["never_connects", "stalls_handshake"])
def test_charge_point_that_never_connects_is_unreachable(outcomes: dict, behaviour: str) -> None:
    o = outcomes[("charge_point", behaviour)]
    first, *later = _judged(o)
    assert first["verdict"] == "broken" and first["category"] == "unreachable", o.context()
    assert "did not connect" in first["message"] and "listen" in first["message"], o.context()
    _inconclusive_at_once_after(first, later, o)


@pytest.mark.parametrize("behaviour", ["nothing_listening", "stalls_handshake"])
def test_csms_that_cannot_be_reached_is_unreachable(outcomes: dict, behaviour: str) -> None:
    o = outcomes[("csms", behaviour)]
    first, *later = _judged(o)
    assert first["verdict"] == "broken" and first["category"] == "unreachable", o.context()
    assert "cannot connect to the CSMS" in first["message"] and "endpoint" in first["message"], o.context()
    _inconclusive_at_once_after(first, later, o)


def _inconclusive_at_once_after(first: dict, later: list[dict], o: Outcome) -> None:
    """The cases after the one that found the IUT unreachable do not wait for it again: inconclusive, pointing at it."""
    assert later, o.context()
    for c in later:
        assert c["verdict"] == "inconclusive" and c["category"] == "unreachable", o.context()
        assert (c.get("explained_by") or {}).get("nodeid") == first["nodeid"], o.context()
        assert c["duration_s"] < TIMEOUTS["connect"], f"{c['id']} waited for the IUT again" + o.context()


def test_csms_that_refuses_the_handshake_is_unreachable_naming_the_status(outcomes: dict) -> None:
    o = outcomes[("csms", "refuses_handshake")]
    first, *later = _judged(o)
    assert first["verdict"] == "broken" and first["category"] == "unreachable", o.context()
    assert "refused the WebSocket handshake" in first["message"] and "HTTP 404" in first["message"], o.context()
    _inconclusive_at_once_after(first, later, o)


# ---------------------------------------------------------------------------------------------
# the verdict logic behind these runs, without a network
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def case_context() -> Any:
    """A case in progress on a link that is never started: frames are fed to the peer's recorder directly."""
    from conformance import session
    from conformance.case_info import CaseInfo
    from conformance.iut import descriptor_from_dict
    from conformance.link import Link

    data = {"name": "offline", "sut": "charge_point", "ocpp_version": "1.6", "identity": IDENTITY,
            "listen": {"host": "127.0.0.1", "port": 0, "path": "/ocpp"}, "driver": {"type": "manual"},
            "timeouts": TIMEOUTS}
    link = Link(descriptor_from_dict(data), interactive=False)
    ctx = session.CaseContext(info=CaseInfo("UNIT_1", "unit", "", ""), segment="unit", link=link)
    link.wire.begin_segment("unit")
    session.current = ctx
    try:
        yield ctx
    finally:
        session.current = None


def _iut_sends(ctx: Any, frame: str) -> None:
    ctx.link.peer._record(frame, from_iut=True, connection_no=1)


async def test_a_case_tripping_over_wrong_types_fails_on_the_schema(case_context: Any) -> None:
    from conformance.errors import RuleViolations
    from conformance.session import run_case_body

    _iut_sends(case_context, '[2,"b1","BootNotification",{"chargePointVendor":42,"chargePointModel":"M"}]')

    async def body() -> None:
        return 300 > "300"  # what case code does with a wrongly typed interval

    with pytest.raises(RuleViolations) as failure:
        await run_case_body(body, (), {})
    assert failure.value.headline.startswith("SCH-001 at #")
    assert "the case then stopped on TypeError" in failure.value.details


async def test_a_case_error_without_iut_violations_stays_the_suites(case_context: Any) -> None:
    from conformance.session import run_case_body

    async def body() -> None:
        raise KeyError("suite bug")

    with pytest.raises(KeyError):
        await run_case_body(body, (), {})


async def test_a_cases_own_timeout_is_not_the_hard_cap(case_context: Any) -> None:
    import asyncio

    from conformance.session import run_case_body

    async def body() -> None:
        await asyncio.wait_for(asyncio.Event().wait(), 0.01)

    with pytest.raises(TimeoutError):
        await run_case_body(body, (), {})


def test_a_failed_headline_names_the_rules_broken_on_the_wire(case_context: Any) -> None:
    from conformance.errors import ExpectationFailed, NoResponse
    from conformance.session import also_broke

    _iut_sends(case_context, "not JSON at all")
    _iut_sends(case_context, "nor this")
    suffix, details = also_broke(case_context, "expected BootNotification within 3 s", ExpectationFailed("x"))
    assert suffix.startswith(" (the IUT also broke RPC-001 at #") and "1 more violation" in suffix
    assert "\n" not in suffix and details.count("RPC-001") == 2
    assert also_broke(case_context, "RPC-001 at #1: not valid JSON", ExpectationFailed("x")) == ("", "")
    assert also_broke(case_context, "no answer", NoResponse("x"))[0]  # still named: RPC-001 is not BEH-012


def test_verdict_messages_are_one_line() -> None:
    from conformance.runstate import _one_line

    assert _one_line("first\nsecond\n\nthird", "details") == ("first", "  second\n  third\ndetails")
    assert _one_line("only", "") == ("only", "")
