"""OCTT 2.1 — Cold Boot Charge Point (the suite plays the Central System).

Intervals are short so the cases cost seconds, and judged to ± the descriptor's tolerance but at most a quarter of
the interval (`Timeouts.interval_tolerance`), so a timer off by less than the interval still fails.
"""

from conformance import case, measure
from conformance.ocpp16.steps import check_interval
from conformance.timestamps import utc_now

SECTION = "Cold Boot Charge Point"
HEARTBEAT_S = 2  # the heartbeat interval the suite gives: judged to ±0.5 s at most
HEARTBEATS = 2  # judged: boot -> first heartbeat, first -> second
PENDING_S = 3  # the interval of the Pending answer: judged to ±0.75 s at most


async def _restore_heartbeat(charge_point, interval):
    await charge_point.call("ChangeConfiguration", {"key": "HeartbeatInterval", "value": str(interval)})


def _last_exchange(charge_point, since, beat):
    """The last frame in either direction on the heartbeat's connection before it, from `since` on. HeartbeatInterval
    is an interval of inactivity (OCPP 1.6 §9.1): other messages may postpone a heartbeat, never bring it forward."""
    last = since
    for rec in charge_point.wire.after(since.seq):
        if rec.seq >= beat.seq:
            break
        if rec.message_type is not None and rec.connection == beat.connection:
            last = rec
    return last


@case("TC_001_CS", "Cold Boot Charge Point",
      spec="OCPP 1.6 §4.2, §4.6, §4.9",
      requirement="After a (re)boot the Charge Point SHALL send BootNotification before any other request, report the "
                  "status of its connectors with StatusNotification, and send Heartbeat at the interval from the "
                  "accepted BootNotification.conf: each not before the interval since the acceptance or the previous "
                  "Heartbeat, nor later than the interval since the last message exchanged (judged over two intervals "
                  "to ± the descriptor's tolerance, at most a quarter of the interval).")
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
    tolerance = timeouts.interval_tolerance(HEARTBEAT_S)
    measure("heartbeat_interval_configured_s", HEARTBEAT_S)
    measure("heartbeat_tolerance_s", tolerance)
    previous, gaps = boot, []  # the interval runs from the accepted BootNotification, then from each Heartbeat
    for _ in range(HEARTBEATS):
        beat = await charge_point.expect(
            "Heartbeat", within=HEARTBEAT_S + timeouts.tolerance + 2, after=previous,
            requirement="The Charge Point SHALL send Heartbeat.req at the heartbeat interval (OCPP 1.6 §4.6).")
        quiet_from = _last_exchange(charge_point, previous, beat)
        gaps.append(round(beat.t_mono - previous.t_mono, 3))
        measure("heartbeat_gaps_s", gaps)
        check_interval(beat.t_mono - previous.t_mono, HEARTBEAT_S, tolerance,
                       f"Heartbeat #{beat.seq} followed {previous.action} #{previous.seq}", late=False)
        check_interval(beat.t_mono - quiet_from.t_mono, HEARTBEAT_S, tolerance,
                       f"Heartbeat #{beat.seq} followed the last message exchanged (#{quiet_from.seq})", early=False)
        previous = beat
    await _restore_heartbeat(charge_point, 300)


@case("TC_002_CS", "Cold Boot Charge Point - Pending",
      spec="OCPP 1.6 §4.2",
      requirement="While its BootNotification is Pending the Charge Point SHALL NOT send requests other than "
                  "BootNotification, SHOULD answer the Central System's configuration requests, and SHALL send a new "
                  "BootNotification after the interval from the Pending response — a minimum wait, so only an "
                  "early retry is a deviation (judged to ± the descriptor's tolerance, at most a quarter of the "
                  "interval).")
async def test_cold_boot_pending(booted, iut, descriptor, timeouts):
    charge_point = booted
    pending_s = PENDING_S
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
    tolerance = timeouts.interval_tolerance(pending_s)
    measure("pending_interval_s", pending_s)
    measure("boot_retry_tolerance_s", tolerance)
    measure("boot_retry_gap_s", round(gap, 3))
    between = [f for f in charge_point.frames(after=first) if f.seq < second.seq and f.action != "BootNotification"]
    assert not between, (
        f"[behaviour] while Pending the charge point sent {between[0].action} (#{between[0].seq}); only BootNotification is allowed")
    check_interval(gap, pending_s, tolerance, f"BootNotification #{second.seq} retried the Pending BootNotification "
                   f"#{first.seq}", late=False)
    for connector in range(1, descriptor.connectors + 1):
        await charge_point.expect("StatusNotification", connectorId=connector, after=second,
                                  requirement="After the accepted BootNotification the Charge Point reports its connectors.")
