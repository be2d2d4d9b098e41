"""OCTT 2.21 — RemoteTrigger (the suite plays the Central System).

Every message TriggerMessage.req can ask for, with and without connectorId. The order is read on the wire: the
TriggerMessage.conf comes first, the requested message after it (OCPP 1.6 §5.17). A connectorId the message does
not concern is ignored; an absent one that matters means every connector; a connector the charge point does not
have is Rejected.
"""

import asyncio

from conformance import case, warn
from conformance.wire import Record

SECTION = "RemoteTrigger"
ENERGY = "Energy.Active.Import.Register"

REQ_ORDER = ("The Charge Point SHALL first send the TriggerMessage response, before sending the requested message "
             "(OCPP 1.6 §5.17).")


async def _trigger(charge_point, message: str, connector: int | None = None):
    """Ask for `message`; returns (the mark before the CALL, the TriggerMessage.conf)."""
    payload: dict = {"requestedMessage": message}
    if connector is not None:
        payload["connectorId"] = connector
    since = charge_point.mark_now()
    conf = await charge_point.call("TriggerMessage", payload, requirement=REQ_ORDER)
    return since, conf


def _not_before_answer(charge_point, message: str, since: int, conf) -> None:
    early = [f for f in charge_point.frames(message, after=since) if f.seq < conf.record.seq]
    assert not early, (
        f"[behaviour] {message}.req #{early[0].seq} went out before the TriggerMessage.conf #{conf.record.seq} that "
        "accepted the request for it; the Charge Point SHALL first send the TriggerMessage response, then the "
        "requested message (OCPP 1.6 §5.17)")


def _accepted(conf, message: str, connector: int | None) -> None:
    asked = f"{message}" + (f" for connector {connector}" if connector is not None else "")
    assert conf.status == "Accepted", (
        f"[behaviour] TriggerMessage.req for {asked} was answered {conf.status!r}; a Charge Point with the Remote "
        "Trigger profile sends its current state on request, and Accepted says \"the requested notification will "
        "be sent\" (OCPP 1.6 §5.17, TriggerMessageStatus)")


async def _requested(charge_point, message: str, since: int, conf, timeouts, **subset) -> Record:
    _not_before_answer(charge_point, message, since, conf)
    return await charge_point.expect(
        message, within=timeouts.expect, after=conf.record, requirement=REQ_ORDER + " Accepted means the requested "
        "notification will be sent (TriggerMessageStatus).", **subset)


async def _for_each(charge_point, message: str, connectors: list[int], since: int, conf, timeouts) -> list[Record]:
    """The requested message for every connector (no connectorId asked); at least one SHALL come (Accepted), one per
    connector SHOULD (BEH-020)."""
    _not_before_answer(charge_point, message, since, conf)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeouts.expect
    got, missing = [], []
    for c in connectors:
        try:
            got.append(await charge_point.expect(message, within=max(0.0, deadline - loop.time()), after=conf.record,
                                                 connectorId=c, requirement=REQ_ORDER))
        except AssertionError:
            missing.append(c)
    assert got, (
        f"[behaviour] no {message}.req followed the accepted TriggerMessage.req without connectorId within "
        f"{timeouts.expect:g} s; Accepted means the requested notification will be sent (OCPP 1.6 §5.17)")
    if missing:
        warn("BEH-020", f"TriggerMessage {message} without connectorId: no {message}.req for connector(s) "
                        f"{', '.join(map(str, missing))}; an absent connectorId means every connector")
    return got


def _measurands(record: Record) -> set[str]:
    return {sv.get("measurand", ENERGY) for mv in (record.payload or {}).get("meterValue") or []
            for sv in mv.get("sampledValue") or [] if isinstance(sv, dict)}


def _all_measurands(record: Record, configured: list[str]) -> None:
    lacking = [m for m in configured if m not in _measurands(record)]
    assert not lacking, (
        f"[behaviour] the triggered MeterValues.req #{record.seq} lacks {', '.join(lacking)}; a MeterValues message "
        "triggered this way SHALL return the most recent measurements for all measurands configured in "
        f"MeterValuesSampledData ({', '.join(configured)}) (OCPP 1.6 §5.17)")


