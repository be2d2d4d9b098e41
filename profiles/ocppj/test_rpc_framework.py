"""OCPP-J RPC framework: how the IUT treats malformed and unknown messages (either role, own case IDs)."""

import json
import uuid

from conformance import case
from conformance.wire import Role

SECTION = "RPC framework"

# Codes OCPP-J 1.6 Table 7 allows for each malformation (both spellings the specs use; the judge warns on the
# non-canonical one).
MISSING_FIELD_CODES = {"OccurenceConstraintViolation", "OccurrenceConstraintViolation", "ProtocolError", "FormationViolation", "FormatViolation"}
WRONG_TYPE_CODES = {"TypeConstraintViolation", "FormationViolation", "FormatViolation"}


HEARTBEAT_VARIABLE = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}


def _malformed(role: Role, version: str) -> dict:
    """CALLs the IUT must understand, each broken in one way."""
    if version != "1.6":  # OCPP 2.x
        if role is Role.CHARGE_POINT:
            return {
                "missing": ("SetVariables", {}),
                "type": ("GetVariables", {"getVariableData": "HeartbeatInterval"}),
                "probe": ("GetVariables", {"getVariableData": [HEARTBEAT_VARIABLE]}),
            }
        return {
            "missing": ("StatusNotification", {"connectorStatus": "Available", "evseId": 1, "connectorId": 1}),
            "type": ("Authorize", {"idToken": 12345}),
            "probe": ("Heartbeat", {}),
        }
    if role is Role.CHARGE_POINT:
        return {
            "missing": ("ChangeConfiguration", {"key": "HeartbeatInterval"}),
            "type": ("GetConfiguration", {"key": "HeartbeatInterval"}),
            "probe": ("GetConfiguration", {"key": ["HeartbeatInterval"]}),
        }
    return {
        "missing": ("StatusNotification", {"connectorId": 1, "status": "Available"}),
        "type": ("Authorize", {"idTag": 12345}),
        "probe": ("Heartbeat", {}),
    }


def _frame(action: str, payload) -> tuple[str, str]:
    uid = str(uuid.uuid4())
    return uid, json.dumps([2, uid, action, payload])


@case("OCPPJ_RPC_001", "Malformed CALL - missing required field - answered with CALLERROR",
      spec="OCPP-J 1.6 §4.2.3 Table 7",
      requirement="A CALL whose payload lacks a required field SHALL be answered with a CALLERROR carrying the CALL's "
                  "unique id and an occurrence/protocol/formation error code, never with a CALLRESULT.")
async def test_missing_required_field(iut_ocpp, descriptor):
    action, payload = _malformed(descriptor.sut, descriptor.ocpp_version)["missing"]
    uid, text = _frame(action, payload)
    sent = await iut_ocpp.send_raw(text)
    await iut_ocpp.expect_call_error(MISSING_FIELD_CODES, to=sent,
                                     requirement=f"{action} without a required field is answered with a CALLERROR.")


@case("OCPPJ_RPC_002", "Malformed CALL - wrong field type - answered with CALLERROR",
      spec="OCPP-J 1.6 §4.2.3 Table 7",
      requirement="A CALL with a field of the wrong JSON type SHALL be answered with a CALLERROR carrying the CALL's "
                  "unique id and TypeConstraintViolation (or FormationViolation).")
async def test_wrong_field_type(iut_ocpp, descriptor):
    action, payload = _malformed(descriptor.sut, descriptor.ocpp_version)["type"]
    uid, text = _frame(action, payload)
    sent = await iut_ocpp.send_raw(text)
    await iut_ocpp.expect_call_error(WRONG_TYPE_CODES, to=sent,
                                     requirement=f"{action} with a wrongly typed field is answered with a CALLERROR.")


@case("OCPPJ_RPC_003", "Unknown action answered with NotImplemented",
      spec="OCPP-J 1.6 §4.2.3 Table 7",
      requirement="A CALL whose action the receiver does not know SHALL be answered with CALLERROR NotImplemented "
                  "(NotSupported is for actions it knows but does not support).")
async def test_unknown_action(iut_ocpp):
    uid, text = _frame("ConformanceProbeUnknownAction", {})
    sent = await iut_ocpp.send_raw(text)
    await iut_ocpp.expect_call_error("NotImplemented", to=sent,
                                     requirement="An unknown action is answered with NotImplemented.")


@case("OCPPJ_RPC_004", "Frame that is not JSON does not break the link",
      spec="OCPP-J 1.6 §4.1.2, §4.2.3",
      requirement="A frame that is not valid JSON SHALL NOT be answered with a CALLRESULT; the receiver may answer "
                  "with a CALLERROR (unique id \"-1\" when it cannot read one) and SHALL keep serving the connection.")
async def test_not_json(iut_ocpp, descriptor):
    garbage = await iut_ocpp.send_raw('[2, "not-json", "Heartbeat", {')
    action, payload = _malformed(descriptor.sut, descriptor.ocpp_version)["probe"]
    await iut_ocpp.call(action, payload, requirement="After a garbage frame the IUT still answers a valid CALL.")
    answers = [r for r in iut_ocpp.wire.after(garbage.seq) if r.from_iut and r.is_result and r.unique_id in ("-1", "not-json")]
    assert not answers, f"[behaviour] the IUT answered a frame that is not JSON with a CALLRESULT (#{answers[0].seq})"
