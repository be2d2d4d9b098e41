"""OCTT 2.11 — Core Profile - Remote Actions Non-Happy Flow (the suite plays the Central System)."""

from conformance import case

SECTION = "Core Profile - Remote Actions Non-Happy Flow"


@case("TC_026_CS", "Remote Start Charging Session – Rejected",
      spec="OCPP 1.6 §5.11",
      requirement="The Charge Point SHALL answer RemoteStartTransaction.req with Rejected when it cannot start a "
                  "transaction on the requested connector, e.g. because a transaction already runs there.",
      needs=("id_tags.valid_2",))
async def test_remote_start_rejected(charge_point, configure, charging_session, id_tags):
    await configure(LocalPreAuthorize=False)
    session = charging_session
    conf = await charge_point.call("RemoteStartTransaction", {"connectorId": session.connector, "idTag": id_tags.valid_2})
    assert conf.status == "Rejected", (
        f"[behaviour] RemoteStartTransaction for connector {session.connector}, where transaction "
        f"{session.transaction_id} is running, was answered {conf.status!r}; it SHALL be Rejected (OCPP 1.6 §5.11)")


@case("TC_027_CS", "Remote start transaction - connector id shall not be 0",
      spec="OCPP 1.6 §5.11",
      requirement="connectorId in RemoteStartTransaction.req SHALL be greater than 0; the Charge Point SHALL answer "
                  "a request for connector 0 with Rejected.")
async def test_remote_start_connector_zero(charge_point, available_connector, id_tags):
    conf = await charge_point.call("RemoteStartTransaction", {"connectorId": 0, "idTag": id_tags.valid})
    assert conf.status == "Rejected", (
        f"[behaviour] RemoteStartTransaction for connectorId 0 was answered {conf.status!r}; connector 0 is the "
        "Charge Point as a whole, no transaction can run there, so it SHALL be Rejected (OCPP 1.6 §5.11)")


@case("TC_028_CS", "Remote Stop Transaction – Rejected",
      spec="OCPP 1.6 §5.12",
      requirement="The Charge Point SHALL answer RemoteStopTransaction.req with Rejected when the transactionId "
                  "does not belong to a transaction it is running.")
async def test_remote_stop_rejected(charge_point, charging_session):
    unknown = max(charge_point.responders.transactions, default=0) + 1000
    conf = await charge_point.call("RemoteStopTransaction", {"transactionId": unknown})
    assert conf.status == "Rejected", (
        f"[behaviour] RemoteStopTransaction for the unknown transactionId {unknown} (the running one is "
        f"{charging_session.transaction_id}) was answered {conf.status!r}; it SHALL be Rejected (OCPP 1.6 §5.12)")
