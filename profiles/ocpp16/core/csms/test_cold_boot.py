"""OCTT 3.1 — Cold Boot Charge Point (the suite plays the charge point)."""

from conformance import case

SECTION = "Cold Boot Charge Point"


@case("TC_001_CSMS", "Cold Boot Charge Point",
      spec="OCPP 1.6 §4.2, §4.6, §4.9",
      requirement="The Central System SHALL answer BootNotification with a status, its current time and the heartbeat "
                  "interval, accept the connectors' StatusNotifications and answer Heartbeat with its current time.")
async def test_cold_boot(csms, station, descriptor, timeouts):
    # A cold boot: a new connection, then BootNotification and every connector's status (connector 0 first).
    await station.reconnect()
    conf = await station.boot_now()  # judged: Accepted, a positive interval, currentTime within the tolerance
    assert conf.status == "Accepted", f"[behaviour] BootNotification of a known charge point answered {conf.status!r}"
    assert conf.interval > 0, f"[behaviour] heartbeat interval {conf.interval} is not positive"
    reported = [r for r in csms.wire.after(conf.record.seq) if not r.from_iut and r.action == "StatusNotification"]
    assert len(reported) == descriptor.connectors + 1, "the suite's charge point did not report every connector"
    await station.heartbeat()  # judged: currentTime within the tolerance
