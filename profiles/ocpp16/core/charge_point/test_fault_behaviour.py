"""OCTT 2.16 — Core Profile - Fault Behavior Non-Happy Flow (the suite plays the Central System)."""

from conformance import case

SECTION = "Core Profile - Fault Behavior Non-Happy Flow"


def _an_error(code):
    """an error code other than NoError"""
    return code != "NoError"


@case("TC_041_CS", "Fault Behavior",
      spec="OCPP 1.6 §4.9",
      requirement="A Charge Point with a fault SHALL report the connector Faulted with an error code in "
                  "StatusNotification.req and SHALL NOT start a transaction on it while the fault lasts.")
async def test_fault_behaviour(charge_point, iut, available_connector, id_tags, timeouts):
    connector = available_connector
    since = charge_point.mark_now()
    await iut.raise_fault(connector)
    await charge_point.expect(
        "StatusNotification", after=since, connectorId=connector, status="Faulted", errorCode=_an_error,
        requirement="A connector with a fault is reported Faulted with its error code (OCPP 1.6 §4.9).")
    await iut.plug_in(connector)
    await iut.present_id_tag(id_tags.valid, connector)
    await charge_point.expect_no(
        "StartTransaction", during=timeouts.settle, after=since,
        requirement="A Faulted connector is not available for charging: no transaction may start (OCPP 1.6 §4.9).")
