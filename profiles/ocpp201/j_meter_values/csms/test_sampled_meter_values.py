"""OCTT J — Sampled Meter Values (the suite plays the charging station; Part 2 J02, SampledDataCtrlr).

During a transaction the station reports sampled values: Transaction.Begin in the Started event (or in the first
event that names the EVSE when it was not known at the start), Sample.Periodic in Updated events (triggerReason
MeterValuePeriodic) at every TxUpdatedInterval, Transaction.End in the Ended event; signed where the meter signs them.
The CSMS SHALL answer every TransactionEventRequest carrying them."""

from conformance import case
from conformance.ocpp201.roles.transactions import REQ_TX_EVENT

SECTION = "Meter Values"
EVSE = 1

REQ_SAMPLED = ("The CSMS SHALL answer the TransactionEventRequests carrying sampled meter values (Transaction.Begin, "
               "Sample.Periodic, Transaction.End) (Part 2 J02). " + REQ_TX_EVENT)
REQ_EVSE_LATER = ("A transaction may start before its EVSE is known (no evse in the Started event, e.g. authorized "
                  "first); the CSMS SHALL accept it and the EVSE given in a later event (Part 2 E03, J02). "
                  + REQ_SAMPLED)
REQ_SIGNED = ("The CSMS SHALL accept sampled values whose sampledValue carries a signedMeterValue (Part 2 J02, "
              "SampledDataCtrlr.SignReadings). " + REQ_SAMPLED)


@case("TC_J_07_CSMS", "Sampled Meter Values - EventType Started - EVSE known", profile="core",
      spec="OCPP 2.0.1 Part 2 J02 (SampledDataCtrlr.TxStartedMeasurands)",
      requirement=REQ_SAMPLED)
async def test_sampled_started(booted, transactions, id_tags):
    token = id_tags.valid
    tx = await transactions.start_authorized(EVSE, token)
    await transactions.finish(tx, "StopAuthorized", "Local", token=token)


@case("TC_J_08_CSMS", "Sampled Meter Values - Context Transaction.Begin - EVSE not known", profile="core",
      spec="OCPP 2.0.1 Part 2 J02, E03 (TxStartPoint Authorized, EVSE not yet known)",
      requirement=REQ_EVSE_LATER)
async def test_sampled_begin_evse_unknown(booted, transactions, id_tags):
    token = id_tags.valid
    await transactions.authorize(token)
    tx = transactions.begin(EVSE)
    await transactions.event(tx, "Started", "Authorized", token=token, evse=False)
    await transactions.plug_in(EVSE)  # now the EVSE is known: its Transaction.Begin value goes with it
    await transactions.event(tx, "Updated", "CablePluggedIn", state="EVConnected",
                             meter=[transactions.meter_value("Transaction.Begin")])
    await transactions.event(tx, "Updated", "ChargingStateChanged", state="Charging")
    await transactions.finish(tx, "StopAuthorized", "Local", token=token)


@case("TC_J_09_CSMS", "Sampled Meter Values - EventType Updated", profile="core",
      spec="OCPP 2.0.1 Part 2 J02 (SampledDataCtrlr.TxUpdatedMeasurands, TxUpdatedInterval)",
      requirement=REQ_SAMPLED)
async def test_sampled_updated(booted, transactions, id_tags):
    token = id_tags.valid
    tx = await transactions.start_authorized(EVSE, token)
    for _ in range(2):
        await transactions.event(tx, "Updated", "MeterValuePeriodic",
                                 meter=[transactions.meter_value("Sample.Periodic")])
    await transactions.finish(tx, "StopAuthorized", "Local", token=token)


@case("TC_J_10_CSMS", "Sampled Meter Values - EventType Ended", profile="core",
      spec="OCPP 2.0.1 Part 2 J02 (SampledDataCtrlr.TxEndedMeasurands, TxEndedInterval)",
      requirement=REQ_SAMPLED)
async def test_sampled_ended(booted, transactions, id_tags):
    token = id_tags.valid
    tx = await transactions.start_authorized(EVSE, token)
    sampled = [transactions.meter_value("Sample.Periodic") for _ in range(2)]
    await transactions.finish(tx, "StopAuthorized", "Local", token=token,
                              meter=[*sampled, transactions.meter_value("Transaction.End")])


@case("TC_J_11_CSMS", "Sampled Meter Values - Signed", profile="core",
      spec="OCPP 2.0.1 Part 2 J02 (signed meter values)",
      requirement=REQ_SIGNED)
async def test_sampled_signed(booted, transactions, id_tags):
    token = id_tags.valid
    await transactions.plug_in(EVSE)
    await transactions.authorize(token)
    tx = transactions.begin(EVSE)
    await transactions.event(tx, "Started", "Authorized", state="Charging", token=token,
                             meter=[transactions.meter_value("Transaction.Begin", signed=True)])
    await transactions.event(tx, "Updated", "MeterValuePeriodic",
                             meter=[transactions.meter_value("Sample.Periodic", signed=True)])
    await transactions.finish(tx, "StopAuthorized", "Local", token=token,
                              meter=[transactions.meter_value("Transaction.End", signed=True)])
