"""OCTT B — Cold Boot Charging Station (the suite plays the charging station; Part 2 B01-B03)."""

from conformance import case

SECTION = "Cold Boot Charging Station"


@case("TC_B_01_CSMS", "Cold Boot Charging Station - Accepted", profile="core",
      spec="OCPP 2.0.1 Part 2 B01, G01, G02",
      requirement="The CSMS SHALL answer the BootNotificationRequest of a station it knows Accepted, with its current "
                  "time and a heartbeat interval, answer the StatusNotificationRequests of its connectors and answer "
                  "HeartbeatRequest with its current time.")
async def test_cold_boot_accepted(csms, station, descriptor):
    # A power-up: a new connection, BootNotification (reason PowerUp), then every connector's status.
    await station.reconnect()
    conf = await station.boot_now(reason="PowerUp")  # judged: Accepted, interval > 0, currentTime within tolerance
    reported = [r for r in csms.wire.after(conf.record.seq) if not r.from_iut and r.action == "StatusNotification"]
    assert len(reported) == sum(descriptor.evses), "the suite's charging station did not report every connector"
    await station.heartbeat()  # judged: currentTime within the tolerance
