"""OCTT E — Local start transaction (the suite plays the charging station; Part 2 E02, E03).

The driver starts charging at the station: the cable first (E02) or the IdToken first (E03), or with an EV that is
not ready to take energy yet. The CSMS SHALL answer every TransactionEventRequest and AuthorizeRequest, with the
IdTokenInfo of the IdToken they carry."""

from conformance import case
from conformance.ocpp201.roles.transactions import REQ_AUTHORIZE, REQ_TX_EVENT

SECTION = "Transactions"
EVSE = 1


@case("TC_E_03_CSMS", "Local start transaction - Cable plugin first - Success", profile="core",
      spec="OCPP 2.0.1 Part 2 E02 (Start Transaction - Cable Plugin First)",
      requirement=REQ_TX_EVENT + " " + REQ_AUTHORIZE)
async def test_cable_plugin_first(booted, transactions, id_tags):
    token = id_tags.valid
    await transactions.plug_in(EVSE)
    tx = transactions.begin(EVSE)
    await transactions.event(tx, "Started", "CablePluggedIn", state="EVConnected",
                             meter=[transactions.meter_value("Transaction.Begin")])
    await transactions.authorize(token)
    await transactions.event(tx, "Updated", "Authorized", token=token)
    await transactions.event(tx, "Updated", "ChargingStateChanged", state="Charging")
    await transactions.finish(tx, "StopAuthorized", "Local", token=token)


@case("TC_E_04_CSMS", "Local start transaction - Authorization first - Success", profile="core",
      spec="OCPP 2.0.1 Part 2 E03 (Start Transaction - IdToken First)",
      requirement=REQ_TX_EVENT + " " + REQ_AUTHORIZE)
async def test_authorization_first(booted, transactions, id_tags):
    token = id_tags.valid
    await transactions.authorize(token)
    tx = transactions.begin(EVSE)
    await transactions.event(tx, "Started", "Authorized", token=token,
                             meter=[transactions.meter_value("Transaction.Begin")])
    await transactions.plug_in(EVSE)
    await transactions.event(tx, "Updated", "CablePluggedIn", state="EVConnected")
    await transactions.event(tx, "Updated", "ChargingStateChanged", state="Charging")
    await transactions.finish(tx, "StopAuthorized", "Local", token=token)


@case("TC_E_38_CSMS", "Local start transaction - EV not ready", profile="core",
      spec="OCPP 2.0.1 Part 2 E02, E03 (chargingState SuspendedEV)",
      requirement=REQ_TX_EVENT + " " + REQ_AUTHORIZE)
async def test_ev_not_ready(booted, transactions, id_tags):
    token = id_tags.valid
    await transactions.authorize(token)
    await transactions.plug_in(EVSE)
    tx = transactions.begin(EVSE)  # authorized and connected, but the EV does not take energy yet
    await transactions.event(tx, "Started", "CablePluggedIn", state="SuspendedEV", token=token,
                             meter=[transactions.meter_value("Transaction.Begin")])
    await transactions.event(tx, "Updated", "ChargingStateChanged", state="Charging")
    await transactions.finish(tx, "StopAuthorized", "Local", token=token)
