"""OCTT 2.12 — Core Profile - Unlocking Non-happy flow (the suite plays the Central System)."""

from conformance import case

SECTION = "Core Profile - Unlocking Non-happy flow"


@case("TC_030_CS", "Unlock Connector – Unlock Failure",
      spec="OCPP 1.6 §5.18",
      requirement="When the connector lock does not open, the Charge Point SHALL answer UnlockConnector.req with "
                  "UnlockFailed.",
      needs=("not_fixed_cable",))
async def test_unlock_failure(charge_point, iut, available_connector):
    connector = available_connector
    since = charge_point.mark_now()
    await iut.plug_in(connector)
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Preparing",
                              requirement="Plugging in a cable makes the connector Preparing (OCPP 1.6 §4.9).")
    await iut.make_unlock_fail(connector)
    conf = await charge_point.call("UnlockConnector", {"connectorId": connector})
    assert conf.status == "UnlockFailed", (
        f"[behaviour] UnlockConnector for connector {connector}, whose lock does not open, was answered "
        f"{conf.status!r}; it SHALL be UnlockFailed (OCPP 1.6 §5.18)")


@case("TC_031_CS", "Unlock Connector – Unknown Connector",
      spec="OCPP 1.6 §5.18, §3.8",
      requirement="The Charge Point SHALL answer UnlockConnector.req for a connectorId it does not have with "
                  "NotSupported.")
async def test_unlock_unknown_connector(charge_point, descriptor):
    unknown = descriptor.connectors + 1
    conf = await charge_point.call("UnlockConnector", {"connectorId": unknown})
    assert conf.status == "NotSupported", (
        f"[behaviour] UnlockConnector for connector {unknown} (the charge point has {descriptor.connectors}) was "
        f"answered {conf.status!r}; an unknown connector SHALL be NotSupported (OCPP 1.6 §5.18)")
