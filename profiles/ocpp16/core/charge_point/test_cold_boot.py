"""OCTT 2.1 — Cold Boot Charge Point (the suite plays the Central System)."""

from conformance import case, measure
from conformance.timestamps import utc_now

SECTION = "Cold Boot Charge Point"
HEARTBEAT_S = 2  # short, so the heartbeat check costs seconds


async def _restore_heartbeat(charge_point, interval):
    await charge_point.call("ChangeConfiguration", {"key": "HeartbeatInterval", "value": str(interval)})


@case("TC_001_CS", "Cold Boot Charge Point",
      spec="OCPP 1.6 §4.2, §4.6, §4.9",
      requirement="After a (re)boot the Charge Point SHALL send BootNotification before any other request, report the "
                  "status of its connectors with StatusNotification, and send Heartbeat at the interval from the "
                  "accepted BootNotification.conf.")
async def test_cold_boot(booted, iut, descriptor, timeouts):
    charge_point = booted
    charge_point.respond("BootNotification", lambda p: {"status": "Accepted", "currentTime": utc_now(), "interval": HEARTBEAT_S})
    since = charge_point.mark_now()
    await iut.power_cycle()
    boot = await charge_point.expect("BootNotification", within=timeouts.connect, after=since,
                                     requirement="The Charge Point SHALL send BootNotification.req after booting.")
    first_after_boot = [f for f in charge_point.frames() if f.seq < boot.seq and f.connection == boot.connection]
    assert not first_after_boot, f"the charge point sent {first_after_boot[0].action} before BootNotification on the new connection"
    for connector in range(1, descriptor.connectors + 1):
        await charge_point.expect("StatusNotification", connectorId=connector, after=boot,
                                  requirement="The Charge Point SHALL report each connector's status after boot.")
    accepted_at = boot.t_mono
    beat = await charge_point.expect("Heartbeat", within=HEARTBEAT_S + timeouts.tolerance + 2, after=boot,
                                     requirement="The Charge Point SHALL send Heartbeat.req at the heartbeat interval.")
    beat2 = await charge_point.expect("Heartbeat", within=HEARTBEAT_S + timeouts.tolerance, after=beat)
    gap = beat2.t_mono - beat.t_mono
    measure("heartbeat_interval_configured_s", HEARTBEAT_S)
    measure("first_heartbeat_after_boot_s", round(beat.t_mono - accepted_at, 3))
    measure("heartbeat_gap_s", round(gap, 3))
    measure("heartbeat_deviation_s", round(gap - HEARTBEAT_S, 3))
    assert abs(gap - HEARTBEAT_S) <= timeouts.tolerance, (
        f"[timing] heartbeat gap {gap:.2f} s differs from the configured {HEARTBEAT_S} s by more than the tolerance "
        f"of {timeouts.tolerance:g} s")
    await _restore_heartbeat(charge_point, 300)


@case("TC_002_CS", "Cold Boot Charge Point - Pending",
      spec="OCPP 1.6 §4.2",
      requirement="While its BootNotification is Pending the Charge Point SHALL NOT send requests other than "
                  "BootNotification, SHOULD answer the Central System's configuration requests, and SHALL send a new "
                  "BootNotification after the interval from the Pending response.")
async def test_cold_boot_pending(booted, iut, descriptor, timeouts):
    charge_point = booted
    pending_s = 3
    since = charge_point.mark_now()
    charge_point.respond("BootNotification", {"status": "Pending", "currentTime": utc_now(), "interval": pending_s}, times=1)
    await iut.power_cycle()
    first = await charge_point.expect("BootNotification", within=timeouts.connect, after=since)
    conf = await charge_point.call("GetConfiguration", {"key": ["HeartbeatInterval"]},
                                   requirement="While Pending the Central System MAY retrieve configuration; the Charge Point responds.")
    assert isinstance(conf.payload, dict)
    second = await charge_point.expect("BootNotification", within=pending_s + timeouts.tolerance + timeouts.response, after=first,
                                       requirement="The Charge Point SHALL send BootNotification again after the Pending interval.")
    gap = second.t_mono - first.t_mono
    measure("pending_interval_s", pending_s)
    measure("boot_retry_gap_s", round(gap, 3))
    between = [f for f in charge_point.frames(after=first) if f.seq < second.seq and f.action != "BootNotification"]
    assert not between, (
        f"[behaviour] while Pending the charge point sent {between[0].action} (#{between[0].seq}); only BootNotification is allowed")
    assert gap >= pending_s - timeouts.tolerance, (
        f"[timing] the charge point retried BootNotification after {gap:.2f} s, earlier than the Pending interval of {pending_s} s "
        f"(tolerance {timeouts.tolerance:g} s)")
    for connector in range(1, descriptor.connectors + 1):
        await charge_point.expect("StatusNotification", connectorId=connector, after=second,
                                  requirement="After the accepted BootNotification the Charge Point reports its connectors.")
