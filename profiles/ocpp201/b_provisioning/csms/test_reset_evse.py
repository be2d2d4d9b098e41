"""OCTT B — Reset EVSE (the suite plays the charging station; Part 2 B11, B12)."""

from conformance import case

SECTION = "Provisioning"

REQ_RESET_EVSE = ("The CSMS SHALL send ResetRequest of the type the operator asked for with the evseId of the EVSE "
                  "to reset, and SHALL answer the TransactionEventRequests of the transaction the reset ends and "
                  "the StatusNotificationRequests of the EVSE (Part 2 B11, B12).")
EVSE = 1


async def reset_evse(operator, kind):
    return await operator("Reset", {"type": kind, "evseId": EVSE}, as_asked=("type", "evseId"),
                          requirement=REQ_RESET_EVSE)


def evse_went_unavailable(csms, since):
    statuses = [r.payload.get("connectorStatus") for r in csms.wire.after(since)
                if not r.from_iut and r.action == "StatusNotification" and r.payload.get("evseId") == EVSE]
    assert "Unavailable" in statuses and statuses[-1] != "Unavailable", (
        f"the suite's charging station did not report EVSE {EVSE} Unavailable and back during its reset")


@case("TC_B_25_CSMS", "Reset EVSE - Without ongoing transaction", profile="core",
      spec="OCPP 2.0.1 Part 2 B11",
      requirement=REQ_RESET_EVSE)
async def test_reset_evse_idle(csms, booted, station, operator):
    request = await reset_evse(operator, "OnIdle")
    await station.reaction(request)
    evse_went_unavailable(csms, request.seq)


@case("TC_B_26_CSMS", "Reset EVSE - With Ongoing Transaction - OnIdle", profile="core",
      spec="OCPP 2.0.1 Part 2 B11, E06",
      requirement=REQ_RESET_EVSE)
async def test_reset_evse_on_idle_with_transaction(csms, booted, station, operator, id_tags):
    await station.start_transaction(EVSE, id_tags.valid)
    request = await reset_evse(operator, "OnIdle")
    await station.reaction(request)  # Scheduled until the transaction ends
    assert station.model.scheduled_reset is not None, "the suite's charging station did not schedule the reset"
    await station.stop_transaction(EVSE, "Local")
    evse_went_unavailable(csms, request.seq)


@case("TC_B_27_CSMS", "Reset EVSE - With Ongoing Transaction - Immediate", profile="core",
      spec="OCPP 2.0.1 Part 2 B12, E06",
      requirement=REQ_RESET_EVSE)
async def test_reset_evse_immediate_with_transaction(csms, booted, station, operator, id_tags):
    await station.start_transaction(EVSE, id_tags.valid)
    request = await reset_evse(operator, "Immediate")
    await station.reaction(request)  # the transaction ends (ImmediateReset), then the EVSE resets
    ended = [r for r in csms.wire.after(request.seq) if not r.from_iut and r.action == "TransactionEvent"
             and r.payload.get("eventType") == "Ended"]
    assert ended and ended[0].payload["transactionInfo"].get("stoppedReason") == "ImmediateReset", (
        "the suite's charging station did not end its transaction with stoppedReason ImmediateReset")
    evse_went_unavailable(csms, request.seq)
