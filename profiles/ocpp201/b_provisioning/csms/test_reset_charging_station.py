"""OCTT B — Reset Charging Station (the suite plays the charging station; Part 2 B11, B12)."""

from conformance import case

SECTION = "Provisioning"

REQ_RESET = ("The CSMS SHALL send ResetRequest of the type the operator asked for (OnIdle or Immediate) without an "
             "evseId to reset the whole charging station, and SHALL answer the TransactionEventRequests of the "
             "transactions the reset ends and the BootNotificationRequest (reason RemoteReset) after it "
             "(Part 2 B11, B12).")


async def reset_station(operator, kind):
    return await operator("Reset", {"type": kind}, as_asked=("type", "evseId"), requirement=REQ_RESET)


def booted_after_reset(csms, since):
    boots = [r for r in csms.wire.after(since) if not r.from_iut and r.action == "BootNotification"]
    assert boots and boots[-1].payload.get("reason") == "RemoteReset", (
        "the suite's charging station did not boot again with reason RemoteReset after the reset")


@case("TC_B_20_CSMS", "Reset Charging Station - Without ongoing transaction - OnIdle", profile="core",
      spec="OCPP 2.0.1 Part 2 B11",
      requirement=REQ_RESET)
async def test_reset_idle(csms, booted, station, operator):
    request = await reset_station(operator, "OnIdle")
    conf = await station.reaction(request)  # Accepted: the station reboots; its BootNotification judged Accepted
    assert conf is not None, "the suite's charging station did not reboot after accepting the reset"
    booted_after_reset(csms, request.seq)


@case("TC_B_21_CSMS", "Reset Charging Station - With Ongoing Transaction - OnIdle", profile="core",
      spec="OCPP 2.0.1 Part 2 B11, E06",
      requirement=REQ_RESET)
async def test_reset_on_idle_with_transaction(csms, booted, station, operator, id_tags):
    await station.start_transaction(1, id_tags.valid)  # its IdTokenInfo judged Accepted
    request = await reset_station(operator, "OnIdle")
    await station.reaction(request)  # Scheduled: the station waits for the transaction to end
    assert station.model.scheduled_reset is not None, "the suite's charging station did not schedule the reset"
    await station.stop_transaction(1, "Local")  # the driver ends it; then the station resets
    booted_after_reset(csms, request.seq)


@case("TC_B_22_CSMS", "Reset Charging Station - With Ongoing Transaction - Immediate", profile="core",
      spec="OCPP 2.0.1 Part 2 B12, E06",
      requirement=REQ_RESET)
async def test_reset_immediate_with_transaction(csms, booted, station, operator, id_tags):
    await station.start_transaction(1, id_tags.valid)
    request = await reset_station(operator, "Immediate")
    await station.reaction(request)  # the transaction ends (ImmediateReset), then the station reboots
    ended = [r for r in csms.wire.after(request.seq) if not r.from_iut and r.action == "TransactionEvent"
             and r.payload.get("eventType") == "Ended"]
    assert ended and ended[0].payload["transactionInfo"].get("stoppedReason") == "ImmediateReset", (
        "the suite's charging station did not end its transaction with stoppedReason ImmediateReset")
    booted_after_reset(csms, request.seq)
