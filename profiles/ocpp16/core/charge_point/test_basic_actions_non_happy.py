"""OCTT 2.10 — Core Profile - Basic Actions Non-happy flow (the suite plays the Central System)."""

from conformance import case
from conformance.ocpp16.preconditions import configured

SECTION = "Core Profile - Basic Actions Non-happy flow"


def _invalid(p):
    return {"idTagInfo": {"status": "Invalid"}}


@case("TC_023_4_CS", "Start local Charging Session - Authorize invalid",
      spec="OCPP 1.6 §4.1, §4.8",
      requirement="When the Central System answers Authorize.req for an idTag presented at the Charge Point with a "
                  "status other than Accepted, the Charge Point SHALL NOT start a transaction (no "
                  "StartTransaction.req), even with a cable plugged in.",
      needs=("id_tags.invalid",))
async def test_local_start_authorize_invalid(charge_point, iut, available_connector, id_tags, timeouts):
    connector, tag = available_connector, id_tags.invalid
    charge_point.respond("Authorize", _invalid)
    since = charge_point.mark_now()
    await iut.plug_in(connector)
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Preparing",
                              requirement="Plugging in a cable makes the connector Preparing (OCPP 1.6 §4.9).")
    await iut.present_id_tag(tag, connector)
    authorize = await charge_point.expect(
        "Authorize", after=since, idTag=tag,
        requirement="A presented idTag is authorized with the Central System before charging (OCPP 1.6 §4.1).")
    await charge_point.expect_no(
        "StartTransaction", during=timeouts.settle, after=since,
        requirement=f"Authorize.conf (#{authorize.seq}) answered Invalid: the Charge Point SHALL NOT start a "
                    "transaction (OCPP 1.6 §4.1, §4.8).")


@case("TC_023_5_CS", "Start remote Charging Session - Authorize invalid",
      spec="OCPP 1.6 §5.11, §4.1, §9.1 (AuthorizeRemoteTxRequests)",
      requirement="With AuthorizeRemoteTxRequests true the Charge Point SHALL authorize the idTag of a "
                  "RemoteStartTransaction.req with Authorize.req like a local one, and SHALL NOT start the "
                  "transaction when the Central System answers Invalid.",
      needs=("id_tags.invalid",))
async def test_remote_start_authorize_invalid(charge_point, iut, configure, available_connector, id_tags, timeouts):
    await configured(charge_point, configure, AuthorizeRemoteTxRequests=True)
    connector, tag = available_connector, id_tags.invalid
    charge_point.respond("Authorize", _invalid)
    since = charge_point.mark_now()
    await iut.plug_in(connector)
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Preparing",
                              requirement="Plugging in a cable makes the connector Preparing (OCPP 1.6 §4.9).")
    conf = await charge_point.call("RemoteStartTransaction", {"connectorId": connector, "idTag": tag})
    assert conf.status == "Accepted", (
        f"[behaviour] RemoteStartTransaction was answered {conf.status!r}; a Charge Point that can start a "
        "transaction accepts the request and then authorizes the idTag (OCPP 1.6 §5.11)")
    authorize = await charge_point.expect(
        "Authorize", after=since, idTag=tag,
        requirement="With AuthorizeRemoteTxRequests true the idTag of a remote start is authorized first "
                    "(OCPP 1.6 §5.11).")
    await charge_point.expect_no(
        "StartTransaction", during=timeouts.settle, after=since,
        requirement=f"Authorize.conf (#{authorize.seq}) answered Invalid: the Charge Point SHALL NOT start the "
                    "remotely requested transaction (OCPP 1.6 §5.11, §4.1).")


@case("TC_024_CS", "Start Charging Session - Lock Failure",
      spec="OCPP 1.6 §4.9 (ConnectorLockFailure), §5.11",
      requirement="When the connector cannot be locked, the Charge Point SHALL report StatusNotification.req Faulted "
                  "with errorCode ConnectorLockFailure and SHALL NOT start the transaction.",
      needs=("not_fixed_cable",))
async def test_lock_failure(charge_point, iut, available_connector, id_tags, timeouts):
    connector = available_connector
    await iut.make_lock_fail(connector)
    since = charge_point.mark_now()
    conf = await charge_point.call("RemoteStartTransaction", {"connectorId": connector, "idTag": id_tags.valid})
    assert conf.status == "Accepted", (
        f"[behaviour] RemoteStartTransaction for the Available connector {connector} was answered {conf.status!r} "
        "(OCPP 1.6 §5.11)")
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Preparing",
                              requirement="An authorized remote start waiting for the cable is Preparing (OCPP 1.6 §4.9).")
    await iut.plug_in(connector)
    await charge_point.expect(
        "StatusNotification", after=since, connectorId=connector, status="Faulted", errorCode="ConnectorLockFailure",
        requirement="A connector that fails to lock is reported Faulted with ConnectorLockFailure (OCPP 1.6 §4.9).")
    await charge_point.expect_no(
        "StartTransaction", during=timeouts.settle, after=since,
        requirement="Without a locked connector the Charge Point SHALL NOT start a transaction (OCPP 1.6 §4.9).")
