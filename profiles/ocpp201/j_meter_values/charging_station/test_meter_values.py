"""OCTT 2.0.1 J — Clock-aligned (Part 2 J01, AlignedDataCtrlr) and sampled (J02, SampledDataCtrlr) meter values of a
charging station under test (the suite plays the CSMS). Intervals are set to 1 s for the case (and put back after
it); an interval is judged from the arrival of consecutive readings, so a station that keeps another one fails."""

from conformance import case
from conformance.ocpp201 import transaction_steps as tx
from conformance.ocpp201.preconditions import start_transaction

SECTION = "Meter Values"
INTERVAL_S = 1
# The cases that time an interval use a longer one, so that a quarter of it (the most a timing check allows) stays
# above the jitter of a busy machine.
TIMED_INTERVAL_S = 2
ENERGY = "Energy.Active.Import.Register"
REQ_ALIGNED = ("Every AlignedDataCtrlr.Interval seconds, aligned to the clock, the Charging Station SHALL send the "
               "AlignedDataCtrlr.Measurands with context Sample.Clock: in a MeterValuesRequest for an EVSE without a "
               "transaction, in a TransactionEventRequest (Updated, triggerReason MeterValueClock) for one with a "
               "transaction (J01).")
REQ_SAMPLED = ("During a transaction the Charging Station SHALL send the SampledDataCtrlr.TxUpdatedMeasurands every "
               "TxUpdatedInterval seconds in TransactionEventRequest Updated (triggerReason MeterValuePeriodic, "
               "context Sample.Periodic), the TxStartedMeasurands in the Started event (context Transaction.Begin) and "
               "the TxEndedMeasurands in the Ended event (context Transaction.End, and Sample.Periodic readings every "
               "TxEndedInterval) (J02).")


def spacing(first, second, interval: float, timeouts, what: str) -> None:
    tolerance = min(timeouts.tolerance, interval / 4)
    gap = second.t_mono - first.t_mono
    assert abs(gap - interval) <= tolerance, (
        f"{what} #{first.seq} and #{second.seq} came {gap:.2f} s apart, expected {interval:g} s "
        f"(± {tolerance:g} s): the station keeps another interval (J01, J02)")


async def aligned_meter_values(charging_station, evse: int, since, timeouts, interval: float = INTERVAL_S):
    return await charging_station.expect(
        "MeterValues", within=interval + timeouts.expect, after=since, evseId=evse,
        meterValue=lambda values: any(v.get("context") == "Sample.Clock" for m in values or []
                                      for v in m.get("sampledValue") or []),
        requirement=REQ_ALIGNED)


@case("TC_J_01_CS", "Clock-aligned Meter Values - No transaction ongoing",
      spec="OCPP 2.0.1 Part 2 J01", requirement=REQ_ALIGNED)
async def test_aligned_idle(charging_station, available_evse, set_variables, timeouts):
    await set_variables(("AlignedDataCtrlr", "Measurands", ENERGY),
                        ("AlignedDataCtrlr", "Interval", TIMED_INTERVAL_S))
    since = charging_station.mark_now()
    first = await aligned_meter_values(charging_station, available_evse, since, timeouts, TIMED_INTERVAL_S)
    tx.has_sampled(first, "Sample.Clock", "the configured AlignedDataCtrlr.Measurands", ENERGY)
    second = await aligned_meter_values(charging_station, available_evse, first, timeouts, TIMED_INTERVAL_S)
    spacing(first, second, TIMED_INTERVAL_S, timeouts, "the clock-aligned MeterValues")


@case("TC_J_02_CS", "Clock-aligned Meter Values - Transaction ongoing",
      spec="OCPP 2.0.1 Part 2 J01", requirement=REQ_ALIGNED)