@case("TC_054_CS", "Trigger Message",
      spec="OCPP 1.6 §5.17, §6.51, §6.52, §7 (MessageTrigger, TriggerMessageStatus, DiagnosticsStatus, "
           "FirmwareStatus)",
      requirement="The Charge Point SHALL answer TriggerMessage.req first and send the requested message after its "
                  "answer — BootNotification, Heartbeat, StatusNotification and MeterValues for one connector and "
                  "(without connectorId) for every connector, a triggered MeterValues with the most recent "
                  "measurements of all measurands in MeterValuesSampledData, DiagnosticsStatusNotification and "
                  "FirmwareStatusNotification with status Idle (or NotImplemented without the Firmware Management "
                  "profile); a connectorId the message does not concern is ignored.")
async def test_trigger_message(charge_point, descriptor, available_connector, timeouts):
    c = available_connector
    conf = await charge_point.call("GetConfiguration", {"key": ["MeterValuesSampledData"]})
    held = {e.get("key"): e.get("value") for e in (conf.get("configurationKey") or []) if isinstance(e, dict)}
    sampled = [m.strip() for m in str(held.get("MeterValuesSampledData") or "").split(",") if m.strip()]

    since, conf = await _trigger(charge_point, "MeterValues", c)
    _accepted(conf, "MeterValues", c)
    _all_measurands(await _requested(charge_point, "MeterValues", since, conf, timeouts, connectorId=c), sampled)

    since, conf = await _trigger(charge_point, "MeterValues")
    _accepted(conf, "MeterValues", None)
    for record in await _for_each(charge_point, "MeterValues", list(range(1, descriptor.connectors + 1)), since, conf,
                                  timeouts):
        _all_measurands(record, sampled)

    since, conf = await _trigger(charge_point, "Heartbeat")
    _accepted(conf, "Heartbeat", None)
    await _requested(charge_point, "Heartbeat", since, conf, timeouts)

    since, conf = await _trigger(charge_point, "Heartbeat", c)  # connectorId does not concern a Heartbeat
    if conf.status == "Accepted":
        await _requested(charge_point, "Heartbeat", since, conf, timeouts)
    else:
        warn("BEH-020", f"TriggerMessage Heartbeat with connectorId {c} was answered {conf.status!r}; a connectorId "
                        "the message does not concern is ignored and the message still sent")

    since, conf = await _trigger(charge_point, "StatusNotification", c)
    _accepted(conf, "StatusNotification", c)
    await _requested(charge_point, "StatusNotification", since, conf, timeouts, connectorId=c, status="Available")

    since, conf = await _trigger(charge_point, "StatusNotification")
    _accepted(conf, "StatusNotification", None)
    await _for_each(charge_point, "StatusNotification", list(range(descriptor.connectors + 1)), since, conf, timeouts)

    for message in ("DiagnosticsStatusNotification", "FirmwareStatusNotification"):
        since, conf = await _trigger(charge_point, message)
        if not descriptor.declares("firmware_management") and conf.status in ("NotImplemented", "Rejected"):
            continue  # without the Firmware Management profile the charger need not implement them
        _accepted(conf, message, None)
        await _requested(charge_point, message, since, conf, timeouts, status="Idle")

    since, conf = await _trigger(charge_point, "BootNotification")
    _accepted(conf, "BootNotification", None)
    await _requested(charge_point, "BootNotification", since, conf, timeouts)


@case("TC_055_CS", "Trigger Message - Rejected",
      spec="OCPP 1.6 §5.17, §6.52, §7 TriggerMessageStatus",
      requirement="In the TriggerMessage.conf the Charge Point SHALL indicate whether it will send the requested "
                  "message: for a connectorId it does not have it cannot, so StatusNotification and MeterValues for "
                  "such a connector are answered Rejected and nothing is sent for it.")
async def test_trigger_message_rejected(charge_point, descriptor, booted, timeouts):
    missing = descriptor.connectors + 1
    for message in ("StatusNotification", "MeterValues"):
        since, conf = await _trigger(charge_point, message, missing)
        assert conf.status == "Rejected", (
            f"[behaviour] TriggerMessage.req for {message} of connector {missing} was answered {conf.status!r}; the "
            f"charge point has {descriptor.connectors} connector(s), so it will not send it and SHALL say so with "
            "Rejected (OCPP 1.6 §5.17)")
        await charge_point.expect_no(message, during=timeouts.settle, after=since, connectorId=missing,
                                     requirement=f"Nothing is sent for connector {missing}, which does not exist.")
