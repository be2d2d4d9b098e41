"""OCTT B — Cold Boot Charging Station (the suite plays the charging station; Part 2 B01-B03)."""

from conformance import case
from conformance.timestamps import utc_now
from conformance.wire import MessageType

SECTION = "Provisioning"


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


REQ_SECURITY_ERROR = ("While the registration of a charging station is Pending or Rejected, the CSMS SHALL answer "
                      "any request other than BootNotification (and, while Pending, the messages it asked for) with "
                      "CALLERROR SecurityError (Part 2 B02, B03).")


@case("TC_B_02_CSMS", "Cold Boot Charging Station - Pending", profile="core",
      spec="OCPP 2.0.1 Part 2 B02",
      requirement="A CSMS that holds a charging station's registration Pending SHALL answer its BootNotificationRequest "
                  "Pending, with its current time and the interval after which the station may boot again, and "
                  "Accepted once the operator accepts the station.")
async def test_cold_boot_pending(csms, station, registration):
    await registration("Pending")
    await station.reconnect()
    pending = await station.boot_now(reason="PowerUp", expect="Pending")  # judged: Pending, currentTime
    await registration("Accepted")
    accepted = await station.boot_again(pending, expect="Accepted")  # after the interval the CSMS gave
    assert accepted.payload["status"] == "Accepted"


@case("TC_B_30_CSMS", "Cold Boot Charging Station - Pending/Rejected - SecurityError", profile="core",
      spec="OCPP 2.0.1 Part 2 B02, B03; Part 4 §4.3",
      requirement=REQ_SECURITY_ERROR)
async def test_not_accepted_security_error(csms, station, registration, descriptor):
    for status in ("Pending", "Rejected"):
        await registration(status)
        await station.reconnect()
        await station.boot_now(reason="PowerUp", expect=status)
        # A StatusNotification the CSMS did not ask for: a station that is not Accepted may not send it.
        answer = await station.unsolicited("StatusNotification", {
            "timestamp": utc_now(), "connectorStatus": "Available", "evseId": 1, "connectorId": 1})
        assert answer is not None, (
            f"[behaviour] the CSMS did not answer the StatusNotificationRequest of a {status} station within "
            f"{descriptor.timeouts.response:g} s\n  requirement: {REQ_SECURITY_ERROR}")
        got = answer.error_code if answer.message_type == MessageType.CALLERROR else "a CALLRESULT"
        assert got == "SecurityError", (
            f"[behaviour] the CSMS answered the StatusNotificationRequest of a {status} station (#{answer.seq}) with "
            f"{got}, expected CALLERROR SecurityError\n  requirement: {REQ_SECURITY_ERROR}")


@case("TC_B_31_CSMS", "Cold Boot Charging Station - Pending/Rejected - TriggerMessage", profile="core",
      spec="OCPP 2.0.1 Part 2 B02, F06",
      requirement="A CSMS that holds a charging station Pending MAY make it boot again with TriggerMessageRequest "
                  "(requestedMessage BootNotification); it SHALL then answer that BootNotificationRequest with the "
                  "registration status the operator set (Accepted).")
async def test_pending_trigger_message(csms, station, registration, operator):
    await registration("Pending")
    await station.reconnect()
    await station.boot_now(reason="PowerUp", expect="Pending")
    await registration("Accepted")
    trigger = await operator("TriggerMessage", {"requestedMessage": "BootNotification"}, as_asked=("requestedMessage",),
                             requirement="The operator asks the CSMS to trigger the station's BootNotification (F06).")
    conf = await station.reaction(trigger)  # the station boots (reason Triggered); the answer judged Accepted-able
    assert conf is not None and conf.payload.get("status") == "Accepted", (
        f"[behaviour] the BootNotificationRequest the CSMS triggered was answered "
        f"{None if conf is None else conf.payload.get('status')!r}, expected 'Accepted' (the operator accepted the "
        "station)")
