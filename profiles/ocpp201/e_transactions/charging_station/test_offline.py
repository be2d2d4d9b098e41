"""OCTT 2.0.1 E — Offline behaviour (Part 2 E04, E12) of a charging station under test (the suite plays the CSMS):
transaction events that happen while the station is offline are queued, flagged `offline`, and delivered in order
once it is back; seqNo continues across the offline period (the judge checks that on every event). The network is
cut and restored through the driver."""

import pytest

from conformance import case
from conformance.errors import NOT_APPLICABLE_PREFIX
from conformance.ocpp201 import transaction_steps as tx
from conformance.ocpp201.preconditions import start_transaction

SECTION = "Transactions"
REQ_OFFLINE = ("Transaction events that happened while the Charging Station was offline SHALL be queued and delivered "
               "in order once it is back online, each with offline true (E04).")


def is_offline(rec, why: str) -> None:
    assert rec.payload.get("offline") is True, (
        f"TransactionEvent {rec.payload.get('eventType')} #{rec.seq} (seqNo {rec.payload.get('seqNo')}) happened "
        f"while the station was offline but has offline {rec.payload.get('offline')!r}, expected true: {why} (E04)")


async def back_online(charging_station, iut, timeouts):
    since = charging_station.mark_now()
    await iut.come_online()
    await charging_station.wait_connected(timeouts.connect)
    return since


@case("TC_E_40_CS", "Offline Behaviour - Connection loss during transaction",
      spec="OCPP 2.0.1 Part 2 E04, J02 (SampledDataCtrlr.TxUpdatedInterval)",
      requirement=REQ_OFFLINE + " The meter values sampled while the connection was lost arrive after it is back, "
                                "flagged offline, their seqNo continuing the transaction's.")
async def test_connection_loss(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await set_variables(("SampledDataCtrlr", "TxUpdatedInterval", 1))
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    await iut.go_offline()
    gone = charging_station.mark_now()
    await charging_station.expect_no("TransactionEvent", during=2.2, after=gone,
                                     requirement="An offline station sends nothing (the meter samples are queued).")
    since = await back_online(charging_station, iut, timeouts)
    queued = await tx.event(charging_station, since, "Updated", tx_id=transaction.transaction_id,
                            triggerReason="MeterValuePeriodic", requirement=REQ_OFFLINE)
    is_offline(queued, "it was sampled during the connection loss")


@case("TC_E_43_CS", "Offline Behaviour - Transaction during offline period",
      spec="OCPP 2.0.1 Part 2 E04, C15 (AuthCtrlr.OfflineTxForUnknownIdEnabled)",
      requirement=REQ_OFFLINE + " A transaction started and ended while offline is delivered as Started then Ended, "
                                "both flagged offline.")
async def test_transaction_offline(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await set_variables(("AuthCtrlr", "OfflineTxForUnknownIdEnabled", True))
    await iut.go_offline()
    await iut.plug_in(available_evse)
    await iut.present_id_tag(id_tags.valid, available_evse)
    await iut.present_id_tag(id_tags.valid, available_evse)
    await iut.unplug(available_evse)
    since = await back_online(charging_station, iut, timeouts)
    first = await charging_station.expect("TransactionEvent", after=since, requirement=REQ_OFFLINE)
    tx.expect_field(first, "eventType", first.payload.get("eventType"), "Started",
                    "the queued events of the transaction come in the order they happened (E04)")
    is_offline(first, "the transaction started while offline")
    end = await tx.event(charging_station, since, "Ended", tx_id=tx.tx_id_of(first), requirement=REQ_OFFLINE)
    is_offline(end, "the transaction ended while offline")


@case("TC_E_44_CS", "Offline Behaviour - Stop transaction during offline period",
      spec="OCPP 2.0.1 Part 2 E04, E07",
      requirement=REQ_OFFLINE + " A transaction the driver stops while the station is offline is delivered as Ended "
                                "(stoppedReason Local) flagged offline.")
async def test_stop_offline(charging_station, available_evse, iut, id_tags, timeouts):
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    await iut.go_offline()
    await iut.present_id_tag(id_tags.valid, available_evse)
    await iut.unplug(available_evse)
    since = await back_online(charging_station, iut, timeouts)
    end = await tx.event(charging_station, since, "Ended", tx_id=transaction.transaction_id, requirement=REQ_OFFLINE)
    is_offline(end, "the transaction ended while offline")
    tx.stopped_reason(end, "Local", "the driver stopped it at the station")


@case("TC_E_45_CS", "Offline Behaviour - Stop transaction during offline period - Same GroupId",
      spec="OCPP 2.0.1 Part 2 E04, C09 (GroupId), C10 (authorization cache)",
      requirement=REQ_OFFLINE + " Offline, an IdToken the station knows to be of the transaction's group (its "
                                "groupIdToken) stops the transaction; the Ended event is delivered, flagged offline, "
                                "once the station is back.",
      needs=("id_tags.parent",))
async def test_group_stop_offline(charging_station, available_evse, set_variables, iut, id_tags, descriptor,
                                  timeouts):
    sibling = id_tags.sibling_id_tag
    if not sibling:
        pytest.skip(NOT_APPLICABLE_PREFIX + "the case needs a second IdToken of the group: set id_tags.parent.id_tag_2 in the IUT "
                            "descriptor to an Accepted IdToken whose group is id_tags.parent.parent_id_tag")
    other = 2 if len(descriptor.evses) > 1 else available_evse
    await set_variables(("TxCtrlr", "EVConnectionTimeOut", 1))
    since = charging_station.mark_now()
    await iut.present_id_tag(sibling, other)  # the station learns the second IdToken and its group (C10)
    await charging_station.expect("Authorize", after=since, idToken={"idToken": sibling},
                                  requirement="The Charging Station SHALL authorize the IdToken (C01).")
    transaction = await start_transaction(charging_station, iut, available_evse, id_tags.child_id_tag)
    await iut.go_offline()
    await iut.present_id_tag(sibling, available_evse)
    since = await back_online(charging_station, iut, timeouts)
    end = await tx.event(charging_station, since, "Ended", tx_id=transaction.transaction_id,
                         requirement="An IdToken of the same group stops the transaction, also offline (C09, E04).")
    is_offline(end, "the transaction ended while offline")
    tx.trigger(end, "StopAuthorized", "a driver of the same group stopped it")
