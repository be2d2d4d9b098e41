"""OCTT E — Reset Sequence Number (the suite plays the charging station; Part 2 E01-E15, seqNo).

seqNo counts the TransactionEventRequests of one transaction from 0; a station may start again at 0 with its next
transaction. The CSMS SHALL accept a Started event with seqNo 0 whatever the station's earlier transactions sent."""

from conformance import case
from conformance.ocpp201.roles.transactions import REQ_TX_EVENT

SECTION = "Transactions"
EVSE = 1

REQ_SEQ_NO = ("The CSMS SHALL accept a TransactionEventRequest Started with seqNo 0 after earlier transactions of the "
              "station ended with higher seqNo: seqNo numbers the messages of one transaction (Part 2 E01, "
              "TransactionEventRequest.seqNo). " + REQ_TX_EVENT)


@case("TC_E_53_CSMS", "Reset Sequence Number - CSMS accepting seqNo = 0 at start of transaction", profile="core",
      spec="OCPP 2.0.1 Part 2 E01 (seqNo), E06",
      requirement=REQ_SEQ_NO)
async def test_seq_no_reset(booted, transactions, id_tags):
    token = id_tags.valid
    first = await transactions.start_authorized(EVSE, token)
    await transactions.event(first, "Updated", "MeterValuePeriodic",
                             meter=[transactions.meter_value("Sample.Periodic")])
    await transactions.finish(first, "StopAuthorized", "Local", token=token)
    second = await transactions.start_authorized(EVSE, token)  # seqNo 0 again
    assert second.seq_no == 1, "[suite] the second transaction did not start at seqNo 0"
    await transactions.finish(second, "StopAuthorized", "Local", token=token)
