"""OCTT 3.12 — Core Profile: offline behaviour, non-happy flow (the suite plays the charge point).

While the network is down the suite's charger goes on working and queues its transaction messages; on reconnection
it delivers them in order, each with the timestamp of the moment it happened (OCPP 1.6 §3.6).

The outage lasts minutes as the Central System sees it, but costs no waiting: the suite controls its charger's clock,
so its offline period is placed in the last `OFFLINE_PERIOD_S` seconds before the reconnection (`go_offline`) and
moved through with `let_time_pass`. The queued messages thus arrive stamped minutes in the past, before the new
connection opened, and a Central System that refuses them for their age (an idTagInfo other than the token's status,
a CALLERROR) fails.
"""

from conformance import case, measure
from conformance.ocpp16.queued_messages import epoch
from conformance.ocpp16.roles.station import OFFLINE_PERIOD_S

SECTION = "Core Profile - Offline behavior Non-Happy Flow"


def delivered(csms, since, action):
    return [r for r in csms.wire.after(since) if not r.from_iut and r.action == action and r.is_call]


def age_s(record) -> float:
    """How long before its delivery a queued message is stamped (the suite's evidence of the simulated outage)."""
    return round(epoch(record.t_wall) - epoch(record.payload["timestamp"]), 3)


@case("TC_037_1_CSMS", "Offline Start Transaction - Valid IdTag",
      spec="OCPP 1.6 §3.5, §3.6, §4.8",
      requirement="The Central System SHALL accept a StartTransaction that the charge point queued while offline and "
                  "delivers after reconnecting — stamped minutes in the past, before the connection opened — "
                  "answering Accepted with a transactionId for a valid id tag, and accept the connector's status "
                  "Charging that follows.")
async def test_offline_start_valid(csms, booted, station, id_tags, available_connector):
    c = available_connector
    station.configure(LocalAuthorizeOffline=True, AllowOfflineTxForUnknownId=True)
    await station.go_offline()
    await station.plug_in(c)
    info = await station.present_id_tag(id_tags.valid, c)  # authorized locally; StartTransaction queued
    assert info["status"] == "Accepted"
    tx = station.transaction(c)
    since = csms.wire.last_seq
    await station.come_online()  # StartTransaction (original timestamp), then StatusNotification Charging
    starts = delivered(csms, since, "StartTransaction")
    assert starts and starts[0].payload["timestamp"] == tx.started_at, "the queued StartTransaction was not delivered"
    measure("offline_period_s", OFFLINE_PERIOD_S)
    measure("start_stamped_before_delivery_s", age_s(starts[0]))
    assert tx.transaction_id is not None and tx.id_tag_info["status"] == "Accepted", (
        f"[behaviour] the StartTransaction queued offline was answered {tx.id_tag_info}")
    assert station.connector(c).reported == ("Charging", "NoError")


@case("TC_037_3_CSMS", "Offline Start Transaction - Invalid IdTag - StopTransactionOnInvalidId = true",
      spec="OCPP 1.6 §3.5.4, §3.6, §4.8, §4.10, §9.1 StopTransactionOnInvalidId",
      requirement="The Central System SHALL answer a StartTransaction queued offline (stamped minutes in the past) for "
                  "an id tag it does not know with idTagInfo Invalid and still a transactionId, and accept the "
                  "StopTransaction with reason DeAuthorized that the charge point then sends.",
      needs=("id_tags.invalid",))
async def test_offline_start_invalid(csms, booted, station, id_tags, available_connector):
    c = available_connector
    station.configure(LocalAuthorizeOffline=True, AllowOfflineTxForUnknownId=True, StopTransactionOnInvalidId=True)
    station.forget_id_tag(id_tags.invalid)  # unknown to the charger, so Unknown Offline Authorization lets it start
    await station.go_offline()
    await station.plug_in(c)
    info = await station.present_id_tag(id_tags.invalid, c)  # accepted offline; StartTransaction queued
    assert info["status"] == "Accepted"
    tx = station.transaction(c)
    since = csms.wire.last_seq
    await station.come_online()  # StartTransaction -> Invalid -> StopTransaction(DeAuthorized), Finishing
    assert tx.transaction_id is not None and tx.id_tag_info["status"] == "Invalid", (
        f"[behaviour] the offline StartTransaction of the invalid id tag was answered {tx.id_tag_info}")
    stops = delivered(csms, since, "StopTransaction")
    assert stops and stops[-1].payload.get("reason") == "DeAuthorized", "the suite's charge point did not deauthorize"
    assert station.transaction(c) is None
    await station.unplug(c)  # Available


@case("TC_039_CSMS", "Offline Transaction",
      spec="OCPP 1.6 §3.5, §3.6, §4.7, §4.8, §4.10",
      requirement="The Central System SHALL accept a whole transaction that happened while the charge point was "
                  "offline — StartTransaction, MeterValues and StopTransaction delivered in order after reconnecting, "
                  "with their original timestamps, minutes apart and minutes in the past — answering the start "
                  "Accepted with a transactionId.")
async def test_offline_transaction(csms, booted, station, id_tags, available_connector):
    c = available_connector
    station.configure(LocalAuthorizeOffline=True, AllowOfflineTxForUnknownId=True)
    await station.go_offline()
    await station.plug_in(c)
    await station.present_id_tag(id_tags.valid, c)  # StartTransaction queued, stamped OFFLINE_PERIOD_S ago
    tx = station.transaction(c)
    station.let_time_pass(OFFLINE_PERIOD_S / 3)
    await station.meter_values(c)  # queued
    station.let_time_pass(OFFLINE_PERIOD_S / 3)
    await station.present_id_tag(id_tags.valid, c)  # the driver stops locally: StopTransaction(Local) queued
    await station.unplug(c)
    since = csms.wire.last_seq
    await station.come_online()
    order = [r.action for r in csms.wire.after(since) if not r.from_iut and r.is_call
             and r.action in ("StartTransaction", "MeterValues", "StopTransaction")]
    assert order == ["StartTransaction", "MeterValues", "StopTransaction"], f"queued messages went out as {order}"
    assert tx.id_tag_info["status"] == "Accepted", (
        f"[behaviour] the StartTransaction queued offline was answered {tx.id_tag_info}")
    stop = delivered(csms, since, "StopTransaction")[0]
    assert stop.payload["transactionId"] == tx.transaction_id and stop.payload.get("reason") == "Local"
    measure("offline_period_s", OFFLINE_PERIOD_S)
    measure("queued_stamped_before_delivery_s", [age_s(r) for r in csms.wire.after(since) if not r.from_iut
                                                 and r.is_call and r.action in ("StartTransaction", "StopTransaction")])
