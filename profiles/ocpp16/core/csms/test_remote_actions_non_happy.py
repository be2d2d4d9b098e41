"""OCTT 3.9 — Core Profile: remote actions, non-happy flow (the suite plays the charge point)."""

from conformance import case
from conformance.ocpp16.roles.station import operator_command

SECTION = "Core Profile - Remote Actions Non-Happy Flow"


@case("TC_026_CSMS", "Remote Start Charging Session – Rejected",
      spec="OCPP 1.6 §5.11",
      requirement="The Central System SHALL send RemoteStartTransaction.req for the requested id tag and connector, "
                  "and handle the charge point rejecting it (no transaction follows).")
async def test_remote_start_rejected(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    csms.respond("RemoteStartTransaction", {"status": "Rejected"})  # the charger refuses (e.g. reserved locally)
    req = await operator_command(iut, csms, "RemoteStartTransaction", {"idTag": id_tags.valid, "connectorId": c},
                                 within=timeouts.expect,
                                 requirement="The Central System sends RemoteStartTransaction.req (OCPP 1.6 §5.11).")
    assert str(req.payload.get("idTag", "")).lower() == id_tags.valid.lower() and req.payload.get("connectorId") == c, (
        f"[behaviour] RemoteStartTransaction.req (#{req.seq}) is {req.payload}, the operator asked for idTag "
        f"{id_tags.valid} on connector {c} (connectorId SHALL be > 0)")
    assert station.transaction(c) is None


@case("TC_028_CSMS", "Remote Stop Transaction – Rejected",
      spec="OCPP 1.6 §5.12, §4.7",
      requirement="The Central System SHALL send RemoteStopTransaction.req for the requested transaction, and handle "
                  "the charge point rejecting it: the transaction goes on.")
async def test_remote_stop_rejected(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    tx = await station.charging(c, id_tags.valid)
    csms.respond("RemoteStopTransaction", {"status": "Rejected"})  # the charger does not stop it
    await operator_command(iut, csms, "RemoteStopTransaction", {"transactionId": tx.transaction_id},
                                 within=timeouts.expect, as_asked=("transactionId",),
                                 requirement="The Central System sends RemoteStopTransaction.req for the running "
                                             "transaction (OCPP 1.6 §5.12).")
    await station.meter_values(c)  # the transaction still runs: its readings are still answered
    assert station.transaction(c) is tx
