"""OCTT 3.18 — RemoteTrigger (the suite plays the charge point).

The operator makes the Central System ask for every message TriggerMessage.req can request, with and without
connectorId; the suite's charge point answers first and then sends the requested message (OCPP 1.6 §5.17), and the
Central System's answers to those messages are judged as always (its clock, the registration, the schema).
"""

from conformance import case
from conformance.ocpp16.roles.station import operator_command

SECTION = "RemoteTrigger"

REQ_TRIGGER = "The Central System sends TriggerMessage.req as the operator asked (OCPP 1.6 §5.17)."


async def _trigger(csms, iut, station, timeouts, message: str, connector: int | None = None):
    payload: dict = {"requestedMessage": message}
    if connector is not None:
        payload["connectorId"] = connector
    req = await operator_command(iut, csms, "TriggerMessage", payload, within=timeouts.expect,
                                 requirement=REQ_TRIGGER, as_asked=("requestedMessage", "connectorId"))
    await station.reaction(req)  # the requested message sent after the answer, and the Central System's reply judged
    return req


@case("TC_054_CSMS", "Trigger Message",
      spec="OCPP 1.6 §5.17, §4.2, §4.4, §4.5, §4.6, §4.7, §4.9",
      requirement="The Central System SHALL be able to request every charge point-initiated message TriggerMessage.req "
                  "covers — for a connector where it matters, or for all — and SHALL answer each requested message "
                  "that follows (BootNotification Accepted with its current time, Heartbeat with its current time, "
                  "StatusNotification, MeterValues, DiagnosticsStatusNotification and FirmwareStatusNotification "
                  "Idle).")
async def test_trigger_message(csms, booted, station, iut, timeouts, available_connector):
    c = available_connector
    for message, connector in (("MeterValues", c), ("MeterValues", None), ("Heartbeat", None),
                               ("StatusNotification", c), ("StatusNotification", None),
                               ("DiagnosticsStatusNotification", None), ("FirmwareStatusNotification", None),
                               ("BootNotification", None)):
        since = csms.wire.last_seq
        await _trigger(csms, iut, station, timeouts, message, connector)
        sent = [r for r in csms.wire.after(since) if not r.from_iut and r.is_call and r.action == message]
        assert sent, f"the suite's charge point did not send the {message} it accepted to send"


@case("TC_055_CSMS", "Trigger Message - Rejected",
      spec="OCPP 1.6 §5.17",
      requirement="The Central System SHALL be able to send TriggerMessage.req for a connector as the operator asked "
                  "and take the answer Rejected of a charge point that will not send the message (it has no such "
                  "connector).")
async def test_trigger_message_rejected(csms, booted, station, iut, timeouts, descriptor):
    missing = descriptor.connectors + 1
    for message in ("StatusNotification", "MeterValues"):
        since = csms.wire.last_seq
        await _trigger(csms, iut, station, timeouts, message, missing)
        sent = [r for r in csms.wire.after(since) if not r.from_iut and r.is_call and r.action == message]
        assert not sent, f"the suite's charge point sent {message} for connector {missing}, which it does not have"
