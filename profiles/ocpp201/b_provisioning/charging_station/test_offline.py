"""OCTT 2.0.1 B — Status changes during an offline period and reconnection after a connection loss (Part 2 B04,
Part 4 §5) of a charging station under test (the suite plays the CSMS). The network is cut and restored through the
driver; OfflineThreshold is set short for the case (and put back after it)."""

from conformance import case, measure
from conformance.ocpp201.preconditions import status_of

SECTION = "Provisioning"
THRESHOLD_S = 2  # OfflineThreshold during the long-offline case
LONG_THRESHOLD_S = 300  # OfflineThreshold during the short-offline case: never reached


async def offline_with_a_change(charging_station, conformance_iut, iut, timeouts, *, offline_s: float):
    """The network goes; meanwhile a cable is plugged in at EVSE 1; after `offline_s` the network is back and the
    station reconnects. Returns the wire position of the reconnection."""
    await iut.go_offline()
    gone = charging_station.mark_now()
    await iut.plug_in(1)
    if offline_s:
        # Offline nothing reaches the CSMS: the window is judged, and lets the offline period pass OfflineThreshold.
        await charging_station.expect_no("StatusNotification", during=offline_s, after=gone,
                                         requirement="An offline station sends nothing.")
    since = charging_station.mark_now()
    await iut.come_online()
    await charging_station.wait_connected(timeouts.connect)
    return since


async def status_report(charging_station, evse: int, after: int, timeouts, why: str):
    rec = await charging_station._wait_for(lambda r: status_of(r, evse), after, timeouts.expect)
    assert rec is not None, f"after reconnecting the station did not report the status of EVSE {evse}: {why}"
    return rec


@case("TC_B_51_CS", "Status change during offline period - > Offline Threshold",
      spec="OCPP 2.0.1 Part 2 B04",
      requirement="Back online after an offline period longer than OfflineThreshold, the Charging Station SHALL "
                  "report the status of all its connectors (StatusNotificationRequest), whether it changed or not.")
async def test_long_offline(charging_station, conformance_iut, available_evse, set_variables, iut, descriptor,
                            timeouts):
    await set_variables(("OCPPCommCtrlr", "OfflineThreshold", THRESHOLD_S))
    since = await offline_with_a_change(charging_station, conformance_iut, iut, timeouts, offline_s=THRESHOLD_S + 1)
    for evse in range(1, len(descriptor.evses) + 1):
        await status_report(charging_station, evse, since, timeouts,
                            f"offline longer than OfflineThreshold ({THRESHOLD_S} s) it reports every connector (B04)")


@case("TC_B_52_CS", "Status change during offline period - < Offline Threshold",
      spec="OCPP 2.0.1 Part 2 B04",
      requirement="Back online after an offline period shorter than OfflineThreshold, the Charging Station SHALL "
                  "report the status of the connectors whose status changed meanwhile, and only those.")
async def test_short_offline(charging_station, conformance_iut, available_evse, set_variables, iut, descriptor,
                             timeouts):
    await set_variables(("OCPPCommCtrlr", "OfflineThreshold", LONG_THRESHOLD_S))
    since = await offline_with_a_change(charging_station, conformance_iut, iut, timeouts, offline_s=0)
    changed = await status_report(charging_station, 1, since, timeouts,
                                  "its status changed while offline (Occupied: a cable was plugged in, B04)")
    if changed.action == "StatusNotification":
        assert changed.payload.get("connectorStatus") == "Occupied", (
            f"EVSE 1 reported {changed.payload.get('connectorStatus')!r} (#{changed.seq}), expected 'Occupied'")
    for evse in range(2, len(descriptor.evses) + 1):
        await charging_station.expect_no(
            "StatusNotification", during=timeouts.settle, after=since, evseId=evse,
            requirement="Offline shorter than OfflineThreshold, the station reports only the connectors whose status "
                        "changed (B04).")


@case("TC_B_57_CS", "Network Reconnection - After connection loss",
      spec="OCPP 2.0.1 Part 4 §5 (reconnecting); Part 2 B04",
      requirement="After losing its connection the Charging Station SHALL connect to the CSMS again once the network "
                  "is back, without rebooting (no BootNotificationRequest on the new connection), and answer the "
                  "CSMS's requests on it.")
async def test_reconnect(charging_station, conformance_iut, iut, timeouts):
    before = charging_station.connection_no
    await iut.go_offline()
    since = charging_station.mark_now()
    await iut.come_online()
    await charging_station.wait_connected(timeouts.connect)
    assert charging_station.connection_no != before, "the station did not open a new connection"
    measure("connection", charging_station.connection_no)
    reply = await charging_station.call("GetVariables", {"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]},
        requirement="A reconnected station answers the CSMS (Part 4).")
    assert reply.payload.get("getVariableResult"), "GetVariables on the new connection was answered without a result"
    await charging_station.expect_no("BootNotification", during=0, after=since,
                                     requirement="A station that only lost its connection does not boot again.")
