"""Self-tests of the Judge beyond single rules: record fields, state, attribution, waivers, big frames."""

from __future__ import annotations

import json

import pytest

from conformance.protocol import PROTOCOLS, WHITEPAPER_ACTIONS_16
from conformance.rules import RULES, Judge
from conformance.schemas import SchemaSet
from conformance.wire import Kind, Level, Record, Role
from tests.test_rules_harness import Feed

CP, CSMS = Role.CHARGE_POINT, Role.CSMS
TIME = "2024-05-01T12:00:00Z"


def test_call_fields_are_filled() -> None:
    feed = Feed("1.6", CP)
    rec = feed.iut([2, "b1", "BootNotification", {"chargePointVendor": "A", "chargePointModel": "M"}])
    assert (rec.message_type, rec.unique_id, rec.action, rec.parse_error) == (2, "b1", "BootNotification", None)
    assert rec.payload == {"chargePointVendor": "A", "chargePointModel": "M"}


def test_reply_fields_carry_the_action_of_the_call() -> None:
    feed = Feed("1.6", CP)
    feed.iut([2, "b1", "BootNotification", {"chargePointVendor": "A", "chargePointModel": "M"}])
    result = feed.suite([3, "b1", {"status": "Accepted", "currentTime": TIME, "interval": 60}])
    assert (result.message_type, result.unique_id, result.action) == (3, "b1", "BootNotification")
    feed.suite([2, "g1", "GetConfiguration", {}])
    failure = feed.iut([4, "g1", "NotSupported", "no", {"hint": 1}])
    assert (failure.message_type, failure.action, failure.error_code, failure.payload) == (
        4, "GetConfiguration", "NotSupported", {"hint": 1})


@pytest.mark.parametrize("raw, reason", [
    ("[2,", "invalid JSON"),
    ('{"a":1}', "not a JSON array"),
    ('["2","x","Heartbeat",{}]', "no integer MessageTypeId"),
    ('[9,"x","Heartbeat",{}]', "unknown MessageTypeId 9"),
    ('[2,"x","Heartbeat"]', "malformed CALL"),
    ('[2,5,"Heartbeat",{}]', "malformed CALL"),
    ('[3,"x"]', "malformed CALLRESULT"),
])
def test_unusable_frames_get_a_parse_error(raw: str, reason: str) -> None:
    rec = Feed("1.6", CP).iut(raw)
    assert rec.parse_error is not None and rec.parse_error.startswith(reason)


def test_outstanding_lists_unanswered_calls_in_order() -> None:
    feed = Feed("1.6", CP)
    feed.suite([2, "s1", "GetLocalListVersion", {}])
    feed.iut([2, "c1", "Heartbeat", {}])
    feed.suite([2, "s2", "ClearCache", {}])
    feed.suite([2, "s3", "Heartbeat", {"x": 1}, "extra"])  # malformed: not a CALL to wait for
    assert feed.judge.outstanding(CSMS) == ["s1", "s2"]
    assert feed.judge.outstanding(CP) == ["c1"]
    feed.iut([3, "s1", {"listVersion": 1}])
    assert feed.judge.outstanding(CSMS) == ["s2"]


def test_connection_reset_drops_outstanding_calls_without_violation() -> None:
    feed = Feed("2.0.1", CSMS)
    feed.suite([2, "h1", "Heartbeat", {}], at=0)
    feed.judge.connection_reset()
    assert feed.judge.outstanding(CP) == []
    assert feed.overdue(100) == []
    feed.iut([3, "h1", {"currentTime": TIME}])  # an answer arriving on the new connection is unsolicited
    assert feed.verdicts() == ["RPC-008"]


def test_a_new_connection_number_resets_like_connection_reset() -> None:
    feed = Feed("1.6", CP)
    feed.iut([2, "a", "Heartbeat", {}], connection=1)
    feed.suite([3, "a", {"currentTime": TIME}], connection=1)
    feed.iut([2, "a", "Heartbeat", {}], connection=2)  # 1.6: ids are unique per connection
    assert feed.verdicts() == []


