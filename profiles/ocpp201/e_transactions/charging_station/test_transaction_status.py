"""OCTT 2.0.1 E — Check Transaction status (Part 2 E14, GetTransactionStatus) on a charging station under test (the
suite plays the CSMS). A message "in queue" is made by answering the station's TransactionEvent with a CALLERROR:
the station keeps it and tries again after MessageAttemptInterval (E13), set short for the case; the case then lets
the retry through, so nothing is left queued for the next case."""

from conformance import case
from conformance.ocpp201 import transaction_steps as tx
from conformance.ocpp201.preconditions import start_transaction
from conformance.peer import CallErrorReply

SECTION = "Transactions"
RETRY_S = 2  # MessageAttemptInterval while a message waits in the queue
REQ_STATUS = ("The Charging Station SHALL answer GetTransactionStatusRequest with messagesInQueue telling whether "
              "transaction messages (of the transaction asked about, when given) wait to be delivered, and, when a "
              "transactionId is given, ongoingIndicator telling whether that transaction still runs (E14).")
UNKNOWN_ID = "conformance-unknown-transaction"


async def status(charging_station, transaction_id: str | None, *, queued: bool, ongoing: bool | None) -> None:
    payload = {"transactionId": transaction_id} if transaction_id else {}
    reply = await charging_station.call("GetTransactionStatus", payload, requirement=REQ_STATUS)
    what = f"GetTransactionStatus {('of ' + transaction_id) if transaction_id else 'without transactionId'}"
    got = reply.payload.get("messagesInQueue")
    assert got is queued, (f"{what} (#{reply.record.seq}) was answered messagesInQueue {got!r}, expected {queued} "
                           f"({'a message waits for its retry' if queued else 'nothing waits'}) (E14)")
    if ongoing is not None:
        got = reply.payload.get("ongoingIndicator")
        assert got is ongoing, (f"{what} (#{reply.record.seq}) was answered ongoingIndicator {got!r}, expected "
                                f"{ongoing} (E14: given a transactionId the station says whether it still runs)")


async def queue_next(charging_station, set_variables):
    """The next TransactionEvent is answered with a CALLERROR once: it stays queued for MessageAttemptInterval."""
    await set_variables(("OCPPCommCtrlr", "MessageAttemptInterval", RETRY_S, "TransactionEvent"),
                        ("OCPPCommCtrlr", "MessageAttempts", 3, "TransactionEvent"))
    charging_station.respond("TransactionEvent", CallErrorReply("InternalError", "the CSMS fails on purpose"), times=1)


@case("TC_E_28_CS", "Check Transaction status - TransactionId unknown",
      spec="OCPP 2.0.1 Part 2 E14", requirement=REQ_STATUS)
async def test_unknown_transaction(charging_station, available_evse):
    await status(charging_station, UNKNOWN_ID, queued=False, ongoing=False)


@case("TC_E_29_CS", "Check Transaction status - Transaction with id ongoing - with message in queue",
      spec="OCPP 2.0.1 Part 2 E13, E14", requirement=REQ_STATUS)
async def test_ongoing_queued(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    await queue_next(charging_station, set_variables)
    since = charging_station.mark_now()
    await iut.suspend_ev(available_evse)  # an Updated event (chargingState SuspendedEV) to hold in the queue
    await tx.event(charging_station, since, "Updated", tx_id=transaction.transaction_id)
    await status(charging_station, transaction.transaction_id, queued=True, ongoing=True)
    await tx.event(charging_station, since, "Updated", tx_id=transaction.transaction_id,
                   within=RETRY_S + timeouts.expect,
                   requirement="A TransactionEvent the CSMS failed to process is sent again (E13).")


@case("TC_E_30_CS", "Check Transaction status - Transaction with id ongoing - without message in queue",
      spec="OCPP 2.0.1 Part 2 E14", requirement=REQ_STATUS)
async def test_ongoing_not_queued(charging_station, available_evse, iut, id_tags):
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    await status(charging_station, transaction.transaction_id, queued=False, ongoing=True)


@case("TC_E_31_CS", "Check Transaction status - Transaction with id ended - with message in queue",
      spec="OCPP 2.0.1 Part 2 E13, E14", requirement=REQ_STATUS)
async def test_ended_queued(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    await queue_next(charging_station, set_variables)
    since = charging_station.mark_now()
    await iut.present_id_tag(id_tags.valid, available_evse)
    await iut.unplug(available_evse)
    await tx.event(charging_station, since, "Ended", tx_id=transaction.transaction_id)
    await status(charging_station, transaction.transaction_id, queued=True, ongoing=False)
    await tx.event(charging_station, since, "Ended", tx_id=transaction.transaction_id,
                   within=RETRY_S + timeouts.expect,
                   requirement="A TransactionEvent the CSMS failed to process is sent again (E13).")


@case("TC_E_32_CS", "Check Transaction status - Transaction with id ended - without message in queue",
      spec="OCPP 2.0.1 Part 2 E14", requirement=REQ_STATUS)
async def test_ended_not_queued(charging_station, available_evse, iut, id_tags):
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    since = charging_station.mark_now()
    await iut.present_id_tag(id_tags.valid, available_evse)
    await iut.unplug(available_evse)
    await tx.event(charging_station, since, "Ended", tx_id=transaction.transaction_id)
    await charging_station.drain()
    await status(charging_station, transaction.transaction_id, queued=False, ongoing=False)


@case("TC_E_33_CS", "Check Transaction status - Without transactionId - with message in queue",
      spec="OCPP 2.0.1 Part 2 E13, E14", requirement=REQ_STATUS)
async def test_any_queued(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await queue_next(charging_station, set_variables)
    since = charging_station.mark_now()
    await iut.plug_in(available_evse)
    await iut.present_id_tag(id_tags.valid, available_evse)
    started = await tx.event(charging_station, since, "Started")
    await status(charging_station, None, queued=True, ongoing=None)
    await tx.event(charging_station, since, "Started", tx_id=tx.tx_id_of(started), within=RETRY_S + timeouts.expect,
                   requirement="A TransactionEvent the CSMS failed to process is sent again (E13).")


@case("TC_E_34_CS", "Check Transaction status - Without transactionId - without message in queue",
      spec="OCPP 2.0.1 Part 2 E14", requirement=REQ_STATUS)
async def test_nothing_queued(charging_station, available_evse):
    await status(charging_station, None, queued=False, ongoing=None)
