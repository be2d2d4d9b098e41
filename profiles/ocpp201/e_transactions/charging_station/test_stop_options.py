"""OCTT 2.0.1 E — Stop transaction options (Part 2 E06, TxStopPoint), local and remote stop (E07, F03),
deauthorization (E05) and EV-side disconnects (E10) on a charging station under test (the suite plays the CSMS).
TxCtrlr.TxStopPoint is set for the case (and put back after it); a transaction is started through the driver."""

from conformance import case
from conformance.errors import Inconclusive
from conformance.ocpp201 import transaction_steps as tx
from conformance.ocpp201.preconditions import start_transaction

SECTION = "Transactions"
REQ_STOP = ("The Charging Station SHALL end a transaction (TransactionEventRequest eventType Ended) when a condition "
            "TxStopPoint names no longer holds (E06), with the stoppedReason and triggerReason of what ended it.")


async def running(charging_station, set_variables, iut, evse: int, token: str, *, stop: str):
    await tx.points(set_variables, stop=stop)
    return await start_transaction(charging_station, iut, evse, token)


async def ended(charging_station, since, transaction, **subset):
    return await tx.event(charging_station, since, "Ended", tx_id=transaction.transaction_id, requirement=REQ_STOP,
                          **subset)


@case("TC_E_06_CS", "Local Stop Transaction - Accepted",
      spec="OCPP 2.0.1 Part 2 E07",
      requirement="The driver presenting the IdToken that started the transaction SHALL stop it: a TransactionEvent "
                  "with triggerReason StopAuthorized, and the transaction Ended with stoppedReason Local.")
async def test_local_stop(charging_station, available_evse, iut, id_tags):
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    since = charging_station.mark_now()
    await iut.present_id_tag(id_tags.valid, available_evse)
    stop = await charging_station.expect(
        "TransactionEvent", after=since, triggerReason="StopAuthorized",
        transactionInfo=tx.of_transaction(transaction.transaction_id),
        requirement="Presenting the IdToken that started the transaction stops it: triggerReason StopAuthorized (E07).")
    end = stop if stop.payload.get("eventType") == "Ended" else None
    if end is None:
        await iut.unplug(available_evse)
        end = await ended(charging_station, since, transaction)
    tx.stopped_reason(end, "Local", "the driver stopped it at the station")


@case("TC_E_07_CS", "Stop transaction options - PowerPathClosed - Local stop",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint PowerPathClosed), E07",
      requirement=REQ_STOP + " With PowerPathClosed, the driver's stop opens the power path: Ended with "
                             "triggerReason StopAuthorized, stoppedReason Local.")
async def test_stop_power_path_local(charging_station, available_evse, set_variables, iut, id_tags):
    transaction = await running(charging_station, set_variables, iut, available_evse, id_tags.valid,
                                stop="PowerPathClosed")
    await stop_by_token(charging_station, iut, available_evse, id_tags.valid, transaction)


@case("TC_E_08_CS", "Stop transaction options - EnergyTransfer stopped - StopAuthorized",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint EnergyTransfer)",
      requirement=REQ_STOP + " With EnergyTransfer, the driver's stop ends the energy transfer and the transaction: "
                             "Ended with triggerReason StopAuthorized, stoppedReason Local.")
async def test_stop_energy_transfer_authorized(charging_station, available_evse, set_variables, iut, id_tags):
    transaction = await running(charging_station, set_variables, iut, available_evse, id_tags.valid,
                                stop="EnergyTransfer")
    await stop_by_token(charging_station, iut, available_evse, id_tags.valid, transaction)


@case("TC_E_15_CS", "Stop transaction options - StopAuthorized - Local",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint Authorized), E07",
      requirement=REQ_STOP + " With Authorized, the driver's stop ends the transaction while the cable is still in: "
                             "Ended with triggerReason StopAuthorized, stoppedReason Local.")
async def test_stop_authorized_local(charging_station, available_evse, set_variables, iut, id_tags):
    transaction = await running(charging_station, set_variables, iut, available_evse, id_tags.valid,
                                stop="Authorized")
    await stop_by_token(charging_station, iut, available_evse, id_tags.valid, transaction)


@case("TC_E_21_CS", "Stop transaction options - StopAuthorized - Remote",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint Authorized), F03",
      requirement=REQ_STOP + " With Authorized, a RequestStopTransaction the station accepts ends the transaction: "
                             "Ended with triggerReason RemoteStop, stoppedReason Remote.")
