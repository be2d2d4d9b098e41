"""OCTT E — Disconnect cable on EV-side (the suite plays the charging station; Part 2 E10, StopTxOnEVSideDisconnect
false).

The EV drops the cable and the transaction is suspended, not stopped; it resumes when the cable is back. The CSMS
SHALL answer every TransactionEventRequest of it."""

from conformance import case
from conformance.ocpp201.roles.transactions import REQ_TX_EVENT

SECTION = "Transactions"
EVSE = 1


@case("TC_E_26_CSMS", "Disconnect cable on EV-side - Suspend transaction", profile="core",
      spec="OCPP 2.0.1 Part 2 E10 (Connection Loss During Transaction; StopTxOnEVSideDisconnect false)",
      requirement=REQ_TX_EVENT)
async def test_suspend_on_ev_side_disconnect(booted, transactions, id_tags):
    token = id_tags.valid
    tx = await transactions.start_authorized(EVSE, token)
    await transactions.event(tx, "Updated", "EVCommunicationLost", state="Idle")  # the EV let go of the cable
    await transactions.event(tx, "Updated", "CablePluggedIn", state="EVConnected")
    await transactions.event(tx, "Updated", "ChargingStateChanged", state="Charging")
    await transactions.finish(tx, "StopAuthorized", "Local", token=token)
