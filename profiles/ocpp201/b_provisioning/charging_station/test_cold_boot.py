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


PENDING_S = 3  # the interval of a Pending or Rejected answer: judged to ±0.75 s at most


def not_accepted(status: str, interval: int):
    return lambda p: {"status": status, "currentTime": utc_now(), "interval": interval}


async def next_boot_after(charging_station, first, timeouts, interval: int, status: str):
    """The station's next BootNotification after one answered `status` with `interval`: not before the interval
    (judged to the interval's tolerance), and at most the tolerance after it."""
    tolerance = timeouts.interval_tolerance(interval)
    again = await charging_station.expect(
        "BootNotification", within=interval + timeouts.tolerance + timeouts.connect, after=first,
        requirement=f"After a BootNotificationResponse {status} the Charging Station SHALL send BootNotificationRequest "
                    "again once the interval has passed (B02, B03).")
    waited = again.t_mono - first.t_mono
    measure("boot_retry_after_s", round(waited, 3))
    check_interval(waited, interval, tolerance,
                   f"the BootNotification #{again.seq} followed the {status} one #{first.seq}", late=False)
    return again


async def statuses_after(charging_station, boot, descriptor, timeouts) -> None:
    for evse in range(1, len(descriptor.evses) + 1):
        rec = await charging_station._wait_for(lambda r, e=evse: status_of(r, e), boot.seq, timeouts.expect)
        assert rec is not None, (
            f"the charging station did not report the status of EVSE {evse} within {timeouts.expect:g} s of its "
            f"accepted BootNotification (#{boot.seq}) (B01, G01)")


@case("TC_B_02_CS", "Cold Boot Charging Station - Pending",
      spec="OCPP 2.0.1 Part 2 B02 (B02.FR.02), B01",
      requirement="While its registration is Pending the Charging Station SHALL NOT send requests other than "
                  "BootNotificationRequest (or what the CSMS asked for), SHALL answer the CSMS's requests and SHALL "
                  "send its next BootNotificationRequest once the interval of the Pending answer has passed, not "
                  "before (judged to ± the tolerance, at most a quarter of the interval); accepted, it reports its "
                  "connectors' status.")
async def test_cold_boot_pending(charging_station, iut, descriptor, timeouts):
    charging_station.respond("BootNotification", not_accepted("Pending", PENDING_S), times=1)
    first = await reboot(charging_station, iut, timeouts,
                         "The Charging Station SHALL send BootNotificationRequest after booting (B01).")
    reply = await charging_station.call("GetVariables", {"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]},
        requirement="A Pending Charging Station answers the CSMS's requests for information (B02).")
    results = reply.payload.get("getVariableResult") or []
    assert results and results[0].get("attributeStatus") == "Accepted", (
        f"GetVariables of OCPPCommCtrlr.HeartbeatInterval while Pending (#{reply.record.seq}) was answered "
        f"{results[:1]}, expected attributeStatus Accepted")
    again = await next_boot_after(charging_station, first, timeouts, PENDING_S, "Pending")
    await statuses_after(charging_station, again, descriptor, timeouts)


@case("TC_B_03_CS", "Cold Boot Charging Station - Rejected",
      spec="OCPP 2.0.1 Part 2 B03 (B03.FR.02), B01",
      requirement="While its registration is Rejected the Charging Station SHALL NOT send any message to the CSMS "
                  "until the interval of the Rejected answer has passed; then it SHALL send BootNotificationRequest "
                  "again (not before the interval, judged to ± the tolerance, at most a quarter of the interval); "
                  "accepted, it reports its connectors' status.")
async def test_cold_boot_rejected(charging_station, iut, descriptor, timeouts):
    charging_station.respond("BootNotification", not_accepted("Rejected", PENDING_S), times=1)
    first = await reboot(charging_station, iut, timeouts,
                         "The Charging Station SHALL send BootNotificationRequest after booting (B01).")
    again = await next_boot_after(charging_station, first, timeouts, PENDING_S, "Rejected")
    await statuses_after(charging_station, again, descriptor, timeouts)


@case("TC_B_30_CS", "Cold Boot Charging Station - Pending/Rejected - SecurityError",
      spec="OCPP 2.0.1 Part 2 B03 (B03.FR.08), B02 (B02.FR.02)",
      requirement="A Charging Station whose registration is Rejected SHALL answer a request of the CSMS with "
                  "CALLERROR SecurityError (and answer nothing else); one whose registration is Pending, whose "
                  "requests the CSMS answers with SecurityError, SHALL still send its next BootNotificationRequest "
                  "after the interval and be registered then.",
      needs=("optional_feature:rejected_keeps_connection",))
async def test_cold_boot_security_error(charging_station, iut, descriptor, timeouts):
    charging_station.respond("BootNotification", not_accepted("Rejected", PENDING_S), times=1)
    first = await reboot(charging_station, iut, timeouts,
                         "The Charging Station SHALL send BootNotificationRequest after booting (B01).")
    await charging_station.drain()  # the Rejected answer is on the wire before the request
    request = await charging_station.send_raw(
        '[2,"b30-rejected","GetVariables",{"getVariableData":[{"component":{"name":"OCPPCommCtrlr"},'
        '"variable":{"name":"HeartbeatInterval"}}]}]')
    await charging_station.expect_call_error(
        "SecurityError", to="b30-rejected", after=request,
        requirement="While Rejected the Charging Station SHALL answer a CSMS request with CALLERROR SecurityError "
                    "(B03.FR.08).")
    # Pending: the CSMS answers what the station must not send with SecurityError; the station boots again.
    charging_station.respond("BootNotification", not_accepted("Pending", PENDING_S), times=1)
    pending = await next_boot_after(charging_station, first, timeouts, PENDING_S, "Rejected")
    again = await next_boot_after(charging_station, pending, timeouts, PENDING_S, "Pending")
    await statuses_after(charging_station, again, descriptor, timeouts)
