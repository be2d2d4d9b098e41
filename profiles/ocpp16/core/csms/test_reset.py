"""OCTT 3.5 — Core Profile: resetting, happy flow (the suite plays the charge point)."""

from conformance import case
from conformance.ocpp16.roles.station import operator_command

SECTION = "Core Profile - Resetting Happy Flow"


async def _reset(csms, station, iut, timeouts, kind):
    req = await operator_command(iut, csms, "Reset", {"type": kind}, within=timeouts.expect, as_asked=("type",),
                                 requirement="The Central System sends Reset.req of the requested type (OCPP 1.6 §5.14).")
    conf = await station.reaction(req)  # Accepted; the charger reboots, reconnects, boots, reports its connectors
    assert conf is not None and conf.status == "Accepted", "[behaviour] the BootNotification after the reset was not accepted"


@case("TC_013_CSMS", "Hard Reset",
      spec="OCPP 1.6 §5.14, §4.2",
      requirement="The Central System SHALL send Reset.req with type Hard when asked to, and accept the "
                  "BootNotification of the rebooted charge point.")
async def test_hard_reset(csms, booted, station, iut, timeouts):
    await _reset(csms, station, iut, timeouts, "Hard")


@case("TC_014_CSMS", "Soft Reset",
      spec="OCPP 1.6 §5.14, §4.2",
      requirement="The Central System SHALL send Reset.req with type Soft when asked to, and accept the "
                  "BootNotification of the restarted charge point.")
async def test_soft_reset(csms, booted, station, iut, timeouts):
    await _reset(csms, station, iut, timeouts, "Soft")