async def test_stop_authorized_remote(charging_station, available_evse, set_variables, iut, id_tags):
    transaction = await running(charging_station, set_variables, iut, available_evse, id_tags.valid,
                                stop="Authorized")
    await remote_stop(charging_station, transaction)


@case("TC_E_35_CS", "Stop transaction options - PowerPathClosed - Remote stop",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint PowerPathClosed), F03",
      requirement=REQ_STOP + " With PowerPathClosed, a RequestStopTransaction the station accepts ends the "
                             "transaction: Ended with triggerReason RemoteStop, stoppedReason Remote.")
async def test_stop_power_path_remote(charging_station, available_evse, set_variables, iut, id_tags):
    transaction = await running(charging_station, set_variables, iut, available_evse, id_tags.valid,
                                stop="PowerPathClosed")
    await remote_stop(charging_station, transaction)


async def stop_by_token(charging_station, iut, evse, token, transaction) -> None:
    """The driver presents the IdToken that started the transaction again: Ended, StopAuthorized, Local."""
    since = charging_station.mark_now()
    await iut.present_id_tag(token, evse)
    end = await ended(charging_station, since, transaction)
    tx.trigger(end, "StopAuthorized", "the driver presented the IdToken again")
    tx.stopped_reason(end, "Local", "the driver stopped it at the station")


async def remote_stop(charging_station, transaction) -> None:
    since = charging_station.mark_now()
    reply = await charging_station.call("RequestStopTransaction", {"transactionId": transaction.transaction_id},
                                        requirement="The Charging Station SHALL answer RequestStopTransaction (F03).")
    assert reply.payload.get("status") == "Accepted", (
        f"RequestStopTransaction of the running transaction {transaction.transaction_id} was answered "
        f"{reply.payload.get('status')!r}, expected Accepted (F03)")
    end = await ended(charging_station, since, transaction)
    tx.trigger(end, "RemoteStop", "the CSMS stopped it")
    tx.stopped_reason(end, "Remote", "the CSMS stopped it")


@case("TC_E_14_CS", "Stop transaction options - EVDisconnected - Charging Station side",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint EVConnected)",
      requirement=REQ_STOP + " With EVConnected, the cable taken out at the station ends the transaction: Ended "
                             "with stoppedReason EVDisconnected.")
async def test_stop_station_side(charging_station, available_evse, set_variables, iut, id_tags):
    transaction = await running(charging_station, set_variables, iut, available_evse, id_tags.valid,
                                stop="EVConnected")
    since = charging_station.mark_now()
    await iut.unplug(available_evse, side="station")
    end = await ended(charging_station, since, transaction)
    tx.trigger(end, ("EVCommunicationLost", "EVDeparted"), "the cable was taken out")
    tx.stopped_reason(end, "EVDisconnected", "the EV is no longer connected")


async def ev_side_stop(charging_station, available_evse, set_variables, iut, id_tags, stop: str,
                       suspend: bool = False) -> None:
    transaction = await running(charging_station, set_variables, iut, available_evse, id_tags.valid, stop=stop)
    since = charging_station.mark_now()
    if suspend:
        await iut.suspend_ev(available_evse)
        updated = await tx.event(charging_station, since, "Updated", tx_id=transaction.transaction_id,
                                 requirement="A change of the charging state is reported (E02).")
        tx.charging_state(updated, "SuspendedEV", "the EV takes no energy")
    await iut.unplug(available_evse)
    end = await ended(charging_station, since, transaction)
    tx.trigger(end, "EVCommunicationLost", "the cable was taken out at the EV")
    tx.stopped_reason(end, "EVDisconnected", "the EV is no longer connected")


@case("TC_E_20_CS", "Stop transaction options - EVDisconnected - EV side (able to charge IEC 61851-1 EV)",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint EVConnected), E10",
      requirement=REQ_STOP + " With EVConnected, the cable taken out at the EV ends the transaction: Ended with "
                             "triggerReason EVCommunicationLost, stoppedReason EVDisconnected.")
async def test_stop_ev_side(charging_station, available_evse, set_variables, iut, id_tags):
    await ev_side_stop(charging_station, available_evse, set_variables, iut, id_tags, "EVConnected")


@case("TC_E_54_CS", "Stop transaction options - EVDisconnected - EV side (not able to charge IEC 61851-1 EV)",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint EVConnected), E10",
      requirement=REQ_STOP + " With EVConnected, an EV that takes no energy (SuspendedEV) and is disconnected at the "
                             "EV side ends the transaction: Ended with stoppedReason EVDisconnected.")
