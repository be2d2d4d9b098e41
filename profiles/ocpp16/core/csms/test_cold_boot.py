"""OCTT 3.1 — Cold Boot Charge Point (the suite plays the charge point)."""

from datetime import datetime, timezone

from conformance import case, measure
from conformance.roles import SUITE_STATION

SECTION = "Cold Boot Charge Point"


def _skew_s(current_time: str) -> float:
    theirs = datetime.fromisoformat(current_time.replace("Z", "+00:00"))
    if theirs.tzinfo is None:
        theirs = theirs.replace(tzinfo=timezone.utc)
    return (theirs - datetime.now(timezone.utc)).total_seconds()


@case("TC_001_CSMS", "Cold Boot Charge Point",
      spec="OCPP 1.6 §4.2, §4.6, §4.9",
      requirement="The Central System SHALL answer BootNotification with a status, its current time and the heartbeat "
                  "interval, accept the connectors' StatusNotifications and answer Heartbeat with its current time.")
async def test_cold_boot(csms, station, descriptor, timeouts):
    await station.reconnect()
    conf = await csms.call("BootNotification", dict(SUITE_STATION))
    assert conf.status == "Accepted", f"[behaviour] BootNotification of a known charge point answered {conf.status!r}, expected 'Accepted'"
    assert conf.interval > 0, f"[behaviour] heartbeat interval {conf.interval} is not positive"
    skew = _skew_s(conf.current_time)
    measure("heartbeat_interval_s", conf.interval)
    measure("boot_current_time_skew_s", round(skew, 3))
    assert abs(skew) <= timeouts.tolerance, (
        f"[timing] BootNotification.conf currentTime is {skew:+.1f} s off the suite's clock (tolerance {timeouts.tolerance:g} s)")
    for connector in range(0, descriptor.connectors + 1):
        await station.status(connector, "Available")
    beat = await csms.call("Heartbeat", {})
    skew = _skew_s(beat.current_time)
    measure("heartbeat_current_time_skew_s", round(skew, 3))
    assert abs(skew) <= timeouts.tolerance, (
        f"[timing] Heartbeat.conf currentTime is {skew:+.1f} s off the suite's clock (tolerance {timeouts.tolerance:g} s)")
