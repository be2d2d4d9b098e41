"""OCTT 3.11 — Core Profile: power failure, non-happy flow (the suite plays the charge point)."""

from conformance import case, measure

SECTION = "Core Profile - Power Failure Non-Happy Flow"


@case("TC_032_1_CSMS", "Power failure boot charging point-configured to stop transaction(s)",
      spec="OCPP 1.6 §4.2, §4.9, §4.10",
      requirement="After a power failure ended a transaction, the Central System SHALL accept the charge point's "
                  "BootNotification, its connector statuses and the StopTransaction with reason PowerLoss that the "
                  "charge point sends for the interrupted transaction on its new connection.")
async def test_power_failure_stops_transactions(csms, booted, station, id_tags, available_connector):
    c = available_connector
    tx = await station.charging(c, id_tags.valid)
    conf = await station.power_failure()  # new connection: BootNotification, statuses, StopTransaction(PowerLoss)
    assert conf.status == "Accepted", f"[behaviour] BootNotification after the power failure answered {conf.status!r}"
    stops = [r for r in csms.wire.after(conf.record.seq)
             if not r.from_iut and r.action == "StopTransaction" and (r.payload or {}).get("transactionId") == tx.transaction_id]
    assert stops and stops[0].payload.get("reason") == "PowerLoss", "the suite's charge point did not report the stop"
    assert station.connector(c).status == "Finishing"
    await station.unplug(c)  # Available
    measure("transaction_id", tx.transaction_id)