def test_deliberate_frames_are_never_judged_but_correlate() -> None:
    feed = Feed("2.0.1", CSMS)
    bad = feed.suite('[2,"x1","Heartbeat",{"currentTime":NaN}]', deliberate=True)
    assert bad.violations == [] and bad.parse_error.startswith("invalid JSON")
    reused = feed.suite([2, "x1", "Heartbeat", {"bogus": True}], deliberate=True)
    assert reused.violations == []
    first = feed.iut([4, "x1", "RpcFrameworkError", "", {}])  # answers are matched oldest first
    second = feed.iut([4, "x1", "FormatViolation", "", {}])
    assert (first.action, second.action) == (None, "Heartbeat")
    assert feed.verdicts() == []


def test_overdue_reports_each_call_once_and_blames_the_silent_side() -> None:
    feed = Feed("2.0.1", CSMS)
    feed.suite([2, "h1", "Heartbeat", {}], at=0)
    feed.iut([2, "r1", "Reset", {"type": "Immediate"}], at=1)
    first = feed.overdue(30.5)
    assert [(v.rule_id, v.by_iut, v.seq) for v in first] == [("BEH-012", True, None)]
    second = feed.overdue(31.5)
    assert [(v.rule_id, v.by_iut) for v in second] == [("BEH-012", False)]
    assert feed.overdue(99) == []


def test_waived_rules_are_counted_not_raised() -> None:
    feed = Feed("1.6", CP, waived_rules=["SCH-006a"])
    feed.iut([2, "1", "BootNotification", {"chargePointVendor": "Ä", "chargePointModel": "M"}])
    assert feed.verdicts() == []
    assert feed.judge.waived_hits == {"SCH-006a": 1}


def test_waivers_may_name_rules_by_pattern() -> None:
    judge = Judge(version="1.6", iut_role=CP, waived_rules=["SCH-*", "RPC-015a"])
    assert judge.waived == {r for r in RULES if r.startswith("SCH-")} | {"RPC-015a"}


@pytest.mark.parametrize("options, fragment", [
    ({"version": "1.5"}, "unknown OCPP version '1.5'"),
    ({"waived_rules": ["RPC-999"]}, "waived rule(s) RPC-999 match no rule"),
    ({"waived_rules": ["SCH-001", "XYZ-*"]}, "waived rule(s) XYZ-* match no rule"),
])
def test_bad_configuration_is_one_clear_line(options: dict, fragment: str) -> None:
    arguments = {"version": "1.6", "iut_role": CP, **options}
    with pytest.raises(ValueError) as raised:
        Judge(**arguments)
    assert fragment in str(raised.value) and "\n" not in str(raised.value)


def test_events_are_ignored() -> None:
    judge = Judge(version="1.6", iut_role=CP)
    event = Record(seq=1, kind=Kind.EVENT, t_mono=0.0, t_wall=TIME, segment=None, event="note")
    judge.process(event)
    assert event.violations == [] and event.message_type is None


def test_sender_defaults_from_from_iut() -> None:
    judge = Judge(version="1.6", iut_role=CP)
    rec = Record(seq=1, kind=Kind.FRAME, t_mono=0.0, t_wall=TIME, segment=None, from_iut=True,
                 raw='[2,"1","Reset",{"type":"Soft"}]')
    judge.process(rec)
    assert [(v.rule_id, v.by_iut) for v in rec.violations] == [("RPC-012", True)]


def test_every_schema_error_is_listed() -> None:
    feed = Feed("2.0.1", CP)
    rec = feed.iut([2, "1", "BootNotification", {"reason": "Bored", "chargingStation": {"model": "m" * 30},
                                                   "extra": 1}])
    (violation,) = rec.violations
    assert violation.rule_id == "SCH-001" and violation.message.startswith("BootNotificationRequest: 4 schema errors")
    for fragment in ("$.reason", "[enum]", "$.chargingStation.model", "[maxLength]", '"vendorName" is a required',
                     "'extra' was unexpected"):
        assert fragment in violation.message


def test_handshake_findings_have_no_sequence_number() -> None:
    feed = Feed("1.6", CP)
    found = feed.handshake(path="/x/OTHER", offered=[])
    assert sorted((v.rule_id, v.seq, v.by_iut) for v in found) == [("WS-002", None, True), ("WS-004", None, True)]