async def test_stop_ev_side_suspended(charging_station, available_evse, set_variables, iut, id_tags):
    await ev_side_stop(charging_station, available_evse, set_variables, iut, id_tags, "EVConnected", suspend=True)


@case("TC_E_37_CS", "Stop transaction options - PowerPathClosed - EV side disconnect",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint PowerPathClosed), E10",
      requirement=REQ_STOP + " With PowerPathClosed, the cable taken out at the EV opens the power path: Ended with "
                             "triggerReason EVCommunicationLost, stoppedReason EVDisconnected.")
async def test_stop_power_path_ev_side(charging_station, available_evse, set_variables, iut, id_tags):
    await ev_side_stop(charging_station, available_evse, set_variables, iut, id_tags, "PowerPathClosed")


@case("TC_E_17_CS", "Stop transaction options - Deauthorized - EV side disconnect",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint Authorized), E10 (StopTxOnEVSideDisconnect)",
      requirement=REQ_STOP + " With Authorized and StopTxOnEVSideDisconnect true, a disconnect at the EV side "
                             "withdraws the authorization and ends the transaction: stoppedReason EVDisconnected.")
async def test_stop_deauthorized_ev_side(charging_station, available_evse, set_variables, iut, id_tags):
    reply = await charging_station.call("GetVariables", {"getVariableData": [
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "StopTxOnEVSideDisconnect"}}]})
    result = (reply.payload.get("getVariableResult") or [{}])[0]
    if str(result.get("attributeValue")).lower() != "true":
        raise Inconclusive("TxCtrlr.StopTxOnEVSideDisconnect is true",
                           f"the station reports {result.get('attributeValue')!r} ({result.get('attributeStatus')})",
                           frame_seq=reply.record.seq)
    await ev_side_stop(charging_station, available_evse, set_variables, iut, id_tags, "Authorized")


@case("TC_E_22_CS", "Stop transaction options - EnergyTransfer stopped - SuspendedEV",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint EnergyTransfer)",
      requirement=REQ_STOP + " With EnergyTransfer, the EV ceasing to take energy (SuspendedEV) ends the "
                             "transaction: Ended with stoppedReason StoppedByEV.")
async def test_stop_energy_transfer_suspended(charging_station, available_evse, set_variables, iut, id_tags):
    transaction = await running(charging_station, set_variables, iut, available_evse, id_tags.valid,
                                stop="EnergyTransfer")
    since = charging_station.mark_now()
    await iut.suspend_ev(available_evse)
    end = await ended(charging_station, since, transaction)
    tx.trigger(end, ("ChargingStateChanged", "EnergyTransferStopped"), "the EV stopped taking energy")
    tx.stopped_reason(end, "StoppedByEV", "the EV stopped taking energy")


@case("TC_E_16_CS", "Stop transaction options - Deauthorized - Invalid idToken",
      spec="OCPP 2.0.1 Part 2 E05 (TxCtrlr.StopTxOnInvalidId)",
      requirement="With StopTxOnInvalidId true, a TransactionEventResponse whose idTokenInfo is not Accepted SHALL "
                  "end the transaction: Ended with triggerReason Deauthorized, stoppedReason DeAuthorized (E05).")
async def test_stop_invalid_id(charging_station, available_evse, set_variables, iut, id_tags):
    await set_variables(("TxCtrlr", "StopTxOnInvalidId", True), ("TxCtrlr", "TxStopPoint", "PowerPathClosed"))

    def invalid(payload):
        return {"idTokenInfo": {"status": "Invalid"}} if payload.get("idToken") else {}

    charging_station.respond("TransactionEvent", invalid)
    since = charging_station.mark_now()
    await iut.plug_in(available_evse)
    await iut.present_id_tag(id_tags.valid, available_evse)
    with_token = await charging_station.expect(
        "TransactionEvent", after=since, idToken={"idToken": id_tags.valid},
        requirement="The transaction is reported with the IdToken (E02).")
    end = await tx.event(charging_station, since, "Ended", tx_id=tx.tx_id_of(with_token),
                         requirement="With StopTxOnInvalidId true an IdToken the CSMS reports Invalid ends the "
                                     "transaction (E05).")
    tx.trigger(end, "Deauthorized", "the CSMS answered the IdToken Invalid")
    tx.stopped_reason(end, "DeAuthorized", "the CSMS answered the IdToken Invalid")


@case("TC_E_39_CS", "Stop transaction options - Deauthorized - timeout",
      spec="OCPP 2.0.1 Part 2 E03, E06 (TxStartPoint Authorized, EVConnectionTimeOut)",
      requirement="A transaction started on authorization whose cable is not plugged in within EVConnectionTimeOut "
                  "SHALL end: Ended with triggerReason EVConnectTimeout, stoppedReason Timeout.")
