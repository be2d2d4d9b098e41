"""OCTT E — Stop transaction options (the suite plays the charging station; Part 2 E06, TxCtrlr.TxStopPoint, E05,
F03).

The suite's station runs a transaction and ends it at the TxStopPoint each case names, with the triggerReason and
stoppedReason of what happened. The CSMS SHALL answer every TransactionEventRequest (the IdTokenInfo of an IdToken it
carries: Invalid for one it does not know, E05), and a remote stop SHALL name the transaction to stop (F03)."""

from conformance import case
from conformance.ocpp201.roles.transactions import REQ_TX_EVENT

SECTION = "Transactions"
EVSE = 1

REQ_REMOTE_STOP = ("To stop a transaction remotely the CSMS SHALL send RequestStopTransactionRequest with the "
                   "transactionId of that transaction, and SHALL answer the TransactionEventRequest Ended (triggerReason "
                   "RemoteStop, stoppedReason Remote) that follows (Part 2 F03.FR.01-FR.03, E06).")
REQ_INVALID = ("The CSMS SHALL answer the TransactionEventRequest carrying an IdToken it does not know with "
               "idTokenInfo.status Invalid, and the Ended event (Deauthorized) that follows (Part 2 E05, "
               "E06).")


@case("TC_E_07_CSMS", "Stop transaction options - PowerPathClosed - Local stop", profile="core",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint PowerPathClosed)",
      requirement=REQ_TX_EVENT)
async def test_stop_power_path_closed_local(booted, transactions, id_tags):
    token = id_tags.valid
    tx = await transactions.start_authorized(EVSE, token)
    # the driver presents the token again: the power path opens, the transaction ends
    await transactions.finish(tx, "StopAuthorized", "Local", token=token, state="EVConnected")


@case("TC_E_08_CSMS", "Stop transaction options - EnergyTransfer stopped - StopAuthorized", profile="core",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint EnergyTransfer)",
      requirement=REQ_TX_EVENT)
async def test_stop_energy_transfer_stop_authorized(booted, transactions, id_tags):
    token = id_tags.valid
    tx = await transactions.start_authorized(EVSE, token)
    await transactions.finish(tx, "StopAuthorized", "Local", token=token, state="SuspendedEVSE")


@case("TC_E_14_CSMS", "Stop transaction options - EVDisconnected - Charging Station side", profile="core",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint EVConnected)",
      requirement=REQ_TX_EVENT)
async def test_stop_ev_disconnected_station_side(booted, transactions, id_tags):
    token = id_tags.valid
    tx = await transactions.start_authorized(EVSE, token)
    await transactions.event(tx, "Updated", "StopAuthorized", state="EVConnected", token=token)
    await transactions.unplug(EVSE)  # the cable is taken out at the station
    await transactions.finish(tx, "EVCommunicationLost", "EVDisconnected", state="Idle")


@case("TC_E_15_CSMS", "Stop transaction options - StopAuthorized - Local", profile="core",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint Authorized)",
      requirement=REQ_TX_EVENT)
async def test_stop_authorized_local(booted, transactions, id_tags):
    token = id_tags.valid
    tx = await transactions.start_authorized(EVSE, token)
    await transactions.finish(tx, "StopAuthorized", "Local", token=token)


@case("TC_E_16_CSMS", "Stop transaction options - Deauthorized - Invalid idToken", profile="core",
      spec="OCPP 2.0.1 Part 2 E05 (Start Transaction - Id not Accepted), E06",
      requirement=REQ_INVALID,
      needs=("id_tags.invalid",))
async def test_stop_deauthorized_invalid(booted, transactions, id_tags):
    await transactions.plug_in(EVSE)
    tx = transactions.begin(EVSE)
    await transactions.event(tx, "Started", "CablePluggedIn", state="EVConnected",
                             meter=[transactions.meter_value("Transaction.Begin")])
    # the IdToken is only known to the CSMS: its answer (Invalid, judged) deauthorizes the transaction
    await transactions.event(tx, "Updated", "Authorized", token=id_tags.invalid)
    await transactions.finish(tx, "Deauthorized", "DeAuthorized", state="EVConnected")


