"""Property test: whatever arrives on the wire, Judge.process neither raises nor leaves a frame unexplained.

Every record must end with a parse_error or a message_type; every violation must name a rule of the
catalogue and be attributed to the frame's sender; deliberate frames never carry violations.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.rules import RULES, Judge
from conformance.schemas import SchemaSet
from conformance.wire import Kind, Record, Role

VERSIONS = ["1.6", "2.0.1", "2.1"]
ACTIONS = sorted({a for v in VERSIONS for a in SchemaSet.for_version(v).actions()} | {"NotifyPeriodicEventStream"})
IDS = ["a", "b", "-1", "", "x" * 37]

scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63, max_value=2**80)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20))
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=25,
)
message_types = st.sampled_from([2, 3, 4, 5, 6]) | st.integers(-5, 10) | st.just(2.0) | st.just("2") | st.just(True)
message_ids = st.sampled_from(IDS) | st.text(max_size=40) | st.integers() | st.none()
actions = st.sampled_from(ACTIONS) | st.text(max_size=30) | st.integers()
payloads = json_values | st.dictionaries(st.sampled_from(["currentTime", "status", "idTag", "connectorId",
                                                           "interval", "chargePointVendor", "meterValue"]),
                                         json_values, max_size=4)


@st.composite
def ocpp_arrays(draw: Any) -> str:
    """Arrays shaped like OCPP-J messages, with any element wrong and any arity."""
    kind = draw(message_types)
    elements = [kind, draw(message_ids), draw(actions | st.sampled_from(["GenericError", "FormatViolation"])),
                draw(payloads | st.text(max_size=300)), draw(payloads)]
    size = draw(st.integers(0, 6))
    return json.dumps(elements[:size] + [None] * max(0, size - len(elements)), ensure_ascii=draw(st.booleans()))


@st.composite
def huge_frames(draw: Any) -> str:
    """A short piece repeated into a frame of up to a few megabytes, valid JSON or not."""
    piece = draw(st.sampled_from(['{"a":', "[", "]", "1,", '"x",', "\\u", "é", " "]) | st.text(min_size=1, max_size=8))
    times = draw(st.integers(1_000, 400_000))
    wrap = draw(st.sampled_from(["raw", "data", "action"]))
    if wrap == "data":
        return json.dumps([2, "big", "DataTransfer", {"vendorId": "V", "data": piece * times}])
    if wrap == "action":
        return json.dumps([2, "big", piece * times, {}])
    return piece * times


frames = st.one_of(
    st.text(),
    st.binary().map(lambda b: ("bytes", b)),
    st.binary().map(lambda b: ("binary", b)),
    json_values.map(json.dumps),
    ocpp_arrays(),
    st.sampled_from(['[2,"a","Heartbeat",{}]', '[3,"a",{"currentTime":"2024-05-01T12:00:00Z"}]',
                     '[4,"-1","RpcFrameworkError","",{}]', '[5,"a","FormatViolation","",{}]',
                     '[6,"s","NotifyPeriodicEventStream",{}]', "[2,", "NaN", '{"a":1,"a":2}', '["\\ud800"]',
                     '[2,"a","DataTransfer",{"vendorId":"V","messageId":' + "9" * 5000 + "}]",
                     '[2,"a","StartTransaction",{"connectorId":-' + "9" * 5000 + "}]",
                     "[" + "2" * 5000 + ',"a","Heartbeat",{}]', '[2,"a","Heartbeat",{"x":1e400}]']),
)
steps = st.tuples(st.booleans(), st.booleans(), frames) | st.sampled_from(["reset", "overdue"])


def _record(seq: int, now: float, from_iut: bool, deliberate: bool, frame: Any, iut_role: Role) -> Record:
    opcode, raw = "text", frame
    if isinstance(frame, tuple):
        opcode = "binary" if frame[0] == "binary" else "text"
        raw = frame[1]
    sender = iut_role if from_iut else iut_role.other
    return Record(seq=seq, kind=Kind.FRAME, t_mono=now, t_wall="2024-05-01T12:00:00.000Z", segment=None,
                  sender=sender, from_iut=from_iut, deliberate=deliberate and not from_iut, opcode=opcode, raw=raw,
                  size=len(raw))


def _check(rec: Record) -> None:
    assert rec.parse_error is not None or rec.message_type is not None, rec.raw
    for violation in rec.violations:
        assert violation.rule_id in RULES
        assert violation.by_iut == rec.from_iut and violation.seq == rec.seq
        assert violation.level == RULES[violation.rule_id].level
    if rec.deliberate:
        assert rec.violations == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(version=st.sampled_from(VERSIONS), iut_role=st.sampled_from(list(Role)), whitepaper=st.booleans(),
       sequence=st.lists(steps, min_size=1, max_size=25))
def test_any_frame_sequence_is_judged(version: str, iut_role: Role, whitepaper: bool, sequence: list[Any]) -> None:
    judge = Judge(version=version, iut_role=iut_role, response_timeout=5.0, whitepaper=whitepaper)
    now = 0.0
    for seq, step in enumerate(sequence, start=1):
        now += 1.5
        if step == "reset":
            judge.connection_reset()
        elif step == "overdue":
            for violation in judge.overdue(now):
                assert violation.rule_id == "BEH-012" and violation.seq is None
        else:
            from_iut, deliberate, frame = step
            rec = _record(seq, now, from_iut, deliberate, frame, iut_role)
            judge.process(rec)
            _check(rec)
    for role in Role:
        assert all(isinstance(uid, str) for uid in judge.outstanding(role))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(version=st.sampled_from(VERSIONS), from_iut=st.booleans(), frame=huge_frames())
def test_huge_frames_are_judged(version: str, from_iut: bool, frame: str) -> None:
    judge = Judge(version=version, iut_role=Role.CHARGE_POINT)
    rec = _record(1, 1.0, from_iut, False, frame, Role.CHARGE_POINT)
    judge.process(rec)
    _check(rec)
    assert all(len(v.message) < 50_000 for v in rec.violations)
