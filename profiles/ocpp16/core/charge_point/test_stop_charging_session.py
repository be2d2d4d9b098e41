"""OCTT 2.3 — Stop Charging Session (the suite plays the Central System)."""

from conformance import case
from conformance.ocpp16.preconditions import start_charging
from conformance.ocpp16.steps import check_stop_reason
from conformance.timestamps import in_days

SECTION = "Stop Charging Session"
ENDED = {"Finishing", "Available"}  # where a connector may go when its transaction ends (OCPP 1.6 §4.9)
RUNNING = {"SuspendedEV", "SuspendedEVSE"}  # a transaction that goes on without energy


async def _stopped_by_card(charge_point, session, id_tag, since):
    stop = await charge_point.expect(
        "StopTransaction", after=since, transactionId=session.transaction_id,
        requirement="A card allowed to stop the transaction stops it (OCPP 1.6 §4.10).")
    stopped_by = stop.payload.get("idTag")
    assert stopped_by == id_tag, (
        f"[behaviour] StopTransaction (#{stop.seq}) carries {'idTag ' + repr(stopped_by) if stopped_by else 'no idTag'}; "
        f"it SHALL name the idTag that stopped the transaction, {id_tag!r}")
    check_stop_reason(stop, "Local")
    await charge_point.expect(
        "StatusNotification", after=since, connectorId=session.connector, status="Finishing",
        requirement="A transaction stopped while the EV is still connected leaves the connector Finishing (OCPP 1.6 §4.9).")


async def _after_ev_side_disconnect(charge_point, iut, session):
    """Unplug at the EV side; returns the first status the connector reports about it (in any of ENDED or RUNNING)."""
    since = charge_point.mark_now()
    await iut.unplug(session.connector)
    status = await charge_point.expect(
        "StatusNotification", after=since, connectorId=session.connector, status=ENDED | RUNNING,
        requirement="The Charge Point reports the EV-side disconnect with StatusNotification (OCPP 1.6 §4.9).")
    return since, status


@case("TC_068_CS", "Stop transaction - IdTag in StopTransaction matches IdTag in StartTransaction",
      spec="OCPP 1.6 §4.10, §4.9",
      requirement="The idTag that started a transaction, presented again, SHALL stop it: StopTransaction.req carries "
                  "that idTag (reason Local) and the connector becomes Finishing while the EV is still connected.")
async def test_stop_with_same_id_tag(charge_point, iut, charging_session):
    since = charge_point.mark_now()
    await iut.present_id_tag(charging_session.id_tag, charging_session.connector)
    await _stopped_by_card(charge_point, charging_session, charging_session.id_tag, since)


@case("TC_069_CS", "Stop transaction - ParentIdTag in StopTransaction matches ParentIdTag in StartTransaction",
      spec="OCPP 1.6 §3.5, §4.1, §4.10",
      requirement="Another idTag with the same parentIdTag as the one that started the transaction SHALL be allowed "
                  "to stop it: the Charge Point learns its parentIdTag with Authorize.req and sends StopTransaction.req "
                  "with that idTag.",
      needs=("id_tags.parent", "id_tags.valid_2"))
async def test_stop_with_same_parent_id_tag(charge_point, iut, configure, available_connector, id_tags):
    await configure(LocalPreAuthorize=False)  # the second card's group is learned from the Central System
    session = await start_charging(charge_point, iut, available_connector, id_tags.child_id_tag)
    group, other = id_tags.parent_id_tag, id_tags.valid_2

    def authorize(payload):
        if payload.get("idTag") == other:
            return {"idTagInfo": {"status": "Accepted", "parentIdTag": group, "expiryDate": in_days(1)}}
        return {"idTagInfo": charge_point.responders.id_tag_info(payload.get("idTag"))}

    charge_point.respond("Authorize", authorize)  # the second card belongs to the same group for this case
    since = charge_point.mark_now()
    await iut.present_id_tag(other, session.connector)
    await charge_point.expect("Authorize", after=since, idTag=other,
                              requirement="An idTag other than the one that started the transaction is authorized "
                                          "first, to learn its parentIdTag (OCPP 1.6 §3.5, §4.1).")
    await _stopped_by_card(charge_point, session, other, since)


@case("TC_005_1_CS",
      "EV Side Disconnected - StopTransactionOnEVSideDisconnect = true - UnlockConnectorOnEVSideDisconnect = true",
      spec="OCPP 1.6 §4.10, §4.9, §9.1 (StopTransactionOnEVSideDisconnect, UnlockConnectorOnEVSideDisconnect)",
      requirement="With StopTransactionOnEVSideDisconnect true the Charge Point SHALL stop the transaction when the "
                  "cable is unplugged at the EV (reason EVDisconnected); with UnlockConnectorOnEVSideDisconnect true it "
                  "unlocks the cable, so the connector becomes Available once the cable is removed.")