@case("TC_E_17_CSMS", "Stop transaction options - Deauthorized - EV side disconnect", profile="core",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint Authorized), E10 (StopTxOnEVSideDisconnect true)",
      requirement=REQ_TX_EVENT)
async def test_stop_deauthorized_ev_side(booted, transactions, id_tags):
    tx = await transactions.start_authorized(EVSE, id_tags.valid)
    await transactions.unplug(EVSE)  # the EV drops the cable: with StopTxOnEVSideDisconnect the authorization ends
    await transactions.finish(tx, "EVCommunicationLost", "EVDisconnected", state="Idle")


@case("TC_E_19_CSMS", "Stop transaction options - ParkingBayUnoccupied", profile="core",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint ParkingBayOccupancy)",
      requirement=REQ_TX_EVENT)
async def test_stop_parking_bay_unoccupied(booted, transactions, id_tags):
    tx = await transactions.start_authorized(EVSE, id_tags.valid)
    await transactions.unplug(EVSE)
    await transactions.event(tx, "Updated", "EVCommunicationLost", state="Idle")
    await transactions.finish(tx, "EVDeparted", "EVDisconnected", state="Idle")  # the vehicle leaves the bay


@case("TC_E_20_CSMS", "Stop transaction options - EVDisconnected - EV side (able to charge IEC 61851-1 EV)",
      profile="core",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint EVConnected), E10 (StopTxOnEVSideDisconnect true)",
      requirement=REQ_TX_EVENT)
async def test_stop_ev_disconnected_ev_side(booted, transactions, id_tags):
    tx = await transactions.start_authorized(EVSE, id_tags.valid)
    await transactions.event(tx, "Updated", "ChargingStateChanged", state="SuspendedEV")
    await transactions.unplug(EVSE)
    await transactions.finish(tx, "EVCommunicationLost", "EVDisconnected", state="Idle")


@case("TC_E_21_CSMS", "Stop transaction options - StopAuthorized - Remote", profile="core",
      spec="OCPP 2.0.1 Part 2 F03 (Remote Stop Transaction), E06, F03.FR.01-FR.03",
      requirement=REQ_REMOTE_STOP)
async def test_stop_remote(csms, booted, station, transactions, operator, id_tags):
    tx = await transactions.start_authorized(EVSE, id_tags.valid)
    request = await operator("RequestStopTransaction", {"transactionId": tx.transaction_id},
                             as_asked=("transactionId",), requirement=REQ_REMOTE_STOP)
    await station.reaction(request)  # Accepted: Ended, RemoteStop / Remote
    ended = [r for r in transactions.events_after(request.seq) if r.payload.get("eventType") == "Ended"]
    assert ended and ended[0].payload["transactionInfo"]["transactionId"] == tx.transaction_id, (
        "[suite] the station did not end the transaction the CSMS asked it to stop")


@case("TC_E_22_CSMS", "Stop transaction options - EnergyTransfer stopped - SuspendedEV", profile="core",
      spec="OCPP 2.0.1 Part 2 E06 (TxStopPoint EnergyTransfer)",
      requirement=REQ_TX_EVENT)
async def test_stop_energy_transfer_suspended_ev(booted, transactions, id_tags):
    tx = await transactions.start_authorized(EVSE, id_tags.valid)
    await transactions.finish(tx, "ChargingStateChanged", "StoppedByEV", state="SuspendedEV")  # the EV stops


@case("TC_E_39_CSMS", "Stop transaction options - Deauthorized - timeout", profile="core",
      spec="OCPP 2.0.1 Part 2 E03 (TxStartPoint Authorized), E03.FR.05 (EVConnectionTimeOut), E06",
      requirement=REQ_TX_EVENT)
async def test_stop_deauthorized_timeout(booted, transactions, id_tags):
    token = id_tags.valid
    await transactions.authorize(token)
    tx = transactions.begin(EVSE)
    await transactions.event(tx, "Started", "Authorized", token=token,
                             meter=[transactions.meter_value("Transaction.Begin")])
    # no cable within TxCtrlr.EVConnectionTimeOut: the station deauthorizes the transaction and ends it
    await transactions.finish(tx, "EVConnectTimeout", "Timeout", state="Idle")
