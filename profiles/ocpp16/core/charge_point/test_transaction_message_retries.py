"""Transaction-related messages the Central System failed to process (the suite plays the Central System). OCTT has
no Core case for the charge point's retries; this case uses the suite's own ID (SUITE_*)."""

from conformance import case, measure, warn
from conformance.ocpp16.preconditions import configured
from conformance.peer import CallErrorReply
from conformance.wire import MessageType

SECTION = "Transaction-related messages"
RETRY_INTERVAL_S = 5  # long enough that an immediate retry stands out against the tolerance
ATTEMPTS = 3
REQ_RETRY = ("A transaction-related message may be skipped only \"if and only if the Central System repeatedly reports "
             "a 'failure to process the message'\" (OCPP 1.6 §3.7.1): after one CALLERROR it is sent again.")


@case("SUITE_TX_001", "StartTransaction answered with a CALLERROR is sent again",
      spec="OCPP 1.6 §3.7, §3.7.1, §9.1 TransactionMessageAttempts, TransactionMessageRetryInterval",
      requirement="A StartTransaction.req the Central System answers with a CALLERROR is not a result: the Charge "
                  "Point SHALL send the same message again (skipping it is permissible only after repeated failures), "
                  "SHALL NOT send later transaction-related messages of that transaction before it got through, and "
                  "SHOULD wait TransactionMessageRetryInterval times the number of preceding transmissions first.")
async def test_start_transaction_sent_again(charge_point, iut, configure, available_connector, id_tags, timeouts):
    await configured(charge_point, configure, TransactionMessageAttempts=ATTEMPTS,
                     TransactionMessageRetryInterval=RETRY_INTERVAL_S)
    c = available_connector
    failed = CallErrorReply("InternalError", "the suite fails to process it on purpose")
    charge_point.respond("StartTransaction", failed, times=1)
    since = charge_point.mark_now()
    await iut.plug_in(c)
    await iut.present_id_tag(id_tags.valid, c)
    first = await charge_point.expect("StartTransaction", after=since, connectorId=c, idTag=id_tags.valid,
                                      requirement="An authorized id tag on a prepared connector starts a transaction "
                                                  "(OCPP 1.6 §4.8).")
    within = RETRY_INTERVAL_S + timeouts.tolerance + timeouts.response
    second = await charge_point.expect("StartTransaction", within=within, after=first, connectorId=c,
                                       requirement=REQ_RETRY)
    error = next(r for r in charge_point.wire.after(first.seq)
                 if not r.from_iut and r.unique_id == first.unique_id and r.message_type == MessageType.CALLERROR)
    kept = {k: (first.payload or {}).get(k) for k in ("connectorId", "idTag", "meterStart", "timestamp")}
    again = {k: (second.payload or {}).get(k) for k in kept}
    assert again == kept, (
        f"[behaviour] StartTransaction #{second.seq} is not the message #{first.seq} sent again: {again} instead of "
        f"{kept}; a retry carries the transaction as it started (OCPP 1.6 §3.7.1)")
    early = [f for f in charge_point.frames(after=first) if f.seq < second.seq and (
        f.action == "StopTransaction" or (f.action == "MeterValues" and "transactionId" in (f.payload or {})))]
    assert not early, (
        f"[behaviour] the charge point sent {early[0].action} #{early[0].seq} of the transaction before its "
        f"StartTransaction got through: a CALLERROR is not a result, and new transaction-related messages SHALL wait "
        "until the queue has been emptied (OCPP 1.6 §3.7)")
    gap = second.t_mono - error.t_mono
    measure("retry_interval_configured_s", RETRY_INTERVAL_S)
    measure("retry_after_callerror_s", round(gap, 3))
    if abs(gap - RETRY_INTERVAL_S) > timeouts.tolerance:
        warn("BEH-010a", f"StartTransaction was sent again {gap:.2f} s after the CALLERROR (#{error.seq}); "
                         f"TransactionMessageRetryInterval {RETRY_INTERVAL_S} s times 1 preceding transmission asks "
                         f"for {RETRY_INTERVAL_S} s (tolerance {timeouts.tolerance:g} s)")
    await charge_point.expect("StatusNotification", after=second, connectorId=c, status="Charging",
                              requirement="Once its StartTransaction got through the transaction runs (OCPP 1.6 §4.9).")
