"""Every rule, broken and kept: one table of frame sequences and the verdicts they must produce.

A case names the rule it is about and lists steps; `expect` is every finding of the whole
sequence ("suite:" = attributed to the suite, otherwise to the IUT). `test_every_rule_is_covered`
fails when a rule has no breaking case or no passing case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from conformance.rules import RULES
from conformance.wire import Role
from tests.rule_ids import rules_warned_by_cases
from tests.test_rules_harness import Feed

CP, CSMS = Role.CHARGE_POINT, Role.CSMS
Step = Callable[[Feed], Any]


def iut(raw: Any, **options: Any) -> Step:
    return lambda feed: feed.iut(raw, **options)


def suite(raw: Any, **options: Any) -> Step:
    return lambda feed: feed.suite(raw, **options)


def overdue(at: float) -> Step:
    return lambda feed: feed.overdue(at)


def reset() -> Step:
    return lambda feed: feed.judge.connection_reset()


def handshake(**fields: Any) -> Step:
    return lambda feed: feed.handshake(**fields)


@dataclass
class Case:
    rule: str
    name: str
    steps: list[Step]
    expect: list[str]
    version: str = "1.6"
    iut_role: Role = CP
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def breaks(self) -> bool:
        return self.rule in {e.removeprefix("suite:") for e in self.expect}


TIME = "2024-05-01T12:00:00Z"


def tx_events(*events: tuple, sender: Callable[..., Step] = iut) -> list[Step]:
    """TransactionEvent CALLs of one transaction on EVSE 1 and their answers: (eventType, seqNo[, extra fields])."""
    steps: list[Step] = []
    other = suite if sender is iut else iut
    for number, (event_type, seq_no, *extra) in enumerate(events, start=1):
        payload = {"eventType": event_type, "timestamp": TIME, "triggerReason": "Authorized", "seqNo": seq_no,
                   "transactionInfo": {"transactionId": "T1"}, **({"evse": {"id": 1}} if event_type == "Started"
                                                                 else {})}
        payload.update(extra[0] if extra else {})
        steps += [sender([2, f"tx{number}", "TransactionEvent", payload]), other([3, f"tx{number}", {}])]
    return steps
BOOT16 = {"chargePointVendor": "Acme", "chargePointModel": "M1"}
BOOT16_CONF = {"status": "Accepted", "currentTime": TIME, "interval": 300}
BOOT201 = {"reason": "PowerUp", "chargingStation": {"model": "M1", "vendorName": "Acme"}}
BOOT201_RESP = {"status": "Accepted", "currentTime": TIME, "interval": 300}
STREAM = {"id": 1, "pending": 0, "basetime": TIME, "data": [{"t": 0, "v": "230.1"}]}


def hb(uid: str) -> list[Any]:
    return [2, uid, "Heartbeat", {}]


def hb_conf(uid: str, when: str = TIME) -> list[Any]:
    return [3, uid, {"currentTime": when}]


def error(uid: str, code: str = "GenericError", description: Any = "", details: Any = None) -> list[Any]:
    return [4, uid, code, description, {} if details is None else details]


def stop_transaction(unit: str) -> dict[str, Any]:
    return {"meterStop": 1200, "timestamp": TIME, "transactionId": 7,
            "transactionData": [{"timestamp": TIME, "sampledValue": [{"value": "50.0", "unit": unit}]}]}


def boot(uid: str) -> list[Any]:
    return [2, uid, "BootNotification", BOOT16]


def boot_conf(uid: str, status: str = "Accepted") -> list[Any]:
    return [3, uid, {"status": status, "currentTime": TIME, "interval": 300}]


def status_notification(uid: str) -> list[Any]:
    return [2, uid, "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"}]


def trigger(uid: str, message: str) -> list[Any]:
    return [2, uid, "TriggerMessage", {"requestedMessage": message}]


def empty_conf(uid: str) -> list[Any]:
    return [3, uid, {}]


def charging_profile(limit: float) -> dict[str, Any]:
    return {"connectorId": 1, "csChargingProfiles": {
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}}}


CASES = [
    # -- handshake ----------------------------------------------------------------------------
    Case("WS-002", "identity differs from the configured one", [handshake(path="/ocpp/CP002")], ["WS-002"]),
    Case("WS-002", "percent-encoded identity matches", [handshake(path="/ocpp/RDAM%20123", expected_identity="RDAM 123")], []),
    Case("WS-002", "trailing slash leaves an empty identity", [handshake(path="/ocpp/CP001/")], ["WS-002"]),
    Case("WS-004", "client offers no subprotocol", [handshake(offered=[], negotiated=None)], ["WS-004"]),
    Case("WS-004", "client offers ocpp1.6", [handshake(offered=["ocpp1.6"])], []),
    Case("WS-005", "server selects a protocol not offered",
         [handshake(offered=["ocpp1.6"], negotiated="ocpp2.0.1")], ["WS-005"], iut_role=CSMS),
    Case("WS-005", "server selects two protocols",
         [handshake(offered=["ocpp1.6", "ocpp2.0.1"], negotiated="ocpp1.6, ocpp2.0.1")], ["WS-005"], iut_role=CSMS),
    Case("WS-005", "server selects an offered protocol",
         [handshake(offered=["ocpp2.0.1", "ocpp1.6"], negotiated="ocpp1.6")], [], iut_role=CSMS),
    Case("WS-005", "server selects none (and must close)", [handshake(offered=["ocpp9.9"], negotiated=None)], [],
         iut_role=CSMS),
    Case("WS-005", "refused handshake is not judged on selection",
         [handshake(offered=["ocpp1.6"], negotiated="ocpp2.0.1", status=404)], [], iut_role=CSMS),
    Case("SEC-004", "Basic-auth user is not the identity",
         [handshake(basic_auth_sent=True, basic_auth_user="CP999")], ["SEC-004"]),
    Case("SEC-004", "Basic-auth user is the decoded identity",
         [handshake(path="/ocpp/RDAM%20123", expected_identity="RDAM 123", basic_auth_sent=True,
                    basic_auth_user="RDAM 123")], []),
    Case("SEC-005", "unreadable Authorization header", [handshake(basic_auth_sent=True, basic_auth_user=None)],
         ["SEC-005"]),
    Case("SEC-005", "no Authorization header at all", [handshake(basic_auth_sent=False)], []),
    # -- framing --------------------------------------------------------------------------------
    Case("WS-010", "binary frame", [iut(b'[2,"1","Heartbeat",{}]', binary=True)], ["WS-010"]),
    Case("WS-010", "text frame with invalid UTF-8", [iut(b'[2,"1","Heartbeat",{"x":"\xff"}]')], ["WS-010"]),
    Case("WS-010", "UTF-8 bytes in a text frame", [iut('[2,"1","DataTransfer",{"vendorId":"V","data":"é"}]'.encode())],
         []),
    Case("RPC-001", "NaN literal", [iut('[2,"1","DataTransfer",{"vendorId":"V","data":NaN}]')], ["RPC-001"]),
    Case("RPC-001", "truncated JSON", [iut('[2,"1","Heartbeat",{')], ["RPC-001"]),
    Case("RPC-001", "empty frame", [iut("")], ["RPC-001"]),
    Case("RPC-001", "valid JSON with spaces", [iut(' [ 2 , "1" , "Heartbeat" , { } ] ')], []),
    Case("RPC-001a", "duplicate object key",
         [iut('[2,"1","BootNotification",{"chargePointVendor":"A","chargePointVendor":"A","chargePointModel":"M"}]')],
         ["RPC-001a"]),
    Case("RPC-001a", "unpaired surrogate escape", [iut('[2,"1","DataTransfer",{"vendorId":"V","data":"\\ud800"}]')],
         ["RPC-001a"]),
    Case("RPC-001a", "surrogate pair escape", [iut('[2,"1","DataTransfer",{"vendorId":"V","data":"\\ud83d\\ude00"}]')],
         []),
    Case("RPC-002", "object instead of array", [iut({"id": "1"})], ["RPC-002"]),
    Case("RPC-002", "MessageTypeId as a string", [iut(["2", "1", "Heartbeat", {}])], ["RPC-002"]),
    Case("RPC-002", "MessageTypeId as a boolean", [iut([True, "1", "Heartbeat", {}])], ["RPC-002"]),
    Case("RPC-002", "empty array", [iut([])], ["RPC-002"]),
    Case("RPC-002", "array with an integer type", [iut(hb("1"))], []),
    Case("RPC-003", "type 7 in 1.6", [iut([7, "1", "Heartbeat", {}])], ["RPC-003"]),
    Case("RPC-003", "SEND in 2.0.1", [iut([6, "1", "NotifyPeriodicEventStream", STREAM])], ["RPC-003"],
         version="2.0.1"),
    Case("RPC-003", "SEND in 2.1", [iut([6, "1", "NotifyPeriodicEventStream", STREAM])], [], version="2.1"),
    Case("RPC-005", "CALL without payload", [iut([2, "1", "Heartbeat"])], ["RPC-005"]),
    Case("RPC-005", "CALLRESULT with an extra element", [suite(hb("1")), iut([3, "1", {}, {}])], ["RPC-005"],
         iut_role=CSMS),
    Case("RPC-005", "CALLERROR without details", [suite(hb("1")), iut([4, "1", "GenericError", ""])], ["RPC-005"],
         iut_role=CSMS),
    Case("RPC-005", "CALLERROR of five elements", [suite(hb("1")), iut(error("1"))], [], iut_role=CSMS),
    Case("RPC-006", "numeric MessageId", [iut([2, 17, "Heartbeat", {}])], ["RPC-006"]),
    Case("RPC-006", "MessageId of 37 characters", [iut(hb("x" * 37))], ["RPC-006"]),
    Case("RPC-006", "MessageId of 36 characters", [iut(hb("x" * 36))], []),
    # -- correlation ----------------------------------------------------------------------------
    Case("RPC-007", "1.6: id reused on the same connection",
         [iut(hb("a")), suite(hb_conf("a")), iut(hb("a")), suite(hb_conf("a"))], ["RPC-007"]),
    Case("RPC-007", "1.6: id reused on a new connection",
         [iut(hb("a")), suite(hb_conf("a")), reset(), iut(hb("a")), suite(hb_conf("a"))], []),
    Case("RPC-007", "2.0.1: id reused on a new connection",
         [iut([2, "a", "Heartbeat", {}]), suite(hb_conf("a")), reset(), iut([2, "a", "Heartbeat", {}]),
          suite(hb_conf("a"))], ["RPC-007"], version="2.0.1"),
    Case("RPC-007", "2.1: a retry of the same message keeps its id",
         [iut(hb("a")), suite(error("a", "InternalError")), iut(hb("a")), suite(hb_conf("a"))], [], version="2.1"),
    Case("RPC-007", "2.1: the id reused for another message",
         [iut(hb("a")), suite(hb_conf("a")), iut([2, "a", "BootNotification", BOOT201]),
          suite([3, "a", BOOT201_RESP])], ["RPC-007"], version="2.1"),
    Case("RPC-007", "suite reusing an id is the suite's fault",
         [suite([2, "a", "GetLocalListVersion", {}]), iut([3, "a", {"listVersion": 1}]),
          suite([2, "a", "GetLocalListVersion", {}]), iut([3, "a", {"listVersion": 1}])], ["suite:RPC-007"]),
    Case("RPC-008", "reply to no CALL", [iut([3, "zz", {}])], ["RPC-008"], iut_role=CSMS),
    Case("RPC-008", "reply to a CALL of the replying side itself",
         [iut(hb("h")), iut(hb_conf("h"))], ["RPC-008"]),
    Case("RPC-008", "reply to an outstanding CALL", [suite(hb("h")), iut(hb_conf("h"))], [], iut_role=CSMS),
    Case("RPC-008", "CALLERROR -1 without an unreadable frame", [iut(error("-1", "RpcFrameworkError"))], ["RPC-008"],
         version="2.0.1", iut_role=CSMS),
    Case("RPC-008", "CALLERROR -1 answers an unreadable frame",
         [suite("[2,", deliberate=True), iut(error("-1", "RpcFrameworkError"))], [], version="2.0.1", iut_role=CSMS),
    Case("RPC-008", "CALLERROR echoing the id of a broken frame",
         [suite('[2,"bad1","Heartbeat",{', deliberate=True), iut(error("bad1", "RpcFrameworkError"))], [],
         version="2.0.1", iut_role=CSMS),
    Case("RPC-008", "CALLERROR -1 answers invalid JSON whose id is legible",
         [suite('[2,"bad1","Heartbeat",{', deliberate=True), iut(error("-1", "RpcFrameworkError"))], [],
         version="2.0.1", iut_role=CSMS),
    Case("RPC-008", "CALLERROR -1 answers a malformed CALL",
         [suite([2, "m1", "Heartbeat"], deliberate=True), iut(error("-1", "RpcFrameworkError"))], [],
         version="2.0.1", iut_role=CSMS),
    Case("RPC-008", "one broken frame, two CALLERRORs -1",
         [suite("[2,", deliberate=True), iut(error("-1", "RpcFrameworkError")), iut(error("-1", "RpcFrameworkError"))],
         ["RPC-008"], version="2.0.1", iut_role=CSMS),
    Case("RPC-008", "broken frame answered by its id, then by -1",
         [suite('[2,"bad1","Heartbeat",{', deliberate=True), iut(error("bad1", "RpcFrameworkError")),
          iut(error("-1", "RpcFrameworkError"))], ["RPC-008"], version="2.0.1", iut_role=CSMS),
    Case("RPC-008", "CALLERROR to an unknown MessageTypeId (2.0.1 §4.4)",
         [suite([7, "m7", "Heartbeat", {}], deliberate=True), iut(error("m7", "MessageTypeNotSupported"))], [],
         version="2.0.1", iut_role=CSMS),
    Case("RPC-004", "2.0.1: unknown MessageTypeId answered with another CALLERROR",
         [suite([7, "m7", "Heartbeat", {}], deliberate=True), iut(error("m7", "FormatViolation"))], ["RPC-004"],
         version="2.0.1", iut_role=CSMS),
    Case("RPC-004", "2.0.1: unknown MessageTypeId answered with -1 and another CALLERROR",
         [suite([7, "m7", "Heartbeat", {}], deliberate=True), iut(error("-1", "RpcFrameworkError"))], ["RPC-004"],
         version="2.0.1", iut_role=CSMS),
    Case("RPC-004", "2.0.1: unknown MessageTypeId answered with a CALLRESULT",
         [suite([7, "m7", "Heartbeat", {}], deliberate=True), iut([3, "m7", {}])], ["RPC-004"],
         version="2.0.1", iut_role=CSMS),
    Case("RPC-004", "2.0.1: unknown MessageTypeId answered with -1 MessageTypeNotSupported",
         [suite([7, "m7", "Heartbeat", {}], deliberate=True), iut(error("-1", "MessageTypeNotSupported"))], [],
         version="2.0.1", iut_role=CSMS),
    Case("RPC-004", "1.6: an unknown MessageTypeId may be answered with any CALLERROR",
         [suite([7, "m7", "Heartbeat", {}], deliberate=True), iut(error("m7", "FormationViolation"))], [],
         iut_role=CSMS),
    Case("RPC-015", "2.0.1 OccurrenceConstraintViolation is a 2.x code",
         [suite(hb("1")), iut(error("1", "OccurrenceConstraintViolation"))], [], version="2.0.1", iut_role=CSMS),
    Case("RPC-015", "2.0.1 MessageTypeNotSupported is a 2.x code",
         [suite(hb("1")), iut(error("1", "MessageTypeNotSupported"))], [], version="2.0.1", iut_role=CSMS),
    Case("RPC-015", "1.6 has no MessageTypeNotSupported",
         [suite(hb("1")), iut(error("1", "MessageTypeNotSupported"))], ["RPC-015"], iut_role=CSMS),
    Case("RPC-009", "CALL answered twice", [suite(hb("h")), iut(hb_conf("h")), iut(hb_conf("h"))], ["RPC-009"],
         iut_role=CSMS),
    Case("RPC-009", "CALLRESULT then CALLERROR", [suite(hb("h")), iut(hb_conf("h")), iut(error("h"))], ["RPC-009"],
         iut_role=CSMS),
    Case("RPC-009", "suite answering twice", [iut(hb("h")), suite(hb_conf("h")), suite(hb_conf("h"))],
         ["suite:RPC-009"]),
    Case("RPC-009", "CALL answered once", [suite(hb("h")), iut(hb_conf("h"))], [], iut_role=CSMS),
    Case("RPC-010", "2.x: second CALL before the first is answered",
         [iut([2, "a", "BootNotification", BOOT201]), iut([2, "b", "BootNotification", BOOT201]),
          suite([3, "a", BOOT201_RESP]), suite([3, "b", BOOT201_RESP])],
         ["RPC-010"], version="2.0.1"),
    Case("RPC-010", "2.x: CALLs crossing from both sides",
         [iut(hb("a")), suite([2, "s", "GetLocalListVersion", {}]), suite(hb_conf("a")), iut([3, "s", {"versionNumber": 1}])],
         [], version="2.0.1"),
    Case("RPC-010", "2.x: new CALL after the first timed out",
         [iut(hb("a"), at=0), iut(hb("b"), at=31), suite(hb_conf("b"))], [], version="2.0.1"),
    Case("RPC-010a", "1.6: second CALL before the first is answered",
         [iut(hb("a")), iut(status_notification("b")), suite(hb_conf("a")), suite(empty_conf("b"))],
         ["RPC-010a"]),
    Case("RPC-010a", "1.6: CALLs one after another",
         [iut(hb("a")), suite(hb_conf("a")), iut(status_notification("b")), suite(empty_conf("b"))],
         []),
    Case("RPC-011", "unknown action", [iut([2, "1", "FooBar", {}])], ["RPC-011"]),
    Case("RPC-011", "action in the wrong case", [iut([2, "1", "heartbeat", {}])], ["RPC-011"]),
    Case("RPC-011", "action of another version", [iut([2, "1", "TransactionEvent", {}])], ["RPC-011"]),
    Case("RPC-011", "action that is not a string", [iut([2, "1", 5, {}])], ["RPC-011"]),
    Case("RPC-011", "2.1 SEND message sent as a CALL", [iut([2, "1", "NotifyPeriodicEventStream", STREAM])],
         ["RPC-011"], version="2.1"),
    Case("RPC-011", "2.1 CALL action sent as SEND", [iut([6, "1", "Heartbeat", {}])], ["RPC-011"], version="2.1"),
    Case("RPC-011", "known action", [iut(hb("1"))], []),
    Case("RPC-012", "charge point sends Reset", [iut([2, "1", "Reset", {"type": "Hard"}])], ["RPC-012"]),
    Case("RPC-012", "suite CSMS sends BootNotification", [suite([2, "1", "BootNotification", BOOT16])],
         ["suite:RPC-012"]),
    Case("RPC-012", "2.0.1 CSMS sends TransactionEvent",
         [iut([2, "1", "TransactionEvent", {"eventType": "Started", "timestamp": TIME, "triggerReason": "Authorized",
                                            "seqNo": 0, "transactionInfo": {"transactionId": "t1"}}])],
         ["RPC-012"], version="2.0.1", iut_role=CSMS),
    Case("RPC-012", "2.1 CSMS sends a SEND message", [iut([6, "1", "NotifyPeriodicEventStream", STREAM])],
         ["RPC-012"], version="2.1", iut_role=CSMS),
    Case("RPC-012", "DataTransfer either way",
         [iut([2, "1", "DataTransfer", {"vendorId": "V"}]), suite([3, "1", {"status": "Accepted"}]),
          suite([2, "2", "DataTransfer", {"vendorId": "V"}]), iut([3, "2", {"status": "Accepted"}])], []),
    Case("RPC-013", "CALL payload null", [iut([2, "1", "Heartbeat", None])], ["RPC-013"]),
    Case("RPC-013", "CALLRESULT payload an array", [suite(hb("1")), iut([3, "1", []])], ["RPC-013"], iut_role=CSMS),
    Case("RPC-013", "empty object payload", [iut([2, "1", "Heartbeat", {}])], []),
    Case("RPC-015", "1.6 unknown error code", [suite(hb("1")), iut(error("1", "Oops"))], ["RPC-015"], iut_role=CSMS),
    Case("RPC-015", "2.0.1 FormationViolation is not a 2.x code",
         [suite(hb("1")), iut(error("1", "FormationViolation"))], ["RPC-015"], version="2.0.1", iut_role=CSMS),
    Case("RPC-015", "error code not a string", [suite(hb("1")), iut(error("1", 5))], ["RPC-015"], iut_role=CSMS),
    Case("RPC-015", "1.6 FormationViolation", [suite(hb("1")), iut(error("1", "FormationViolation"))], [],
         iut_role=CSMS),
    Case("RPC-015", "2.0.1 RpcFrameworkError", [suite(hb("1")), iut(error("1", "RpcFrameworkError"))], [],
         version="2.0.1", iut_role=CSMS),
    Case("RPC-015a", "1.6 FormatViolation", [suite(hb("1")), iut(error("1", "FormatViolation"))], ["RPC-015a"],
         iut_role=CSMS),
    Case("RPC-015a", "1.6 OccurrenceConstraintViolation",
         [suite(hb("1")), iut(error("1", "OccurrenceConstraintViolation"))], ["RPC-015a"], iut_role=CSMS),
    Case("RPC-015a", "2.0.1 OccurenceConstraintViolation",
         [suite(hb("1")), iut(error("1", "OccurenceConstraintViolation"))], ["RPC-015a"], version="2.0.1",
         iut_role=CSMS),
    Case("RPC-015a", "1.6 OccurenceConstraintViolation",
         [suite(hb("1")), iut(error("1", "OccurenceConstraintViolation"))], [], iut_role=CSMS),
    Case("RPC-015a", "2.1 OccurrenceConstraintViolation",
         [suite(hb("1")), iut(error("1", "OccurrenceConstraintViolation"))], [], version="2.1", iut_role=CSMS),
    Case("RPC-016", "description not a string", [suite(hb("1")), iut(error("1", description=5))], ["RPC-016"],
         iut_role=CSMS),
    Case("RPC-016", "details an array", [suite(hb("1")), iut(error("1", details=[]))], ["RPC-016"], iut_role=CSMS),
    Case("RPC-016", "2.0.1 description of 256 characters", [suite(hb("1")), iut(error("1", description="d" * 256))],
         ["RPC-016"], version="2.0.1", iut_role=CSMS),
    Case("RPC-016", "2.0.1 description of 255 characters", [suite(hb("1")), iut(error("1", description="d" * 255))],
         [], version="2.0.1", iut_role=CSMS),
    Case("RPC-016", "1.6 has no description limit", [suite(hb("1")), iut(error("1", description="d" * 300))], [],
         iut_role=CSMS),
    Case("RPC-019", "CALLERROR answering a CALLRESULT",
         [iut(hb("h")), suite(hb_conf("h")), iut(error("h", "FormationViolation"))], ["RPC-019"]),
    Case("RPC-019", "CALLERROR answering a CALL", [suite(hb("h")), iut(error("h", "NotSupported"))], [],
         iut_role=CSMS),
    Case("RPC-021", "CALLRESULTERROR without a CALLRESULT",
         [iut([5, "x", "FormatViolation", "", {}])], ["RPC-021"], version="2.1"),
    Case("RPC-021", "CALLRESULTERROR about a CALLRESULT received",
         [iut(hb("c")), suite([3, "c", {"currentTime": "soon"}], deliberate=True),
          iut([5, "c", "FormatViolation", "currentTime is not a date-time", {}])], [], version="2.1"),
    Case("RPC-022", "SEND answered", [suite([6, "s1", "NotifyPeriodicEventStream", STREAM]), iut([3, "s1", {}])],
         ["RPC-022"], version="2.1", iut_role=CSMS),
    Case("RPC-022", "SEND not answered", [suite([6, "s1", "NotifyPeriodicEventStream", STREAM])], [], version="2.1",
         iut_role=CSMS),
    # -- schema -----------------------------------------------------------------------------------
    Case("SCH-001", "request missing a required field", [iut([2, "1", "BootNotification", {"chargePointVendor": "A"}])],
         ["SCH-001"]),
    Case("SCH-001", "response with a bad enum", [suite([2, "1", "BootNotification", BOOT16]),
                                                 iut([3, "1", {**BOOT16_CONF, "status": "Fine"}])],
         ["SCH-001"], iut_role=CSMS),
    Case("SCH-001", "date-time without offset", [suite(hb("1")), iut(hb_conf("1", "2024-05-01T12:00:00"))],
         ["SCH-001"], iut_role=CSMS),
    Case("SCH-001", "1.6 integer written 1.0 (draft-04)", [iut([2, "1", "StopTransaction", {**stop_transaction("Wh"),
                                                                                         "meterStop": 1.0}])],
         ["SCH-001"]),
    Case("SCH-001", "2.0.1 integer written 1.0 (draft-06)",
         [iut([2, "1", "BootNotification", BOOT201]), suite([3, "1", {**BOOT201_RESP, "interval": 300.0}])],
         [], version="2.0.1"),
    Case("SCH-001", "Hertz in StopTransaction (errata overlay)", [iut([2, "1", "StopTransaction", stop_transaction("Hertz")])],
         []),
    Case("SCH-001", "limit 21.4 is a multiple of 0.1", [iut([2, "1", "SetChargingProfile", charging_profile(21.4)])],
         [], iut_role=CSMS),
    Case("SCH-001", "limit 4.11 is not a multiple of 0.1",
         [iut([2, "1", "SetChargingProfile", charging_profile(4.11)])], ["SCH-001"], iut_role=CSMS),
    Case("SCH-001", "2.1 SEND payload checked", [iut([6, "1", "NotifyPeriodicEventStream", {**STREAM, "data": []}])],
         ["SCH-001"], version="2.1"),
    Case("SCH-001", "valid request and response", [iut([2, "1", "BootNotification", BOOT16]),
                                                   suite([3, "1", BOOT16_CONF])], []),
    Case("SCH-006a", "non-ASCII CiString", [iut([2, "1", "BootNotification", {**BOOT16, "chargePointModel": "Mé"}])],
         ["SCH-006a"]),
    Case("SCH-006a", "control character in a CiString",
         [iut([2, "1", "BootNotification", {**BOOT16, "chargePointModel": "M\t1"}])], ["SCH-006a"]),
    Case("SCH-006a", "printable ASCII CiString",
         [iut([2, "1", "BootNotification", {**BOOT16, "chargePointModel": "M-1 ~x"}])], []),
    Case("SCH-006a", "2.0.1 strings may be Unicode",
         [iut([2, "1", "BootNotification", {**BOOT201, "chargingStation": {"model": "Mé", "vendorName": "A"}}])], [],
         version="2.0.1"),
    Case("SCH-007a", "2.0.1 six fractional digits",
         [suite(hb("1")), iut(hb_conf("1", "2024-05-01T12:00:00.123456Z"))], ["SCH-007a"], version="2.0.1",
         iut_role=CSMS),
    Case("SCH-007a", "2.0.1 three fractional digits and an offset",
         [suite(hb("1")), iut(hb_conf("1", "2024-05-01T12:00:00.123+02:00"))], [], version="2.0.1", iut_role=CSMS),
    Case("SCH-007a", "1.6 does not limit fractions", [suite(hb("1")), iut(hb_conf("1", "2024-05-01T12:00:00.123456Z"))],
         [], iut_role=CSMS),
    Case("SCH-012", "white-paper message without white-paper support",
         [iut([2, "1", "SecurityEventNotification", {"type": "FirmwareUpdated", "timestamp": TIME}])], ["SCH-012"],
         options={"whitepaper": False}),
    Case("SCH-012", "white-paper message with white-paper support",
         [iut([2, "1", "SecurityEventNotification", {"type": "FirmwareUpdated", "timestamp": TIME}])], []),
    # -- registration (OCPP 1.6 §4.2) -------------------------------------------------------------
    Case("BEH-001", "request before the BootNotification on the same connection",
         [reset(), iut(status_notification("1")), suite(empty_conf("1")), iut(boot("2")), suite(boot_conf("2"))],
         ["BEH-001"]),
    Case("BEH-001", "request after a reboot, before its BootNotification",
         [iut(boot("1")), suite(boot_conf("1")), reset(), iut(hb("2")), suite(hb_conf("2")), iut(boot("3")),
          suite(boot_conf("3"))], ["BEH-001"]),
    Case("BEH-001", "request while the BootNotification got a CALLERROR",
         [iut(boot("1")), suite(error("1")), iut(hb("2")), suite(hb_conf("2"))], ["BEH-001"]),
    Case("BEH-001", "BootNotification first, then the other requests",
         [iut(boot("1")), suite(boot_conf("1")), iut(status_notification("2")), suite(empty_conf("2"))], []),
    Case("BEH-001", "reconnect without a reboot sends what it queued",
         [iut(boot("1")), suite(boot_conf("1")), reset(), iut(status_notification("2")), suite(empty_conf("2"))], []),
    Case("BEH-001", "BootNotification asked for by TriggerMessage",
         [iut(boot("1")), suite(boot_conf("1")), reset(), iut(hb("2")), suite(hb_conf("2")),
          suite(trigger("3", "BootNotification")), iut([3, "3", {"status": "Accepted"}]), iut(boot("4")),
          suite(boot_conf("4"))], []),
    Case("BEH-001", "restart after an accepted Reset that keeps the connection",
         [iut(boot("1")), suite(boot_conf("1")), iut(hb("2")), suite(hb_conf("2")),
          suite([2, "3", "Reset", {"type": "Soft"}]), iut([3, "3", {"status": "Accepted"}]),
          iut(status_notification("4")), suite(empty_conf("4")), iut(boot("5")), suite(boot_conf("5"))], []),
    Case("BEH-001", "BootNotification after other requests although the Reset was refused",
         [reset(), iut(hb("1")), suite(hb_conf("1")), suite([2, "2", "Reset", {"type": "Soft"}]),
          iut([3, "2", {"status": "Rejected"}]), iut(boot("3")), suite(boot_conf("3"))], ["BEH-001"]),
    Case("BEH-001", "the suite's own charge point is judged too",
         [reset(), suite(hb("1")), iut(hb_conf("1")), suite(boot("2")), iut(boot_conf("2"))], ["suite:BEH-001"],
         iut_role=CSMS),
    Case("BEH-006a", "request while Pending, not asked for",
         [iut(boot("1")), suite(boot_conf("1", "Pending")), iut(hb("2")), suite(hb_conf("2"))], ["BEH-006a"]),
    Case("BEH-006a", "request while Pending after the TriggerMessage was refused",
         [iut(boot("1")), suite(boot_conf("1", "Pending")), suite(trigger("2", "StatusNotification")),
          iut([3, "2", {"status": "Rejected"}]), iut(status_notification("3")), suite(empty_conf("3"))], ["BEH-006a"]),
    Case("BEH-006a", "request while Pending that a TriggerMessage asked for",
         [iut(boot("1")), suite(boot_conf("1", "Pending")), suite(trigger("2", "StatusNotification")),
          iut([3, "2", {"status": "Accepted"}]), iut(status_notification("3")), suite(empty_conf("3"))], []),
    Case("BEH-006a", "BootNotification again while Pending, then Accepted",
         [iut(boot("1")), suite(boot_conf("1", "Pending")), iut(boot("2")), suite(boot_conf("2")), iut(hb("3")),
          suite(hb_conf("3"))], []),
    Case("BEH-005", "request while Rejected",
         [iut(boot("1")), suite(boot_conf("1", "Rejected")), iut(hb("2")), suite(hb_conf("2"))], ["BEH-005"]),
    Case("BEH-005", "answers the Central System while Rejected",
         [iut(boot("1")), suite(boot_conf("1", "Rejected")), suite([2, "2", "GetConfiguration", {}]),
          iut(empty_conf("2"))], ["BEH-005"]),
    Case("BEH-005", "BootNotification again after Rejected, then Accepted",
         [iut(boot("1")), suite(boot_conf("1", "Rejected")), iut(boot("2")), suite(boot_conf("2")), iut(hb("3")),
          suite(hb_conf("3"))], []),
    # 2.0.1 (Part 2 B02, B03): while Pending the reports a GetBaseReport asked for go out; while Rejected the station
    # answers a CSMS request with CALLERROR SecurityError, and with nothing else.
    Case("BEH-006a", "2.0.1: NotifyReport while Pending after GetBaseReport",
         [iut([2, "1", "BootNotification", BOOT201]), suite([3, "1", {**BOOT201_RESP, "status": "Pending"}]),
          suite([2, "2", "GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"}]),
          iut([3, "2", {"status": "Accepted"}]),
          iut([2, "3", "NotifyReport", {"requestId": 1, "generatedAt": TIME, "seqNo": 0}]), suite([3, "3", {}])],
         [], version="2.0.1"),
    Case("BEH-006a", "2.0.1: NotifyReport while Pending, not asked for",
         [iut([2, "1", "BootNotification", BOOT201]), suite([3, "1", {**BOOT201_RESP, "status": "Pending"}]),
          iut([2, "3", "NotifyReport", {"requestId": 1, "generatedAt": TIME, "seqNo": 0}]), suite([3, "3", {}])],
         ["BEH-006a"], version="2.0.1"),
    Case("BEH-005", "2.0.1: answers a CSMS request with SecurityError while Rejected",
         [iut([2, "1", "BootNotification", BOOT201]), suite([3, "1", {**BOOT201_RESP, "status": "Rejected"}]),
          suite([2, "2", "GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"}]),
          iut(error("2", "SecurityError"))], [], version="2.0.1"),
    Case("BEH-005", "2.0.1: answers a CSMS request with a CALLRESULT while Rejected",
         [iut([2, "1", "BootNotification", BOOT201]), suite([3, "1", {**BOOT201_RESP, "status": "Rejected"}]),
          suite([2, "2", "GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"}]),
          iut([3, "2", {"status": "Accepted"}])], ["BEH-005"], version="2.0.1"),
    # 2.0.1 transactions (Part 2 E01-E06): the ledger of every TransactionEvent of a station under test.
    Case("BEH-014", "2.0.1: seqNo 0, 1, 2 through Started, Updated, Ended",
         [*tx_events(("Started", 0), ("Updated", 1), ("Ended", 2))], [], version="2.0.1"),
    Case("BEH-014", "2.0.1: a retry repeats the message unchanged",
         [*tx_events(("Started", 0), ("Started", 0), ("Ended", 1))], [], version="2.0.1"),
    Case("BEH-014", "2.0.1: seqNo skips one", [*tx_events(("Started", 0), ("Ended", 2))], ["BEH-014"],
         version="2.0.1"),
    Case("BEH-014", "2.0.1: seqNo repeated with another message",
         [*tx_events(("Started", 0), ("Updated", 1), ("Ended", 1))], ["BEH-014"], version="2.0.1"),
    Case("BEH-014", "2.0.1: Started with seqNo 3", [*tx_events(("Started", 3))], ["BEH-014"], version="2.0.1"),
    Case("BEH-014", "2.0.1: a transaction that ran before the suite listened",
         [*tx_events(("Updated", 5), ("Ended", 6))], [], version="2.0.1"),
    Case("BEH-014a", "2.0.1: a second Started", [*tx_events(("Started", 0), ("Started", 1))], ["BEH-014a"],
         version="2.0.1"),
    Case("BEH-014a", "2.0.1: an event after Ended", [*tx_events(("Started", 0), ("Ended", 1), ("Updated", 2))],
         ["BEH-014a"], version="2.0.1"),
    Case("BEH-014a", "2.0.1: a transaction that begins with Updated seqNo 0", [*tx_events(("Updated", 0))],
         ["BEH-014a"], version="2.0.1"),
    Case("BEH-014a", "2.0.1: the suite's own station is not judged (CSMS under test)",
         [*tx_events(("Started", 0), ("Started", 1), sender=suite)], [], version="2.0.1", iut_role=CSMS),
    Case("BEH-014b", "2.0.1: the transaction moves to another EVSE",
         [*tx_events(("Started", 0), ("Ended", 1, {"evse": {"id": 2}}))], ["BEH-014b"], version="2.0.1"),
    Case("BEH-014b", "2.0.1: the EVSE named again", [*tx_events(("Started", 0), ("Ended", 1, {"evse": {"id": 1}}))],
         [], version="2.0.1"),
    Case("BEH-008b", "2.0.1: a timestamp earlier than the event before it",
         [*tx_events(("Started", 0), ("Ended", 1, {"timestamp": "2024-05-01T11:59:00Z"}))], ["BEH-008b"],
         version="2.0.1"),
    Case("BEH-008b", "2.0.1: timestamps in order",
         [*tx_events(("Started", 0), ("Ended", 1, {"timestamp": "2024-05-01T12:01:00Z"}))], [], version="2.0.1"),
    # -- timing -----------------------------------------------------------------------------------
    Case("BEH-012", "IUT never answers", [suite(hb("1"), at=0), overdue(30.5), overdue(60)], ["BEH-012"],
         iut_role=CSMS),
    Case("BEH-012", "suite never answers", [iut(hb("1"), at=0), overdue(30.5)], ["suite:BEH-012"]),
    Case("BEH-012", "not yet overdue", [suite(hb("1"), at=0), overdue(29.9)], [], iut_role=CSMS),
    Case("BEH-012", "deliberate CALL the IUT may drop",
         [suite([2, "1", "Heartbeat", {"bogus": 1}], at=0, deliberate=True), overdue(31)], [], iut_role=CSMS),
    Case("BEH-012", "answered in time", [suite(hb("1"), at=0), iut(hb_conf("1"), at=2), overdue(31)], [],
         iut_role=CSMS),
    Case("BEH-012a", "reply after the timeout", [suite(hb("1"), at=0), iut(hb_conf("1"), at=34)], ["BEH-012a"],
         iut_role=CSMS),
    Case("BEH-012a", "late reply after the timeout was reported",
         [suite(hb("1"), at=0), overdue(31), iut(hb_conf("1"), at=34)], ["BEH-012", "BEH-012a"], iut_role=CSMS),
    Case("BEH-012a", "reply within a shorter configured timeout",
         [suite(hb("1"), at=0), iut(hb_conf("1"), at=4)], [], iut_role=CSMS, options={"response_timeout": 5}),
]


def _case_id(case: Case) -> str:
    return f"{case.rule}-{'breaks' if case.breaks else 'keeps'}-{case.name}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_rule_case(case: Case) -> None:
    feed = Feed(case.version, case.iut_role, **case.options)
    for step in case.steps:
        step(feed)
    assert feed.verdicts() == sorted(case.expect), "\n".join(
        f"{v.rule_id} by {'IUT' if v.by_iut else 'suite'}: {v.message}" for v in feed.violations())


def test_every_rule_is_covered() -> None:
    broken = {c.rule for c in CASES if c.breaks}
    kept = {c.rule for c in CASES if not c.breaks}
    judged = set(RULES) - rules_warned_by_cases()  # those are proven by their cases' fault rows
    assert judged - broken == set(), "rules without a case that breaks them"
    assert judged - kept == set(), "rules without a case that keeps them"
    assert {c.rule for c in CASES} <= set(RULES), "cases about rules that do not exist"


def test_violations_carry_the_rule_catalogue() -> None:
    for case in CASES:
        feed = Feed(case.version, case.iut_role, **case.options)
        for step in case.steps:
            step(feed)
        for violation in feed.violations():
            rule = RULES[violation.rule_id]
            assert (violation.level, violation.spec) == (rule.level, rule.spec)
            assert violation.message
