"""Verdicts to trust against real implementations: one deviation gives one failure, not a cascade; a mute, late or
confused IUT does not make every case wait out its timeouts; the IUT's MUST violations win over what broke later;
a late reply to an earlier case's CALL is that case's business.

The loopback runs play the Core charge point profile against the reference charge point with a named fault, as a
user would (`ocpp-conformance run` in a child process), in parallel.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance import session
from conformance.case_info import CaseInfo
from conformance.errors import Broken, Inconclusive, RuleViolations
from conformance.iut import descriptor_from_dict
from conformance.link import Link
from conformance.wire import Kind, Level, Record, Role, Violation, now_wall
from tests.suite_runner import run_suite

CHARGE_POINT = "fixtures/iut/reference-charge-point.yaml"
RESPONSE_S = 5  # timeouts.response of that descriptor
RUNS = {
    # a charge point that never answers, answers after the response timeout, or answers with another MessageId
    "no-reply": ("--case", "TC_0"),
    "late-reply": ("--case", "TC_0"),
    "wrong-message-id": ("--case", "TC_0"),
    # connector 1 stays Finishing once its first transaction ended: every later case needing it would fail
    "connector-stuck-finishing": ("--case", "TC_007", "--case", "TC_061", "--case", "TC_019", "--case", "TC_003"),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    def run(fault: str) -> dict:
        folder = tmp_path_factory.mktemp(fault)
        code, summary, output = run_suite(folder, "--iut", CHARGE_POINT, "--sim-fault", fault, *RUNS[fault])
        assert summary, f"{fault}: no summary\n{output[-3000:]}"
        return summary

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = {fault: pool.submit(run, fault) for fault in RUNS}
        return {fault: future.result() for fault, future in done.items()}


def _one_failure(summary: dict) -> tuple[dict, list[dict]]:
    """The run's one failed case, and the inconclusive ones; every other case passed or did not apply."""
    cases = summary["cases"]
    failed = [c for c in cases if c["verdict"] == "failed"]
    assert len(failed) == 1, [(c["id"], c["verdict"], c["message"]) for c in failed]
    others = {c["verdict"] for c in cases} - {"failed", "inconclusive", "passed", "not_applicable"}
    assert not others, [(c["id"], c["verdict"], c["message"]) for c in cases if c["verdict"] in others]
    inconclusive = [c for c in cases if c["verdict"] == "inconclusive"]
    assert inconclusive, "the fault left no case without its starting state"
    for c in inconclusive:
        assert c["message"].startswith('precondition "') and "\n" not in c["message"], c
        assert (c["explained_by"] or {}).get("nodeid") == failed[0]["nodeid"], c  # points at the one failure
    return failed[0], inconclusive


@pytest.mark.parametrize("fault", ["no-reply", "late-reply", "wrong-message-id"])
def test_a_silent_iut_gives_one_failure_and_the_rest_inconclusive_at_once(runs: dict, fault: str) -> None:
    failed, inconclusive = _one_failure(runs[fault])
    assert failed["category"] == "no-response", failed
    probed = [c for c in inconclusive if c["duration_s"] >= RESPONSE_S]
    assert len(probed) <= 1, f"after one probe, no case may wait out the response timeout again: {probed}"
    assert all("the IUT answers" in c["message"] for c in inconclusive)
    # the whole profile took a couple of response timeouts, not one per case (the README holds the measured figure)
    assert sum(c["duration_s"] for c in runs[fault]["cases"]) < 12 * RESPONSE_S


def test_a_wrong_message_id_is_named_in_the_failure(runs: dict) -> None:
    failed, _ = _one_failure(runs["wrong-message-id"])
    assert "RPC-008" in failed["message"], failed


def test_a_stuck_connector_gives_one_failure_not_a_cascade(runs: dict) -> None:
    failed, inconclusive = _one_failure(runs["connector-stuck-finishing"])
    assert failed["id"].startswith("TC_007"), failed
    first = inconclusive[0]
    assert first["message"].startswith('precondition "connector 1 Available"'), first
    for remedy in ("unplug through the driver", "ChangeAvailability Operative", "UnlockConnector"):
        assert remedy in first["message"], first  # what was tried, named
    later = inconclusive[1:]
    assert later and all(c["duration_s"] < 1 for c in later), "a precondition given up is not tried again in vain"
    assert {c["id"] for c in runs["connector-stuck-finishing"]["cases"] if c["verdict"] == "passed"} >= {"TC_019_CS"}