async def test_stop_cable_timeout(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await set_variables(("TxCtrlr", "TxStartPoint", "Authorized"), ("TxCtrlr", "TxStopPoint", "Authorized"),
                        ("TxCtrlr", "EVConnectionTimeOut", 1))
    since = charging_station.mark_now()
    await iut.present_id_tag(id_tags.valid, available_evse)
    started = await tx.event(charging_station, since, "Started",
                             requirement="With TxStartPoint Authorized the authorization starts the transaction (E03).")
    end = await tx.event(charging_station, since, "Ended", tx_id=tx.tx_id_of(started), within=1 + timeouts.expect,
                         requirement="No cable within EVConnectionTimeOut (1 s): the transaction ends (E03).")
    tx.trigger(end, "EVConnectTimeout", "no cable was plugged in within EVConnectionTimeOut")
    tx.stopped_reason(end, "Timeout", "no cable was plugged in within EVConnectionTimeOut")


@case("TC_E_19_CS", "Stop transaction options - ParkingBayUnoccupied",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint ParkingBayOccupancy)",
      requirement=REQ_STOP + " With ParkingBayOccupancy, the vehicle leaving the parking bay ends the transaction: "
                             "Ended with triggerReason EVDeparted.")
async def test_stop_parking_bay(charging_station, available_evse, set_variables, iut):
    await tx.points(set_variables, start="ParkingBayOccupancy", stop="ParkingBayOccupancy")
    since = charging_station.mark_now()
    await iut.park(available_evse)
    started = await tx.event(charging_station, since, "Started",
                             requirement="With TxStartPoint ParkingBayOccupancy the vehicle in the bay starts the "
                                         "transaction (E01).")
    await iut.leave_bay(available_evse)
    end = await tx.event(charging_station, since, "Ended", tx_id=tx.tx_id_of(started), requirement=REQ_STOP)
    tx.trigger(end, "EVDeparted", "the vehicle left the parking bay")


@case("TC_E_26_CS", "Disconnect cable on EV-side - Suspend transaction",
      spec="OCPP 2.0.1 Part 2 E10 (TxCtrlr.StopTxOnEVSideDisconnect false)",
      requirement="With StopTxOnEVSideDisconnect false, a cable disconnected at the EV side SHALL NOT end the "
                  "transaction: it is suspended (Updated, triggerReason EVCommunicationLost) and goes on when the EV "
                  "is plugged in again (Updated, triggerReason CablePluggedIn, chargingState Charging) (E10).")
