"""OCTT 2.5 — Core Profile: remote actions, happy flow (the suite plays the Central System)."""

from conformance import case
from conformance.ocpp16.steps import check_stop_reason, expect_connection_timeout

SECTION = "Core Profile - Remote actions Happy flow"
CONNECTION_TIMEOUT_S = 3  # short, so the case costs seconds; judged to ±0.75 s at most (a quarter of it)


async def _remote_start(charge_point, connector, id_tag):
    conf = await charge_point.call("RemoteStartTransaction", {"idTag": id_tag, "connectorId": connector},
                                   requirement="The Charge Point answers RemoteStartTransaction.req (OCPP 1.6 §5.11).")
    assert conf.status == "Accepted", (
        f"[behaviour] RemoteStartTransaction for {id_tag} on the Available connector {connector} was answered "
        f"{conf.status!r}; the Charge Point is able to start a transaction there")


async def _started(charge_point, connector, id_tag, since):
    """StartTransaction.req for the remote start and the connector Charging, in either order (an Authorize.req first
    is allowed: AuthorizeRemoteTxRequests decides it)."""
    await charge_point.expect("StartTransaction", after=since, connectorId=connector, idTag=id_tag,
                              requirement="An accepted RemoteStartTransaction.req on a connector with a cable starts "
                                          "a transaction for its idTag (OCPP 1.6 §5.11, §4.8).")
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Charging",
                              requirement="A running transaction with an EV taking energy is Charging (§4.9).")


@case("TC_010_CS", "Remote Start Charging Session – Cable Plugged in First",
      spec="OCPP 1.6 §5.11, §4.8, §4.9",
      requirement="With a cable plugged in (Preparing), the Charge Point SHALL accept RemoteStartTransaction.req and "
                  "start a transaction for its idTag on the given connector (StartTransaction.req, then Charging).")
async def test_remote_start_cable_first(charge_point, iut, available_connector, id_tags):
    connector, tag = available_connector, id_tags.valid
    since = charge_point.mark_now()
    await iut.plug_in(connector)
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Preparing",
                              requirement="Plugging in a cable makes the connector Preparing (OCPP 1.6 §4.9).")
    await _remote_start(charge_point, connector, tag)
    await _started(charge_point, connector, tag, since)


@case("TC_011_1_CS", "Remote Start Charging Session – Remote Start First",
      spec="OCPP 1.6 §5.11, §4.8, §4.9",
      requirement="The Charge Point SHALL accept RemoteStartTransaction.req on an Available connector and, when the "
                  "cable is plugged in within ConnectionTimeOut, start the transaction (StartTransaction.req, Charging).")
async def test_remote_start_first(charge_point, iut, available_connector, id_tags):
    connector, tag = available_connector, id_tags.valid
    since = charge_point.mark_now()
    await _remote_start(charge_point, connector, tag)
    await iut.plug_in(connector)
    await _started(charge_point, connector, tag, since)


@case("TC_011_2_CS", "Remote Start Charging Session – Time Out",
      spec="OCPP 1.6 §5.11, §4.9, §9.1 (ConnectionTimeOut)",
      requirement="After an accepted RemoteStartTransaction.req made the connector Preparing, the Charge Point SHALL "
                  "return to Available without starting a transaction when no cable is plugged in within "
                  "ConnectionTimeOut — when ConnectionTimeOut has run out, neither earlier nor later (judged from "
                  "Preparing to Available to ± the descriptor's tolerance, at most a quarter of ConnectionTimeOut).")
async def test_remote_start_connection_timeout(charge_point, configure, available_connector, id_tags, timeouts):
    await configure(ConnectionTimeOut=CONNECTION_TIMEOUT_S)
    connector = available_connector
    since = charge_point.mark_now()
    await _remote_start(charge_point, connector, id_tags.valid)
    await expect_connection_timeout(charge_point, connector, after=since, timeout_s=CONNECTION_TIMEOUT_S,
                                    timeouts=timeouts)


@case("TC_012_CS", "Remote Stop Charging Session",
      spec="OCPP 1.6 §5.12, §4.10, §4.9",
      requirement="The Charge Point SHALL accept RemoteStopTransaction.req for its running transaction and stop it: "
                  "StopTransaction.req with reason Remote, the connector Finishing while the EV is still connected.")
async def test_remote_stop(charge_point, charging_session):
    session = charging_session
    since = charge_point.mark_now()
    conf = await charge_point.call("RemoteStopTransaction", {"transactionId": session.transaction_id},
                                   requirement="The Charge Point answers RemoteStopTransaction.req (OCPP 1.6 §5.12).")
    assert conf.status == "Accepted", (
        f"[behaviour] RemoteStopTransaction for the running transaction {session.transaction_id} was answered "
        f"{conf.status!r}")
    stop = await charge_point.expect("StopTransaction", after=since, transactionId=session.transaction_id,
                                     requirement="An accepted RemoteStopTransaction.req stops the transaction as if the "
                                                 "EV driver had stopped it locally (OCPP 1.6 §5.12).")
    check_stop_reason(stop, "Remote")
    await charge_point.expect("StatusNotification", after=since, connectorId=session.connector, status="Finishing",
                              requirement="A transaction stopped while the EV is still connected leaves the connector "
                                          "Finishing (OCPP 1.6 §4.9).")
