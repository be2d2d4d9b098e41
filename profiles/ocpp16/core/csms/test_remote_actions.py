"""OCTT 3.4 — Core Profile: remote actions, happy flow (the suite plays the charge point)."""

from conformance import case, measure
from conformance.ocpp16.roles.station import operator_command

SECTION = "Core Profile - Remote actions Happy flow"
CONNECTION_TIMEOUT_S = 2  # the suite charger's own ConnectionTimeOut, short so the case costs seconds
REQ_REMOTE_START = "The Central System sends RemoteStartTransaction.req with the id tag and connector asked for " \
                   "(OCPP 1.6 §5.11)."


def check_remote_start(req, id_tag, connector):
    """The RemoteStartTransaction.req carries the requested id tag and connector (connectorId > 0 when present)."""
    payload = req.payload
    assert str(payload.get("idTag", "")).lower() == id_tag.lower(), (
        f"[behaviour] RemoteStartTransaction.req (#{req.seq}) has idTag {payload.get('idTag')!r}, the operator asked "
        f"for {id_tag}")
    assert payload.get("connectorId") == connector, (
        f"[behaviour] RemoteStartTransaction.req (#{req.seq}) has connectorId {payload.get('connectorId')!r}, the "
        f"operator asked for connector {connector} (connectorId SHALL be > 0)")


@case("TC_010_CSMS", "Remote Start Charging Session – Cable Plugged in First",
      spec="OCPP 1.6 §5.11, §4.1, §4.8",
      requirement="The Central System SHALL start a transaction remotely with RemoteStartTransaction.req for the "
                  "requested id tag and connector, and accept the Authorize and StartTransaction that follow.")
async def test_remote_start_cable_plugged_in_first(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    await station.plug_in(c)  # Preparing
    req = await operator_command(iut, csms, "RemoteStartTransaction", {"idTag": id_tags.valid, "connectorId": c},
                                 within=timeouts.expect, requirement=REQ_REMOTE_START)
    check_remote_start(req, id_tags.valid, c)
    await station.reaction(req)  # Accepted; Authorize, StartTransaction, Charging
    tx = station.transaction(c)
    assert tx is not None and tx.id_tag_info["status"] == "Accepted", (
        f"[behaviour] the remotely started transaction was answered {tx and tx.id_tag_info}")
    measure("transaction_id", tx.transaction_id)


@case("TC_011_1_CSMS", "Remote Start Charging Session – Remote Start First",
      spec="OCPP 1.6 §5.11, §4.1, §4.8",
      requirement="The Central System SHALL start a transaction remotely before the cable is plugged in, and accept "
                  "the Authorize, the Preparing status and the StartTransaction after the plug-in.")
async def test_remote_start_first(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    req = await operator_command(iut, csms, "RemoteStartTransaction", {"idTag": id_tags.valid, "connectorId": c},
                                 within=timeouts.expect, requirement=REQ_REMOTE_START)
    check_remote_start(req, id_tags.valid, c)
    await station.reaction(req)  # Accepted; Authorize, Preparing
    await station.plug_in(c)  # StartTransaction, Charging
    tx = station.transaction(c)
    assert tx is not None and tx.id_tag_info["status"] == "Accepted", (
        f"[behaviour] the remotely started transaction was answered {tx and tx.id_tag_info}")
    measure("transaction_id", tx.transaction_id)


@case("TC_011_2_CSMS", "Remote Start Charging Session – Time Out",
      spec="OCPP 1.6 §5.11, §4.9, §9.1 ConnectionTimeOut",
      requirement="When a remote start is not followed by a cable within the charge point's ConnectionTimeOut, the "
                  "Central System SHALL accept the connector going from Preparing back to Available.")
async def test_remote_start_time_out(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    station.configure(ConnectionTimeOut=CONNECTION_TIMEOUT_S)
    req = await operator_command(iut, csms, "RemoteStartTransaction", {"idTag": id_tags.valid, "connectorId": c},
                                 within=timeouts.expect, requirement=REQ_REMOTE_START)
    check_remote_start(req, id_tags.valid, c)
    await station.reaction(req)  # Accepted; Authorize, Preparing
    assert await station.connection_timeout(c), "the suite's charge point did not time out as configured"
    assert station.transaction(c) is None
    measure("connection_timeout_s", CONNECTION_TIMEOUT_S)


@case("TC_012_CSMS", "Remote Stop Charging Session",
      spec="OCPP 1.6 §5.12, §4.10",
      requirement="The Central System SHALL stop a running transaction remotely with RemoteStopTransaction.req for "
                  "that transaction's id, and accept the StopTransaction (reason Remote) that follows.")
async def test_remote_stop(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    tx = await station.charging(c, id_tags.valid)
    req = await operator_command(iut, csms, "RemoteStopTransaction", {"transactionId": tx.transaction_id},
                                 within=timeouts.expect, as_asked=("transactionId",),
                                 requirement="The Central System sends RemoteStopTransaction.req for the running "
                                             "transaction (OCPP 1.6 §5.12).")
    await station.reaction(req)  # Accepted; StopTransaction(Remote), Finishing
    assert station.transaction(c) is None
    await station.unplug(c)  # Available
