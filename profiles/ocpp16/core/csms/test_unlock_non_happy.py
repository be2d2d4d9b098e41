"""OCTT 3.10 — Core Profile: unlocking, non-happy flow (the suite plays the charge point)."""

from conformance import case
from conformance.ocpp16.roles.station import operator_command

SECTION = "Core Profile - Unlocking Non-happy flow"
REQ_UNLOCK = "The Central System sends UnlockConnector.req for the connector asked for (OCPP 1.6 §5.18)."


async def unlock(csms, iut, timeouts, connector):
    """Make the Central System send UnlockConnector for `connector`."""
    return await operator_command(iut, csms, "UnlockConnector", {"connectorId": connector}, within=timeouts.expect,
                                  requirement=REQ_UNLOCK, as_asked=("connectorId",))


@case("TC_030_CSMS", "Unlock Connector – Unlock Failure",
      spec="OCPP 1.6 §5.18",
      requirement="The Central System SHALL handle a charge point answering UnlockConnector.req with UnlockFailed.")
async def test_unlock_failure(csms, booted, station, iut, available_connector, timeouts):
    station.fixed_cable = False
    station.make_unlock_fail(available_connector)  # the lock of the suite's charger is stuck for this case
    req = await unlock(csms, iut, timeouts, available_connector)
    await station.reaction(req)  # UnlockFailed


@case("TC_031_CSMS", "Unlock Connector – Unknown Connector",
      spec="OCPP 1.6 §5.18",
      requirement="The Central System SHALL handle a charge point answering UnlockConnector.req for a connector it "
                  "does not have with NotSupported.")
async def test_unlock_unknown_connector(csms, booted, station, iut, descriptor, timeouts):
    unknown = descriptor.connectors + 1  # one past the connectors the suite's charger reports
    req = await unlock(csms, iut, timeouts, unknown)
    await station.reaction(req)  # NotSupported