def test_suite_side_of_the_handshake_is_not_judged() -> None:
    feed = Feed("1.6", CSMS)  # the suite is the client: its probes (wrong identity, no offer) are deliberate
    assert feed.handshake(path="/ocpp/WRONG", offered=[], negotiated=None, basic_auth_sent=True) == []


def test_rule_catalogue_entries_are_complete() -> None:
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id
        assert rule.level in (Level.MUST, Level.SHOULD)
        assert rule.spec and rule.title
        assert rule.requirement.endswith(".") and "\n" not in rule.requirement


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_direction_tables_name_exactly_the_schema_actions(version: str) -> None:
    schemas = SchemaSet.for_version(version)
    assert set(PROTOCOLS[version].initiators) == set(schemas.actions()) | set(schemas.send_actions())
    assert PROTOCOLS[version].initiators["DataTransfer"] == {CP, CSMS}
    assert PROTOCOLS[version].initiators["BootNotification"] == {CP}
    assert PROTOCOLS[version].initiators["Reset"] == {CSMS}


def test_white_paper_actions_are_1_6_actions() -> None:
    assert WHITEPAPER_ACTIONS_16 <= set(SchemaSet.for_version("1.6").actions())
    assert len(WHITEPAPER_ACTIONS_16) == 11


# -- very large frames: judged in one pass (a quadratic step would make these crawl) -----------------
TEN_MB = 10 * 1024 * 1024


@pytest.mark.timeout(120)
def test_ten_megabyte_frames_are_judged() -> None:
    feed = Feed("1.6", CP)
    data = "x" * TEN_MB
    valid = feed.iut(json.dumps([2, "big", "DataTransfer", {"vendorId": "V", "data": data}]))
    assert valid.violations == [] and valid.action == "DataTransfer" and len(valid.raw) > TEN_MB
    feed.suite([3, "big", {"status": "Accepted"}])

    too_long = feed.iut(json.dumps([2, "long", "DataTransfer", {"vendorId": data}]))
    assert [v.rule_id for v in too_long.violations] == ["SCH-001"]
    assert len(too_long.violations[0].message) < 1000  # the 10 MB value is not copied into the message
    feed.suite([3, "long", {"status": "Accepted"}])

    garbage = feed.iut("[" + "1," * (TEN_MB // 2) + "]")
    assert [v.rule_id for v in garbage.violations] == ["RPC-001"]

    deep = feed.iut("[" * TEN_MB)
    assert [v.rule_id for v in deep.violations] == ["RPC-001"] and deep.parse_error

    many_errors = feed.iut(json.dumps([2, "many", "MeterValues", {
        "connectorId": 1, "meterValue": [{"timestamp": "yesterday", "sampledValue": [{"value": 1}] * 20000}]}]))
    (violation,) = many_errors.violations
    assert "and " in violation.message and len(violation.message) < 40_000
    feed.suite([3, "many", {}])

    non_ascii = feed.iut(json.dumps([2, "u", "DataTransfer", {"vendorId": "V", "data": "é" * TEN_MB}],
                                    ensure_ascii=False).encode())
    assert non_ascii.violations == []


def test_unknown_actions_are_not_cached() -> None:
    feed = Feed("1.6", CP)
    for n in range(50):
        feed.iut([2, f"id{n}", f"Unknown{n}", {}])
        feed.suite([4, f"id{n}", "NotImplemented", "", {}])
    assert len(feed.judge._facts) == 0


def test_integers_beyond_pythons_conversion_limit() -> None:
    feed = Feed("1.6", CP)
    huge = "9" * 5000  # valid JSON; Python refuses to turn it into str, the validator's error text needs that
    start = feed.iut('[2,"a","StartTransaction",{"connectorId":' + huge + ',"idTag":"A","meterStart":0,'
                     '"timestamp":"2024-05-01T12:00:00Z"}]')
    assert (start.message_type, start.violations) == (2, [])
    feed.suite([3, "a", {"idTagInfo": {"status": "Accepted"}, "transactionId": 1}])
    data = feed.iut('[2,"b","DataTransfer",{"vendorId":"V","messageId":' + huge + "}]")
    (violation,) = data.violations
    assert violation.rule_id == "SCH-001" and "could not be validated" in violation.message