# ---------------------------------------------------------------------------------------------------------------------
# the verdict logic, without a network
@pytest.fixture
def context():
    data = {"name": "offline", "sut": "charge_point", "ocpp_version": "1.6", "identity": "CP1",
            "listen": {"host": "127.0.0.1", "port": 0, "path": "/ocpp"}, "driver": {"type": "manual"}}
    link = Link(descriptor_from_dict(data), interactive=False)
    ctx = session.CaseContext(info=CaseInfo("UNIT_1", "unit", "", ""), segment="case-2", link=link)
    return ctx


def _frame(link: Link, segment: str, *, from_iut: bool, violation: Violation | None = None,
           answers: int | None = None) -> Record:
    rec = Record(seq=link.wire.next_seq(), kind=Kind.FRAME, t_mono=0.0, t_wall=now_wall(), segment=segment,
                 connection=1, sender=Role.CHARGE_POINT if from_iut else Role.CSMS, from_iut=from_iut,
                 answers=answers)
    if violation is not None:
        rec.violations.append(violation)
    return link.wire.append(rec)


def _must(rule: str = "SCH-001") -> Violation:
    return Violation(rule, Level.MUST, "a schema error", None, True)


def test_a_must_violation_wins_over_a_driver_that_broke_afterwards(context) -> None:
    _frame(context.link, "case-2", from_iut=True, violation=_must())
    outcome = session.outcome_of(context, Broken("driver action plug_in failed: timed out"))
    assert isinstance(outcome, RuleViolations), outcome  # failed, not broken
    assert "SCH-001" in outcome.headline and "driver action plug_in failed" in outcome.details


def test_a_must_violation_wins_over_an_unreached_precondition(context) -> None:
    _frame(context.link, "case-2", from_iut=True, violation=_must())
    assert isinstance(session.outcome_of(context, Inconclusive("connector 1 Available", "it is Faulted")),
                      RuleViolations)
    # ... unless the suite only probed a silent IUT: its silence was judged where it first showed
    probe = Inconclusive("the IUT answers", "no answer", own_violations=False)
    assert session.outcome_of(context, probe) is probe


def test_without_violations_the_trouble_stays_what_it_is(context) -> None:
    broken = Broken("the suite's own error")
    assert session.outcome_of(context, broken) is broken


def test_a_late_reply_to_an_earlier_cases_call_is_that_cases_business(context) -> None:
    link = context.link
    call = _frame(link, "case-1", from_iut=False)
    late = Violation("BEH-012a", Level.MUST, "reply is late", None, True)
    _frame(link, "case-2", from_iut=True, violation=late, answers=call.seq)
    own = _frame(link, "case-2", from_iut=False)
    _frame(link, "case-2", from_iut=True, violation=_must("BEH-012a"), answers=own.seq)
    found = link.wire.own_violations("case-2")
    assert [v.message for v in found] == ["a schema error"]  # only the reply to this case's own CALL counts
    assert late in link.wire.violations("case-2")  # the late reply stays in this case's wire log


def test_last_frames_are_the_cases_own(context) -> None:
    link = context.link
    link.wire.begin_segment("case-1")
    link.wire.event("note", mark="earlier case")
    link.wire.begin_segment("case-2")
    link.wire.event("note", mark="this case")
    shown = link.peer.last_frames()
    assert "this case" in shown and "earlier case" not in shown


def test_a_trouble_found_once_makes_later_cases_inconclusive_at_once(context) -> None:
    import asyncio

    from conformance.link import Trouble

    link = context.link
    link.trouble = Trouble("gone", "it closed the connection", "case-1", 7, probed=True)
    with pytest.raises(Inconclusive) as raised:
        asyncio.run(link.check_alive())
    assert raised.value.category == "unreachable" and raised.value.frame_seq == 7
    assert not raised.value.own_violations