async def test_ev_side_disconnect_stops_and_unlocks(charge_point, iut, configure, charging_session):
    await configure(StopTransactionOnEVSideDisconnect=True, UnlockConnectorOnEVSideDisconnect=True)
    since, status = await _after_ev_side_disconnect(charge_point, iut, charging_session)
    stop = await charge_point.expect(
        "StopTransaction", after=since, transactionId=charging_session.transaction_id,
        requirement="StopTransactionOnEVSideDisconnect true: the transaction stops on an EV-side disconnect (§9.1).")
    check_stop_reason(stop, "EVDisconnected")
    if status.payload["status"] not in ENDED:
        status = await charge_point.expect("StatusNotification", after=status, connectorId=charging_session.connector,
                                           status=ENDED)
    if status.payload["status"] == "Finishing":  # the unlocked cable is still in the socket: the driver removes it
        await iut.unplug(charging_session.connector)
        await charge_point.expect(
            "StatusNotification", after=status, connectorId=charging_session.connector, status="Available",
            requirement="UnlockConnectorOnEVSideDisconnect true: the cable is unlocked and, once removed, the "
                        "connector is Available (§9.1, §4.9).")


@case("TC_005_2_CS",
      "EV Side Disconnected - StopTransactionOnEVSideDisconnect = true - UnlockConnectorOnEVSideDisconnect = false",
      spec="OCPP 1.6 §4.10, §4.9, §5.18, §9.1 (StopTransactionOnEVSideDisconnect, UnlockConnectorOnEVSideDisconnect)",
      requirement="With StopTransactionOnEVSideDisconnect true the Charge Point SHALL stop the transaction on an EV-side "
                  "disconnect (reason EVDisconnected); with UnlockConnectorOnEVSideDisconnect false a detachable cable "
                  "stays locked (Finishing) until UnlockConnector.req unlocks it.")
async def test_ev_side_disconnect_stops_keeps_locked(charge_point, iut, configure, charging_session, descriptor):
    await configure(StopTransactionOnEVSideDisconnect=True, UnlockConnectorOnEVSideDisconnect=False)
    connector = charging_session.connector
    since, status = await _after_ev_side_disconnect(charge_point, iut, charging_session)
    stop = await charge_point.expect(
        "StopTransaction", after=since, transactionId=charging_session.transaction_id,
        requirement="StopTransactionOnEVSideDisconnect true: the transaction stops on an EV-side disconnect (§9.1).")
    check_stop_reason(stop, "EVDisconnected")
    if status.payload["status"] not in ENDED:
        status = await charge_point.expect("StatusNotification", after=status, connectorId=connector, status=ENDED)
    if not descriptor.fixed_cable:
        assert status.payload["status"] == "Finishing", (
            f"[behaviour] the connector became {status.payload['status']} (#{status.seq}) after the EV-side disconnect; "
            "with UnlockConnectorOnEVSideDisconnect false the cable stays locked in the socket, so it must be Finishing")
    unlock = await charge_point.call("UnlockConnector", {"connectorId": connector},
                                     requirement="The Central System can unlock the cable kept locked (OCPP 1.6 §5.18).")
    expected = "NotSupported" if descriptor.fixed_cable else "Unlocked"
    assert unlock.status == expected, f"[behaviour] UnlockConnector was answered {unlock.status!r}, expected {expected!r}"
    if not descriptor.fixed_cable:
        await iut.unplug(connector)  # the driver takes the unlocked cable out of the socket
        await charge_point.expect("StatusNotification", after=status, connectorId=connector, status="Available",
                                  requirement="The unlocked cable removed, the connector is Available (OCPP 1.6 §4.9).")


@case("TC_005_3_CS",
      "EV Side Disconnected - StopTransactionOnEVSideDisconnect = false - UnlockConnectorOnEVSideDisconnect = false",
      spec="OCPP 1.6 §4.9, §5.12, §9.1 (StopTransactionOnEVSideDisconnect)",
      requirement="With StopTransactionOnEVSideDisconnect false the Charge Point SHALL NOT stop the transaction when the "
                  "cable is unplugged at the EV (it is suspended, SuspendedEV or SuspendedEVSE); the transaction ends "
                  "only when stopped otherwise, here by RemoteStopTransaction.req (reason Remote).")
async def test_ev_side_disconnect_keeps_transaction(charge_point, iut, configure, charging_session):
    await configure(StopTransactionOnEVSideDisconnect=False, UnlockConnectorOnEVSideDisconnect=False)
    session = charging_session
    since, status = await _after_ev_side_disconnect(charge_point, iut, session)
    early = charge_point.frames("StopTransaction", after=since)
    assert status.payload["status"] in RUNNING and not early, (
        f"[behaviour] after the EV-side disconnect the connector became {status.payload['status']} (#{status.seq})"
        + (f" and the charge point sent StopTransaction (#{early[0].seq})" if early else "")
        + "; with StopTransactionOnEVSideDisconnect false the transaction SHALL go on (SuspendedEV or SuspendedEVSE)")
    conf = await charge_point.call("RemoteStopTransaction", {"transactionId": session.transaction_id})
    assert conf.status == "Accepted", (
        f"[behaviour] RemoteStopTransaction for the running transaction {session.transaction_id} was answered "
        f"{conf.status!r}; the transaction should still run")
    stop = await charge_point.expect("StopTransaction", after=since, transactionId=session.transaction_id,
                                     requirement="An accepted RemoteStopTransaction stops the transaction (§5.12).")
    check_stop_reason(stop, "Remote")
    await charge_point.expect("StatusNotification", after=status, connectorId=session.connector, status=ENDED,
                              requirement="A stopped transaction leaves the connector Finishing or Available (§4.9).")