async def test_aligned_transaction(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    await set_variables(("AlignedDataCtrlr", "Measurands", ENERGY), ("AlignedDataCtrlr", "Interval", INTERVAL_S))
    since = charging_station.mark_now()
    first = await tx.event(charging_station, since, "Updated", tx_id=transaction.transaction_id,
                           triggerReason="MeterValueClock", within=INTERVAL_S + timeouts.expect,
                           requirement=REQ_ALIGNED)
    tx.has_sampled(first, "Sample.Clock", "a clock-aligned reading during the transaction", ENERGY)


@case("TC_J_06_CS", "Clock-aligned Meter Values - No Meter Values during transaction",
      spec="OCPP 2.0.1 Part 2 J01",
      requirement=REQ_ALIGNED + " The clock-aligned readings of an EVSE with a transaction go in its TransactionEvent "
                                "messages, not in MeterValuesRequest.")
async def test_aligned_not_as_meter_values(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    await set_variables(("AlignedDataCtrlr", "Measurands", ENERGY), ("AlignedDataCtrlr", "Interval", INTERVAL_S))
    since = charging_station.mark_now()
    await tx.event(charging_station, since, "Updated", tx_id=transaction.transaction_id,
                   triggerReason="MeterValueClock", within=INTERVAL_S + timeouts.expect, requirement=REQ_ALIGNED)
    await charging_station.expect_no(
        "MeterValues", during=INTERVAL_S + 0.5, after=since, evseId=available_evse,
        requirement="An EVSE with a transaction reports its clock-aligned readings in TransactionEvent (J01).")


@case("TC_J_03_CS", "Clock-aligned Meter Values - EventType Ended",
      spec="OCPP 2.0.1 Part 2 J01 (AlignedDataCtrlr.TxEndedInterval)",
      requirement="The clock-aligned readings taken every AlignedDataCtrlr.TxEndedInterval during a transaction SHALL "
                  "be sent in its TransactionEvent Ended, context Sample.Clock (J01).")
async def test_aligned_ended(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await set_variables(("AlignedDataCtrlr", "TxEndedMeasurands", ENERGY),
                        ("AlignedDataCtrlr", "TxEndedInterval", INTERVAL_S))
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    await charging_station.expect_no("TransactionEvent", during=2 * INTERVAL_S + 0.2, after=charging_station.mark_now(),
                                     eventType="Ended", requirement="The transaction runs on by itself (readings are "
                                                                    "taken meanwhile).")
    since = charging_station.mark_now()
    await iut.present_id_tag(id_tags.valid, available_evse)
    await iut.unplug(available_evse)
    end = await tx.event(charging_station, since, "Ended", tx_id=transaction.transaction_id)
    tx.has_sampled(end, "Sample.Clock", "readings were due every AlignedDataCtrlr.TxEndedInterval (1 s)", ENERGY)


@case("TC_J_07_CS", "Sampled Meter Values - EventType Started - EVSE known",
      spec="OCPP 2.0.1 Part 2 J02 (SampledDataCtrlr.TxStartedMeasurands)", requirement=REQ_SAMPLED)
async def test_sampled_started(charging_station, available_evse, set_variables, iut, id_tags):
    await set_variables(("SampledDataCtrlr", "TxStartedMeasurands", ENERGY))
    since = charging_station.mark_now()
    await iut.plug_in(available_evse)
    await iut.present_id_tag(id_tags.valid, available_evse)
    started = await tx.event(charging_station, since, "Started", requirement=REQ_SAMPLED)
    tx.has_sampled(started, "Transaction.Begin", "the TxStartedMeasurands at the start of the transaction", ENERGY)


@case("TC_J_09_CS", "Sampled Meter Values - EventType Updated",
      spec="OCPP 2.0.1 Part 2 J02 (SampledDataCtrlr.TxUpdatedInterval)", requirement=REQ_SAMPLED)
async def test_sampled_updated(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await set_variables(("SampledDataCtrlr", "TxUpdatedMeasurands", ENERGY),
                        ("SampledDataCtrlr", "TxUpdatedInterval", TIMED_INTERVAL_S))
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    since = transaction.started

    async def periodic(after):
        return await tx.event(charging_station, after, "Updated", tx_id=transaction.transaction_id,
                              triggerReason="MeterValuePeriodic", within=TIMED_INTERVAL_S + timeouts.expect,
                              requirement=REQ_SAMPLED)

    first = await periodic(since)
    tx.has_sampled(first, "Sample.Periodic", "the TxUpdatedMeasurands every TxUpdatedInterval", ENERGY)
    second = await periodic(first)
    spacing(first, second, TIMED_INTERVAL_S, timeouts, "the periodic TransactionEvent Updated messages")


@case("TC_J_10_CS", "Sampled Meter Values - EventType Ended",
      spec="OCPP 2.0.1 Part 2 J02 (SampledDataCtrlr.TxEndedMeasurands, TxEndedInterval)", requirement=REQ_SAMPLED)
async def test_sampled_ended(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await set_variables(("SampledDataCtrlr", "TxEndedMeasurands", ENERGY),
                        ("SampledDataCtrlr", "TxEndedInterval", INTERVAL_S))
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    await charging_station.expect_no("TransactionEvent", during=INTERVAL_S + 0.3, after=charging_station.mark_now(),
                                     eventType="Ended", requirement="The transaction runs on by itself (readings are "
                                                                    "taken meanwhile).")
    since = charging_station.mark_now()
    await iut.present_id_tag(id_tags.valid, available_evse)
    await iut.unplug(available_evse)
    end = await tx.event(charging_station, since, "Ended", tx_id=transaction.transaction_id)
    tx.has_sampled(end, "Transaction.End", "the TxEndedMeasurands at the end of the transaction", ENERGY)
    tx.has_sampled(end, "Sample.Periodic", "a reading was due every TxEndedInterval (1 s) during the transaction",
                   ENERGY)


@case("TC_J_04_CS", "Clock-aligned Meter Values - Signed",
      spec="OCPP 2.0.1 Part 2 J01 (AlignedDataCtrlr.SignReadings)",
      requirement="With AlignedDataCtrlr.SignReadings true, the clock-aligned readings SHALL carry a signedMeterValue "
                  "(J01).",
      needs=("optional_feature:signed_meter_values",))
async def test_aligned_signed(charging_station, available_evse, set_variables, timeouts):
    await set_variables(("AlignedDataCtrlr", "Measurands", ENERGY), ("AlignedDataCtrlr", "SignReadings", True),
                        ("AlignedDataCtrlr", "Interval", INTERVAL_S))
    since = charging_station.mark_now()
    rec = await aligned_meter_values(charging_station, available_evse, since, timeouts)
    tx.signed(tx.has_sampled(rec, "Sample.Clock", "the configured AlignedDataCtrlr.Measurands", ENERGY), rec,
              "AlignedDataCtrlr.SignReadings is true")


@case("TC_J_11_CS", "Sampled Meter Values - Signed",
      spec="OCPP 2.0.1 Part 2 J02 (SampledDataCtrlr.SignReadings)",
      requirement="With SampledDataCtrlr.SignReadings true, the readings sampled during a transaction SHALL carry a "
                  "signedMeterValue (J02).",
      needs=("optional_feature:signed_meter_values",))
async def test_sampled_signed(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await set_variables(("SampledDataCtrlr", "TxStartedMeasurands", ENERGY),
                        ("SampledDataCtrlr", "TxUpdatedMeasurands", ENERGY),
                        ("SampledDataCtrlr", "SignReadings", True), ("SampledDataCtrlr", "TxUpdatedInterval", INTERVAL_S))
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    started = transaction.started
    if started.payload.get("eventType") == "Started":
        tx.signed(tx.has_sampled(started, "Transaction.Begin", "the TxStartedMeasurands", ENERGY), started,
                  "SampledDataCtrlr.SignReadings is true")
    rec = await tx.event(charging_station, started, "Updated", tx_id=transaction.transaction_id,
                         triggerReason="MeterValuePeriodic", within=INTERVAL_S + timeouts.expect,
                         requirement=REQ_SAMPLED)
    tx.signed(tx.has_sampled(rec, "Sample.Periodic", "the TxUpdatedMeasurands", ENERGY), rec,
              "SampledDataCtrlr.SignReadings is true")


def names_evse(value) -> bool:
    return isinstance(value, dict) and value.get("id") is not None


names_evse.__doc__ = "<an EVSE>"


@case("TC_J_08_CS", "Sampled Meter Values - Context Transaction.Begin - EVSE not known",
      spec="OCPP 2.0.1 Part 2 J02 (SampledDataCtrlr.TxStartedMeasurands), E03 (TxStartPoint Authorized)",
      requirement=REQ_SAMPLED + " A transaction started before its EVSE is known (an IdToken at a reader of the whole "
                                "station) SHALL report the EVSE and the Transaction.Begin values in the first "
                                "TransactionEvent that names the EVSE, once the cable is plugged in (J02, E03).")
async def test_sampled_started_evse_unknown(charging_station, available_evse, set_variables, iut, id_tags):
    await set_variables(("SampledDataCtrlr", "TxStartedMeasurands", ENERGY), ("TxCtrlr", "TxStartPoint", "Authorized"))
    since = charging_station.mark_now()
    await iut.present_id_tag(id_tags.valid)
    started = await tx.event(charging_station, since, "Started",
                             requirement="With TxStartPoint Authorized the authorization starts the transaction (E03).")
    await iut.plug_in(available_evse)
    with_evse = started if names_evse(started.payload.get("evse")) else await tx.event(
        charging_station, since, "Updated", tx_id=tx.tx_id_of(started), evse=names_evse,
        requirement="Once the cable is plugged in the transaction names its EVSE (E03, J02).")
    tx.expect_field(with_evse, "evse.id", with_evse.payload["evse"].get("id"), available_evse,
                    "the cable was plugged in at that EVSE")
    tx.has_sampled(with_evse, "Transaction.Begin", "the TxStartedMeasurands go with the EVSE they were taken at",
                   ENERGY)
