"""OCTT 2.0.1 B — Cold Boot Charging Station (the suite plays the CSMS): Part 2 B01 (Accepted), B02 (Pending), B03
(Rejected).

Intervals are short so the cases cost seconds, judged to ± the descriptor's tolerance but at most a quarter of the
interval (`Timeouts.interval_tolerance`)."""

from conformance import case, measure
from conformance.ocpp201.preconditions import status_of
from conformance.steps import check_interval
from conformance.timestamps import utc_now

SECTION = "Provisioning"
HEARTBEAT_S = 2  # the interval the suite's BootNotificationResponse gives: judged to ±0.5 s at most


def accepted(interval: int):
    return lambda p: {"status": "Accepted", "currentTime": utc_now(), "interval": interval}


async def heartbeat_interval(charging_station) -> str:
    """The station's HeartbeatInterval as it reports it now (to put it back after a case changed it)."""
    reply = await charging_station.call("GetVariables", {"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]})
    result = (reply.payload.get("getVariableResult") or [{}])[0]
    return str(result.get("attributeValue") or "300")


async def put_heartbeat_back(charging_station, value: str) -> None:
    await charging_station.call("SetVariables", {"setVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}, "attributeValue": value}]})


async def reboot(charging_station, iut, timeouts, requirement: str):
    """Power the station off and on; returns its first BootNotification after that."""
    since = charging_station.mark_now()
    await iut.power_cycle()
    return await charging_station.expect("BootNotification", within=timeouts.connect, after=since,
                                         requirement=requirement)


@case("TC_B_01_CS", "Cold Boot Charging Station - Accepted",
      spec="OCPP 2.0.1 Part 2 B01, G01, G02",
      requirement="After booting the Charging Station SHALL send BootNotificationRequest before any other message; "
                  "once Accepted it SHALL report the status of each of its connectors (StatusNotificationRequest, or "
                  "NotifyEventRequest of AvailabilityState) and SHALL send HeartbeatRequest at the interval of the "
                  "BootNotificationResponse (judged over one interval, not early by more than the tolerance, not "
                  "later than the interval plus the tolerance since the last message exchanged).")
async def test_cold_boot_accepted(charging_station, iut, descriptor, timeouts):
    before = await heartbeat_interval(charging_station)
    charging_station.respond("BootNotification", accepted(HEARTBEAT_S))
    boot = await reboot(charging_station, iut, timeouts,
                        "The Charging Station SHALL send BootNotificationRequest after booting (B01).")
    earlier = [f for f in charging_station.frames() if f.seq < boot.seq and f.connection == boot.connection]
    assert not earlier, f"the charging station sent {earlier[0].action} (#{earlier[0].seq}) before BootNotification"
    for evse in range(1, len(descriptor.evses) + 1):
        rec = await charging_station._wait_for(lambda r, e=evse: status_of(r, e), boot.seq, timeouts.expect)
        assert rec is not None, (
            f"the charging station did not report the status of EVSE {evse} within {timeouts.expect:g} s of its "
            f"accepted BootNotification (#{boot.seq}): expected StatusNotificationRequest or NotifyEventRequest of "
            "AvailabilityState (B01, G01)")
    tolerance = timeouts.interval_tolerance(HEARTBEAT_S)
    measure("heartbeat_interval_configured_s", HEARTBEAT_S)
    beat = await charging_station.expect(
        "Heartbeat", within=HEARTBEAT_S + timeouts.tolerance + 2, after=boot,
        requirement="The Charging Station SHALL send HeartbeatRequest at the interval of the BootNotificationResponse "
                    "(B01, G02).")
    quiet_from = max((f for f in charging_station.wire.after(boot.seq)
                      if f.seq < beat.seq and f.message_type is not None and f.connection == beat.connection),
                     key=lambda f: f.seq, default=boot)
    measure("heartbeat_after_boot_s", round(beat.t_mono - boot.t_mono, 3))
    check_interval(beat.t_mono - boot.t_mono, HEARTBEAT_S, tolerance,
                   f"Heartbeat #{beat.seq} followed the accepted BootNotification #{boot.seq}", late=False)
    check_interval(beat.t_mono - quiet_from.t_mono, HEARTBEAT_S, tolerance,
                   f"Heartbeat #{beat.seq} followed the last message exchanged (#{quiet_from.seq})", early=False)
    await put_heartbeat_back(charging_station, before)