async def test_ev_side_suspend(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await set_variables(("TxCtrlr", "StopTxOnEVSideDisconnect", False))
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    since = charging_station.mark_now()
    await iut.unplug(available_evse)
    await tx.event(charging_station, since, "Updated", tx_id=transaction.transaction_id,
                   triggerReason="EVCommunicationLost",
                   requirement="The EV-side disconnect is reported; the transaction goes on, suspended (E10).")
    await charging_station.expect_no("TransactionEvent", during=timeouts.settle, after=since, eventType="Ended",
                                     requirement="With StopTxOnEVSideDisconnect false the transaction does not end "
                                                 "when the EV is disconnected (E10).")
    await iut.plug_in(available_evse)
    resumed = await tx.event(charging_station, since, "Updated", tx_id=transaction.transaction_id,
                             triggerReason="CablePluggedIn",
                             requirement="The EV plugged in again: the transaction goes on (E10).")
    tx.charging_state(resumed, "Charging", "the EV is back and takes energy")


@case("TC_E_27_CS", "Disconnect cable on EV-side - Suspend transaction - Fixed cable connection timeout",
      spec="OCPP 2.0.1 Part 2 E10 (TxCtrlr.StopTxOnEVSideDisconnect false, a fixed cable), E03 (EVConnectionTimeOut)",
      requirement="With StopTxOnEVSideDisconnect false a station with a fixed cable suspends the transaction when the "
                  "EV is disconnected (Updated, triggerReason EVCommunicationLost) and SHALL end it when the EV is "
                  "not connected again within EVConnectionTimeOut: Ended with triggerReason EVConnectTimeout (E10).",
      needs=("fixed_cable",))
async def test_ev_side_suspend_fixed_cable(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await set_variables(("TxCtrlr", "StopTxOnEVSideDisconnect", False), ("TxCtrlr", "EVConnectionTimeOut", 1))
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    since = charging_station.mark_now()
    await iut.unplug(available_evse)
    await tx.event(charging_station, since, "Updated", tx_id=transaction.transaction_id,
                   triggerReason="EVCommunicationLost",
                   requirement="The EV-side disconnect is reported; the transaction goes on, suspended (E10).")
    end = await tx.event(charging_station, since, "Ended", tx_id=transaction.transaction_id,
                         within=1 + timeouts.expect,
                         requirement="The EV not connected again within EVConnectionTimeOut (1 s): the transaction "
                                     "ends (E10).")
    tx.trigger(end, "EVConnectTimeout", "the EV was not connected again within EVConnectionTimeOut")
    tx.expect_field(end, "transactionInfo.stoppedReason (omitted = Local)",
                    tx.info(end).get("stoppedReason", "Local"), ("Timeout", "EVDisconnected"),
                    "the EV did not come back within EVConnectionTimeOut")


REQ_UNLOCK = ("With StopTxOnEVSideDisconnect true a disconnect at the EV side ends the transaction (stoppedReason "
              "EVDisconnected); OCPPCommCtrlr.UnlockOnEVSideDisconnect then decides the connector lock at the station "
              "side: true, the Charging Station SHALL unlock the cable; false, it SHALL keep it locked until the "
              "IdToken that started the transaction is presented again (E10).")


async def ev_side_deauthorized(charging_station, available_evse, set_variables, iut, id_tags, *, unlock: bool):
    """A transaction ended by an EV-side disconnect with StopTxOnEVSideDisconnect true and UnlockOnEVSideDisconnect
    `unlock`; returns whether the connector lock still holds the cable after the Ended event. The lock is observed
    through the driver (`cable_locked`): a driver that cannot observe it makes the case not applicable."""
    await set_variables(("TxCtrlr", "StopTxOnEVSideDisconnect", True),
                        ("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", unlock))
    transaction = await running(charging_station, set_variables, iut, available_evse, id_tags.valid,
                                stop="Authorized")
    if not await iut.cable_locked(available_evse):
        raise Inconclusive("the cable is locked at the station during the transaction",
                           f"the driver reports the connector lock of EVSE {available_evse} open while charging")
    since = charging_station.mark_now()
    await iut.unplug(available_evse)
    end = await ended(charging_station, since, transaction)
    tx.trigger(end, "EVCommunicationLost", "the cable was taken out at the EV")
    tx.stopped_reason(end, "EVDisconnected", "the EV is no longer connected")
    return await iut.cable_locked(available_evse)


@case("TC_E_24_CS", "Disconnect cable on EV-side - Deauthorize transaction - UnlockOnEVSideDisconnect is true",
      spec="OCPP 2.0.1 Part 2 E10 (TxCtrlr.StopTxOnEVSideDisconnect, OCPPCommCtrlr.UnlockOnEVSideDisconnect true)",
      requirement=REQ_UNLOCK)
async def test_ev_side_deauthorize_unlock(charging_station, available_evse, set_variables, iut, id_tags):
    locked = await ev_side_deauthorized(charging_station, available_evse, set_variables, iut, id_tags, unlock=True)
    assert not locked, (f"after the EV-side disconnect ended the transaction, the connector lock of EVSE "
                        f"{available_evse} still holds the cable (driver: cable_locked true), expected it unlocked: "
                        "UnlockOnEVSideDisconnect is true (E10)")


@case("TC_E_25_CS", "Disconnect cable on EV-side - Deauthorize transaction - UnlockOnEVSideDisconnect is false",
      spec="OCPP 2.0.1 Part 2 E10 (TxCtrlr.StopTxOnEVSideDisconnect, OCPPCommCtrlr.UnlockOnEVSideDisconnect false)",
      requirement=REQ_UNLOCK)
async def test_ev_side_deauthorize_keep_locked(charging_station, available_evse, set_variables, iut, id_tags):
    locked = await ev_side_deauthorized(charging_station, available_evse, set_variables, iut, id_tags, unlock=False)
    assert locked, (f"after the EV-side disconnect ended the transaction, the connector lock of EVSE "
                    f"{available_evse} let the cable go (driver: cable_locked false), expected it locked until the "
                    "driver's IdToken: UnlockOnEVSideDisconnect is false (E10)")
    await iut.present_id_tag(id_tags.valid, available_evse)
    assert not await iut.cable_locked(available_evse), (
        f"the driver presented the IdToken that started the transaction, and the connector lock of EVSE "
        f"{available_evse} still holds the cable (driver: cable_locked true), expected it unlocked (E10)")
