"""OCPP-J RPC framework probes: a value outside its enumeration, an action sent the wrong way, and the Central
System's one outstanding CALL (own case IDs; the first two in either role)."""

import asyncio
import json
import uuid

from conformance import case
from conformance.timestamps import utc_now
from conformance.wire import Kind, Role

SECTION = "RPC framework"


def _probes(descriptor) -> dict:
    """CALLs the IUT must refuse: one with a value outside its enumeration, one of an action it never receives."""
    if descriptor.ocpp_version != "1.6":
        if descriptor.sut is Role.CHARGE_POINT:
            return {
                "enum": ("ChangeAvailability", {"operationalStatus": "Operational"}),  # Inoperative | Operative
                "direction": ("BootNotification", {"reason": "PowerUp", "chargingStation": {
                    "model": "probe", "vendorName": "ocpp-conformance"}}),
            }
        return {
            "enum": ("StatusNotification", {"timestamp": utc_now(), "connectorStatus": "Charging",  # 1.6's, not 2.x's
                                            "evseId": 1, "connectorId": 1}),
            "direction": ("ClearCache", {}),
        }
    if descriptor.sut is Role.CHARGE_POINT:
        return {
            "enum": ("ChangeAvailability", {"connectorId": 1, "type": "Operational"}),  # Inoperative | Operative
            "direction": ("BootNotification", {"chargePointVendor": "ocpp-conformance", "chargePointModel": "probe"}),
        }
    return {
        "enum": ("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Occupied"}),  # 1.5's
        "direction": ("ClearCache", {}),
    }


def _harmless_query(descriptor) -> tuple[str, dict, dict]:
    """A command that asks and changes nothing: (action, payload, an answer the suite may give)."""
    if descriptor.ocpp_version == "1.6":
        return "GetConfiguration", {"key": ["HeartbeatInterval"]}, {}
    item = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
    return "GetVariables", {"getVariableData": [item]}, {"getVariableResult": [
        {"attributeStatus": "Accepted", "attributeValue": "300", **item}]}


def _frame(action: str, payload) -> str:
    return json.dumps([2, str(uuid.uuid4()), action, payload])


@case("OCPPJ_RPC_005", "Value outside its enumeration answered with PropertyConstraintViolation",
      spec="OCPP-J 1.6 §4.2.3 Table 7",
      requirement="A CALL whose payload is well-formed but has a field with a value its type does not allow (a string "
                  "outside the enumeration) SHALL be answered with a CALLERROR PropertyConstraintViolation (\"Payload "
                  "is syntactically correct but at least one field contains an invalid value\"), never a CALLRESULT.")
async def test_value_outside_enumeration(iut_ocpp, descriptor):
    action, payload = _probes(descriptor)["enum"]
    sent = await iut_ocpp.send_raw(_frame(action, payload))
    await iut_ocpp.expect_call_error("PropertyConstraintViolation", to=sent,
                                     requirement=f"{action} with a value outside its enumeration is answered with "
                                                 "CALLERROR PropertyConstraintViolation (OCPP-J 1.6 §4.2.3 Table 7).")


@case("OCPPJ_RPC_006", "Action of the other role answered with NotSupported",
      spec="OCPP-J 1.6 §4.2.3 Table 7; OCPP 1.6 chapters 4 and 5",
      requirement="A CALL of an action the receiver knows but never handles, because only it may send it (e.g. "
                  "BootNotification sent to a charge point), SHALL be answered with CALLERROR NotSupported "
                  "(\"Requested Action is recognized but not supported by the receiver\"), not NotImplemented, which "
                  "is for actions the receiver does not know.")
async def test_action_of_the_other_role(iut_ocpp, descriptor):
    action, payload = _probes(descriptor)["direction"]
    sent = await iut_ocpp.send_raw(_frame(action, payload))
    await iut_ocpp.expect_call_error("NotSupported", to=sent,
                                     requirement=f"{action} is an action only the IUT itself sends; it is recognized "
                                                 "but not supported as a request to the IUT (OCPP-J 1.6 Table 7).")


@case("OCPPJ_RPC_007", "One outstanding CALL: the Central System waits for the answer",
      sut=Role.CSMS,
      spec="OCPP-J 1.6 §4.1.1; OCPP 2.0.1 Part 4 §4.1.1",
      requirement="While its CALL is unanswered and not timed out the Central System does not send another CALL on "
                  "the connection (1.6: \"SHOULD NOT send a CALL message to the other party unless all the CALL "
                  "messages it sent before have been responded to or have timed out\"; 2.x: SHALL NOT). The suite's "
                  "charge point "
                  "holds back its answer to the first of two commands the operator gives at once.")
async def test_one_outstanding_call(csms, booted, iut, descriptor, timeouts):
    action, payload, answer = _harmless_query(descriptor)
    hold = min(timeouts.settle, timeouts.response / 2)  # well inside the response timeout: the first is not timed out
    calls: list = []
    second = asyncio.Event()

    def watch(rec) -> None:
        if rec.kind is Kind.FRAME and rec.from_iut and rec.is_call and rec.action == action:
            calls.append(rec)
            if len(calls) > 1:
                second.set()

    async def held_back(request: dict) -> dict:
        try:  # until the Central System sends its next CALL or `hold` has passed, whichever comes first
            await asyncio.wait_for(second.wait(), hold)
        except TimeoutError:
            pass
        return answer

    unsubscribe = csms.wire.subscribe(watch)
    csms.respond(action, held_back, times=1)
    since = csms.mark_now()
    try:
        await asyncio.gather(iut.send_command(action, payload, csms.identity),
                             iut.send_command(action, payload, csms.identity))
        first = await csms.expect(action, within=timeouts.expect, after=since,
                                  requirement="The Central System sends the command the operator gave.")
        await csms.expect(action, within=hold + timeouts.response + timeouts.tolerance, after=first,
                          requirement="The Central System sends the second command once the first is answered.")
    finally:
        unsubscribe()
