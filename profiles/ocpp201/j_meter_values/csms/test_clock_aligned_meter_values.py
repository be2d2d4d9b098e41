"""OCTT J — Clock-aligned Meter Values (the suite plays the charging station; Part 2 J01, J02, AlignedDataCtrlr).

At every AlignedDataInterval the station reports clock-aligned values (context Sample.Clock): in MeterValuesRequest
outside a transaction (J01), in TransactionEventRequest (triggerReason MeterValueClock) during one, and in the Ended
event (AlignedDataCtrlr.TxEndedMeasurands) (J02); signed where the meter signs them. The CSMS SHALL answer them."""

from conformance import case
from conformance.ocpp201.roles.transactions import REQ_TX_EVENT

SECTION = "Meter Values"
EVSE = 1

REQ_METER_VALUES = ("The CSMS SHALL answer MeterValuesRequest with the clock-aligned meter values of an EVSE outside "
                    "a transaction (Part 2 J01).")
REQ_ALIGNED_TX = ("The CSMS SHALL answer the TransactionEventRequests carrying clock-aligned meter values (context "
                  "Sample.Clock, triggerReason MeterValueClock) and the Ended event with the clock-aligned values of "
                  "the transaction (Part 2 J02). " + REQ_TX_EVENT)
REQ_SIGNED = ("The CSMS SHALL accept meter values whose sampledValue carries a signedMeterValue (signedMeterData, "
              "signingMethod, encodingMethod, publicKey) (Part 2 J01, J02, AlignedDataCtrlr.SignReadings).")


@case("TC_J_01_CSMS", "Clock-aligned Meter Values - No transaction ongoing", profile="core",
      spec="OCPP 2.0.1 Part 2 J01 (Sending Meter Values not related to a transaction)",
      requirement=REQ_METER_VALUES)
async def test_clock_aligned_idle(booted, transactions):
    await transactions.meter_values(0, "Sample.Clock")  # the main meter
    await transactions.meter_values(EVSE, "Sample.Clock")


@case("TC_J_02_CSMS", "Clock-aligned Meter Values - Transaction ongoing", profile="core",
      spec="OCPP 2.0.1 Part 2 J02 (Sending transaction related Meter Values)",
      requirement=REQ_ALIGNED_TX)
async def test_clock_aligned_in_transaction(booted, transactions, id_tags):
    token = id_tags.valid
    tx = await transactions.start_authorized(EVSE, token)
    for _ in range(2):
        await transactions.event(tx, "Updated", "MeterValueClock", meter=[transactions.meter_value("Sample.Clock")])
    await transactions.finish(tx, "StopAuthorized", "Local", token=token)


@case("TC_J_03_CSMS", "Clock-aligned Meter Values - EventType Ended", profile="core",
      spec="OCPP 2.0.1 Part 2 J02 (TxEndedMeasurands, AlignedDataCtrlr.TxEndedInterval)",
      requirement=REQ_ALIGNED_TX)
async def test_clock_aligned_ended(booted, transactions, id_tags):
    token = id_tags.valid
    tx = await transactions.start_authorized(EVSE, token)
    aligned = [transactions.meter_value("Sample.Clock") for _ in range(2)]
    await transactions.finish(tx, "StopAuthorized", "Local", token=token,
                              meter=[*aligned, transactions.meter_value("Transaction.End")])


@case("TC_J_04_CSMS", "Clock-aligned Meter Values - Signed", profile="core",
      spec="OCPP 2.0.1 Part 2 J01, J02 (signed meter values)",
      requirement=REQ_SIGNED + " " + REQ_METER_VALUES)
async def test_clock_aligned_signed(booted, transactions, id_tags):
    await transactions.meter_values(EVSE, "Sample.Clock", signed=True)
    token = id_tags.valid
    tx = await transactions.start_authorized(EVSE, token)
    await transactions.event(tx, "Updated", "MeterValueClock",
                             meter=[transactions.meter_value("Sample.Clock", signed=True)])
    await transactions.finish(tx, "StopAuthorized", "Local", token=token)
