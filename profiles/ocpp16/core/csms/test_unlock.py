"""OCTT 3.6 — Core Profile: unlocking, happy flow (the suite plays the charge point)."""

from conformance import case
from conformance.ocpp16.roles.station import operator_command

SECTION = "Core Profile - Unlocking Happy flow"
REQ_UNLOCK = "The Central System sends UnlockConnector.req for the connector asked for (OCPP 1.6 §5.18)."


async def unlock(csms, iut, timeouts, connector):
    """Make the Central System send UnlockConnector for `connector`."""
    return await operator_command(iut, csms, "UnlockConnector", {"connectorId": connector}, within=timeouts.expect,
                                  requirement=REQ_UNLOCK, as_asked=("connectorId",))


@case("TC_017_1_CSMS", "Unlock connector - no charging session running (Not fixed cable)",
      spec="OCPP 1.6 §5.18",
      requirement="The Central System SHALL be able to make a charge point unlock a connector without a transaction "
                  "with UnlockConnector.req, and handle the answer Unlocked.")
async def test_unlock_without_session(csms, booted, station, iut, available_connector, timeouts):
    station.fixed_cable = False
    req = await unlock(csms, iut, timeouts, available_connector)
    await station.reaction(req)  # Unlocked


@case("TC_017_2_CSMS", "Unlock connector - no charging session running (Fixed cable)",
      spec="OCPP 1.6 §5.18",
      requirement="The Central System SHALL handle a charge point with a fixed cable answering UnlockConnector.req "
                  "with NotSupported.")
async def test_unlock_fixed_cable(csms, booted, station, iut, available_connector, timeouts):
    station.fixed_cable = True  # the suite's charger has a fixed cable for this case: there is no lock to release
    req = await unlock(csms, iut, timeouts, available_connector)
    await station.reaction(req)  # NotSupported


@case("TC_018_1_CSMS", "Unlock Connector - With Charging Session (Not fixed cable)",
      spec="OCPP 1.6 §5.18, §4.10",
      requirement="The Central System SHALL be able to unlock a connector with a running transaction, and accept the "
                  "StopTransaction (reason UnlockCommand) the charge point sends before releasing the cable.")
async def test_unlock_with_session(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    station.fixed_cable = False
    await station.charging(c, id_tags.valid)
    req = await unlock(csms, iut, timeouts, c)
    await station.reaction(req)  # Unlocked; StopTransaction(UnlockCommand), Finishing
    assert station.transaction(c) is None and not station.connector(c).locked
    await station.unplug(c)  # Available
