"""OCTT E — Check Transaction status (the suite plays the charging station; Part 2 E14, E12).

The operator asks the CSMS for the status of a transaction (or of the station's queue): the CSMS SHALL send
GetTransactionStatusRequest with the transactionId asked, or none when none was asked (E14), and SHALL answer the
TransactionEventRequests the station then delivers from its offline queue, `offline` true, in their order (E12)."""

from conformance import case
from conformance.ocpp201.roles.transactions import REQ_TX_EVENT

SECTION = "Transactions"
EVSE = 1

REQ_STATUS = ("The CSMS SHALL send GetTransactionStatusRequest with the transactionId the operator asked about, and "
              "without one when it asks about the station's queue (Part 2 E14.FR.01-FR.08).")
REQ_QUEUE = ("The CSMS SHALL answer the TransactionEventRequests a station queued while offline (offline true) and "
             "delivers after the connection is back, oldest first (Part 2 E12).")


async def ask_status(operator, station, transaction_id=None):
    asked = {"transactionId": transaction_id} if transaction_id is not None else {}
    request = await operator("GetTransactionStatus", asked, as_asked=("transactionId",), requirement=REQ_STATUS)
    await station.reaction(request)  # the answer, then the queue when messages wait in it
    return request


async def queued_while_offline(transactions, tx, *, end):
    """The connection drops; the station goes on and queues what it sends; the connection comes back."""
    await transactions.go_offline()
    await transactions.event(tx, "Updated", "MeterValuePeriodic",
                             meter=[transactions.meter_value("Sample.Periodic")])
    if end:
        await transactions.finish(tx, "StopAuthorized", "Local", token=tx.id_token["idToken"])
    await transactions.come_online(deliver=False)


def queue_delivered(transactions, request):
    sent = [r for r in transactions.events_after(request.seq) if r.payload.get("offline")]
    assert sent and not transactions.model.queue, (
        "[suite] the station did not deliver its queue after answering GetTransactionStatus")


@case("TC_E_29_CSMS", "Check Transaction status - Transaction with id ongoing - with message in queue",
      profile="core",
      spec="OCPP 2.0.1 Part 2 E14 (Check Transaction Status), E12 (offline queue)",
      requirement=REQ_STATUS + " " + REQ_QUEUE)
async def test_status_ongoing_with_queue(booted, station, transactions, operator, id_tags):
    tx = await transactions.start_authorized(EVSE, id_tags.valid)
    await queued_while_offline(transactions, tx, end=False)
    request = await ask_status(operator, station, tx.transaction_id)
    queue_delivered(transactions, request)


@case("TC_E_30_CSMS", "Check Transaction status - Transaction with id ongoing - without message in queue",
      profile="core",
      spec="OCPP 2.0.1 Part 2 E14 (Check Transaction Status)",
      requirement=REQ_STATUS + " " + REQ_TX_EVENT)
async def test_status_ongoing_without_queue(booted, station, transactions, operator, id_tags):
    tx = await transactions.start_authorized(EVSE, id_tags.valid)
    await ask_status(operator, station, tx.transaction_id)


@case("TC_E_31_CSMS", "Check Transaction status - Transaction with id ended - with message in queue",
      profile="core",
      spec="OCPP 2.0.1 Part 2 E14 (Check Transaction Status), E12 (offline queue)",
      requirement=REQ_STATUS + " " + REQ_QUEUE)
async def test_status_ended_with_queue(booted, station, transactions, operator, id_tags):
    tx = await transactions.start_authorized(EVSE, id_tags.valid)
    await queued_while_offline(transactions, tx, end=True)
    request = await ask_status(operator, station, tx.transaction_id)
    queue_delivered(transactions, request)


@case("TC_E_33_CSMS", "Check Transaction status - Without transactionId - with message in queue", profile="core",
      spec="OCPP 2.0.1 Part 2 E14 (Check Transaction Status), E12 (offline queue)",
      requirement=REQ_STATUS + " " + REQ_QUEUE)
async def test_status_queue_with_messages(booted, station, transactions, operator, id_tags):
    tx = await transactions.start_authorized(EVSE, id_tags.valid)
    await queued_while_offline(transactions, tx, end=True)
    request = await ask_status(operator, station)
    queue_delivered(transactions, request)


@case("TC_E_34_CSMS", "Check Transaction status - Without transactionId - without message in queue", profile="core",
      spec="OCPP 2.0.1 Part 2 E14 (Check Transaction Status)",
      requirement=REQ_STATUS)
async def test_status_queue_empty(booted, station, operator):
    await ask_status(operator, station)
