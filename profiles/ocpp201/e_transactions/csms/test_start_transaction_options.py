"""OCTT E — Start transaction options (the suite plays the charging station; Part 2 E01, TxCtrlr.TxStartPoint).

The suite's station starts its transactions at the TxStartPoint each case names and sends what a correct station
sends there; the CSMS SHALL answer every TransactionEventRequest, with the IdTokenInfo of an IdToken it carries."""

from conformance import case
from conformance.ocpp201.roles.transactions import REQ_TX_EVENT

SECTION = "Transactions"
EVSE = 1


async def authorized_then_stopped(transactions, tx, token):
    """The rest of a transaction once it started: the driver stops it with the same token."""
    await transactions.finish(tx, "StopAuthorized", "Local", token=token)


@case("TC_E_01_CSMS", "Start transaction options - PowerPathClosed", profile="core",
      spec="OCPP 2.0.1 Part 2 E01 (TxStartPoint PowerPathClosed), E01.FR.01-FR.05",
      requirement=REQ_TX_EVENT)
async def test_start_power_path_closed(booted, transactions, id_tags):
    token = id_tags.valid
    await transactions.plug_in(EVSE)
    await transactions.authorize(token)
    tx = transactions.begin(EVSE)  # cable in and authorized: the power path closes, the transaction starts
    await transactions.event(tx, "Started", "ChargingStateChanged", state="Charging", token=token,
                             meter=[transactions.meter_value("Transaction.Begin")])
    await authorized_then_stopped(transactions, tx, token)


@case("TC_E_02_CSMS", "Start transaction options - EnergyTransfer", profile="core",
      spec="OCPP 2.0.1 Part 2 E01 (TxStartPoint EnergyTransfer), E01.FR.01-FR.05",
      requirement=REQ_TX_EVENT)
async def test_start_energy_transfer(booted, transactions, id_tags):
    token = id_tags.valid
    await transactions.plug_in(EVSE)
    await transactions.authorize(token)
    tx = transactions.begin(EVSE)  # the power path is closed; the transaction starts when energy flows
    await transactions.event(tx, "Started", "ChargingStateChanged", state="Charging", token=token,
                             meter=[transactions.meter_value("Transaction.Begin")])
    await authorized_then_stopped(transactions, tx, token)


@case("TC_E_09_CSMS", "Start transaction options - EVConnected", profile="core",
      spec="OCPP 2.0.1 Part 2 E01 (TxStartPoint EVConnected), E02, E03.FR.01",
      requirement=REQ_TX_EVENT)
async def test_start_ev_connected(booted, transactions, id_tags):
    token = id_tags.valid
    await transactions.plug_in(EVSE)
    tx = transactions.begin(EVSE)
    await transactions.event(tx, "Started", "CablePluggedIn", state="EVConnected",
                             meter=[transactions.meter_value("Transaction.Begin")])
    await transactions.authorize(token)
    await transactions.event(tx, "Updated", "Authorized", token=token)
    await transactions.event(tx, "Updated", "ChargingStateChanged", state="Charging")
    await authorized_then_stopped(transactions, tx, token)


@case("TC_E_10_CSMS", "Start transaction options - Authorized - Local", profile="core",
      spec="OCPP 2.0.1 Part 2 E01 (TxStartPoint Authorized), E03",
      requirement=REQ_TX_EVENT)
async def test_start_authorized(booted, transactions, id_tags):
    token = id_tags.valid
    await transactions.authorize(token)
    tx = transactions.begin(EVSE)
    await transactions.event(tx, "Started", "Authorized", token=token,
                             meter=[transactions.meter_value("Transaction.Begin")])
    await transactions.plug_in(EVSE)
    await transactions.event(tx, "Updated", "CablePluggedIn", state="EVConnected")
    await transactions.event(tx, "Updated", "ChargingStateChanged", state="Charging")
    await authorized_then_stopped(transactions, tx, token)


@case("TC_E_11_CSMS", "Start transaction options - DataSigned", profile="core",
      spec="OCPP 2.0.1 Part 2 E01 (TxStartPoint DataSigned), J02 (signed meter values)",
      requirement=REQ_TX_EVENT + " Signed meter values (signedMeterValue) are part of the meter values it SHALL "
                                 "accept (Part 2 J02).")
async def test_start_data_signed(booted, transactions, id_tags):
    token = id_tags.valid
    await transactions.plug_in(EVSE)
    await transactions.authorize(token)
    tx = transactions.begin(EVSE)  # the meter signed the start value: the transaction starts
    await transactions.event(tx, "Started", "SignedDataReceived", state="Charging", token=token,
                             meter=[transactions.meter_value("Transaction.Begin", signed=True)])
    await transactions.finish(tx, "StopAuthorized", "Local", token=token,
                              meter=[transactions.meter_value("Transaction.End", signed=True)])


@case("TC_E_12_CSMS", "Start transaction options - ParkingBayOccupied", profile="core",
      spec="OCPP 2.0.1 Part 2 E01 (TxStartPoint ParkingBayOccupancy)",
      requirement=REQ_TX_EVENT)
async def test_start_parking_bay_occupied(booted, transactions, id_tags):
    token = id_tags.valid
    tx = transactions.begin(EVSE)  # a vehicle parks in the bay: the transaction starts
    await transactions.event(tx, "Started", "EVDetected", meter=[transactions.meter_value("Transaction.Begin")])
    await transactions.plug_in(EVSE)
    await transactions.event(tx, "Updated", "CablePluggedIn", state="EVConnected")
    await transactions.authorize(token)
    await transactions.event(tx, "Updated", "Authorized", token=token)
    await transactions.event(tx, "Updated", "ChargingStateChanged", state="Charging")
    await authorized_then_stopped(transactions, tx, token)
