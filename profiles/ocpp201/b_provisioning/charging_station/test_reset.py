"""OCTT 2.0.1 B — Reset Charging Station and Reset EVSE (Part 2 B11 without, B12 with ongoing transactions) on a
charging station under test (the suite plays the CSMS). Transactions are started through the driver (cable plugged
in, IdToken presented) and judged from the TransactionEvent messages as the station sends them."""

from conformance import case
from conformance.errors import Inconclusive
from conformance.ocpp201.preconditions import reach_available, start_transaction, status_of

SECTION = "Provisioning"
REQ_RESET = "The Charging Station SHALL answer ResetRequest (B11, B12)."


async def reset(charging_station, kind: str, evse: int | None = None, *, expected: str):
    payload = {"type": kind, **({"evseId": evse} if evse is not None else {})}
    reply = await charging_station.call("Reset", payload, requirement=REQ_RESET)
    what = f"Reset {kind}" + (f" of EVSE {evse}" if evse is not None else "")
    assert reply.payload.get("status") == expected, (
        f"{what} (#{reply.record.seq}) was answered {reply.payload.get('status')!r}, expected {expected}")
    return reply.record


async def expect_reboot(charging_station, after, timeouts):
    """The station reboots on the reset: BootNotification with reason RemoteReset (B11, B12)."""
    return await charging_station.expect(
        "BootNotification", within=timeouts.connect + timeouts.expect, after=after, reason="RemoteReset",
        requirement="After an accepted reset of the whole station the Charging Station SHALL reboot and send "
                    "BootNotificationRequest with reason RemoteReset (B11, B12).")


async def expect_no_reboot(charging_station, after, timeouts, why: str) -> None:
    await charging_station.expect_no("BootNotification", during=timeouts.settle, after=after, requirement=why)


def ended_of(tx):
    def of_transaction(info) -> bool:
        return isinstance(info, dict) and info.get("transactionId") == tx.transaction_id

    of_transaction.__doc__ = f"<transactionId {tx.transaction_id}>"
    return of_transaction


async def expect_ended(charging_station, tx, after, timeouts, **info):
    """The TransactionEvent Ended of `tx` (its transactionInfo holding `info`, e.g. stoppedReason)."""
    rec = await charging_station.expect(
        "TransactionEvent", within=timeouts.expect, after=after, eventType="Ended",
        transactionInfo=ended_of(tx),
        requirement="A transaction that ends is reported with TransactionEventRequest eventType Ended (E06).")
    for name, value in info.items():
        got = (rec.payload.get("transactionInfo") or {}).get(name)
        assert got == value, (f"TransactionEvent Ended #{rec.seq} of transaction {tx.transaction_id} has {name} "
                              f"{got!r}, expected {value!r}")
    return rec


async def stop_locally(charging_station, iut, tx, timeouts):
    """The driver presents the IdToken that started `tx` again: the transaction ends (StopAuthorized)."""
    since = charging_station.mark_now()
    await iut.present_id_tag(tx.id_token, tx.evse)
    return await expect_ended(charging_station, tx, since, timeouts)


async def expect_statuses(charging_station, after, descriptor, timeouts, status: str | None = None) -> None:
    """Each EVSE's status reported after `after` (and, given `status`, that status)."""
    for evse in range(1, len(descriptor.evses) + 1):
        rec = await charging_station._wait_for(lambda r, e=evse: status_of(r, e), after.seq, timeouts.expect)
        assert rec is not None, (f"the charging station did not report the status of EVSE {evse} within "
                                 f"{timeouts.expect:g} s of its BootNotification #{after.seq} (B01, G01)")
        if status is not None and rec.action == "StatusNotification":
            got = rec.payload.get("connectorStatus")
            assert got == status, (f"after the reset the station reported EVSE {evse} {got!r} (#{rec.seq}), expected "
                                   f"{status!r}: what ChangeAvailability set persists across a reset (G03, B11)")


@case("TC_B_20_CS", "Reset Charging Station - Without ongoing transaction - OnIdle",
      spec="OCPP 2.0.1 Part 2 B11",
      requirement="Without a transaction, a Reset OnIdle of the whole Charging Station SHALL be answered Accepted and "
                  "the station SHALL reboot, sending BootNotificationRequest with reason RemoteReset, and report its "
                  "connectors' status.")
async def test_reset_idle(charging_station, available_evse, descriptor, timeouts):
    sent = await reset(charging_station, "OnIdle", expected="Accepted")
    boot = await expect_reboot(charging_station, sent, timeouts)
    await expect_statuses(charging_station, boot, descriptor, timeouts)


@case("TC_B_21_CS", "Reset Charging Station - With Ongoing Transaction - OnIdle",
      spec="OCPP 2.0.1 Part 2 B12",
      requirement="With a transaction under way, a Reset OnIdle of the whole Charging Station SHALL be answered "
                  "Scheduled; the station SHALL keep the transaction and not reboot until it has ended, then reboot "
                  "(BootNotificationRequest reason RemoteReset).")
async def test_reset_on_idle_with_transaction(charging_station, transaction, iut, timeouts):
    sent = await reset(charging_station, "OnIdle", expected="Scheduled")
    await expect_no_reboot(charging_station, sent, timeouts,
                           "A Scheduled reset waits for the transaction to end (B12).")
    await charging_station.expect_no("TransactionEvent", during=0, after=sent, eventType="Ended",
                                     requirement="A Reset OnIdle does not end the transaction (B12).")
    ended = await stop_locally(charging_station, iut, transaction, timeouts)
    await expect_reboot(charging_station, ended, timeouts)


@case("TC_B_22_CS", "Reset Charging Station - With Ongoing Transaction - Immediate",
      spec="OCPP 2.0.1 Part 2 B12",
      requirement="With a transaction under way, a Reset Immediate of the whole Charging Station SHALL be answered "
                  "Accepted; the station SHALL end the transaction (TransactionEventRequest Ended, stoppedReason "
                  "ImmediateReset) and reboot (BootNotificationRequest reason RemoteReset).")
async def test_reset_immediate_with_transaction(charging_station, transaction, timeouts):
    sent = await reset(charging_station, "Immediate", expected="Accepted")
    await expect_ended(charging_station, transaction, sent, timeouts, stoppedReason="ImmediateReset")
    await expect_reboot(charging_station, sent, timeouts)


@case("TC_B_23_CS", "Reset Charging Station - Unavailable persists reset",
      spec="OCPP 2.0.1 Part 2 B11, G03",
      requirement="A Charging Station made Inoperative (ChangeAvailability) SHALL still be Unavailable after a reset: "
                  "after its BootNotificationRequest (reason RemoteReset) it reports its connectors Unavailable.")
async def test_unavailable_persists(charging_station, available_evse, descriptor, timeouts):
    reply = await charging_station.call("ChangeAvailability", {"operationalStatus": "Inoperative"})
    assert reply.payload.get("status") == "Accepted", (
        f"ChangeAvailability Inoperative (#{reply.record.seq}) of an idle station was answered "
        f"{reply.payload.get('status')!r}, expected Accepted (G03)")
    sent = await reset(charging_station, "OnIdle", expected="Accepted")
    boot = await expect_reboot(charging_station, sent, timeouts)
    await expect_statuses(charging_station, boot, descriptor, timeouts, status="Unavailable")


@case("TC_B_25_CS", "Reset EVSE - Without ongoing transaction",
      spec="OCPP 2.0.1 Part 2 B11",
      requirement="Without a transaction, a Reset of one EVSE SHALL be answered Accepted; the station resets that EVSE "
                  "only (no reboot of the whole station, no BootNotificationRequest) and the EVSE is Available again.",
      needs=("optional_feature:reset_evse",))
async def test_reset_evse_idle(charging_station, conformance_iut, available_evse, timeouts):
    sent = await reset(charging_station, "OnIdle", available_evse, expected="Accepted")
    await expect_no_reboot(charging_station, sent, timeouts, "A reset of one EVSE does not reboot the station (B11).")
    await reach_available(conformance_iut, available_evse)


@case("TC_B_26_CS", "Reset EVSE - With Ongoing Transaction - OnIdle",
      spec="OCPP 2.0.1 Part 2 B12",
      requirement="With a transaction on the EVSE, a Reset OnIdle of that EVSE SHALL be answered Scheduled; the "
                  "transaction continues until it ends, and the reset never reboots the whole station.",
      needs=("optional_feature:reset_evse",))
async def test_reset_evse_on_idle_with_transaction(charging_station, transaction, iut, timeouts):
    sent = await reset(charging_station, "OnIdle", transaction.evse, expected="Scheduled")
    await charging_station.expect_no("TransactionEvent", during=timeouts.settle, after=sent, eventType="Ended",
                                     requirement="A Reset OnIdle of an EVSE does not end its transaction (B12).")
    ended = await stop_locally(charging_station, iut, transaction, timeouts)
    await expect_no_reboot(charging_station, ended, timeouts, "A reset of one EVSE does not reboot the station (B12).")


@case("TC_B_27_CS", "Reset EVSE - With Ongoing Transaction - Immediate",
      spec="OCPP 2.0.1 Part 2 B12",
      requirement="With a transaction on the EVSE, a Reset Immediate of that EVSE SHALL be answered Accepted; the "
                  "station ends the transaction (TransactionEventRequest Ended, stoppedReason ImmediateReset) and "
                  "does not reboot as a whole.",
      needs=("optional_feature:reset_evse",))
async def test_reset_evse_immediate_with_transaction(charging_station, transaction, timeouts):
    sent = await reset(charging_station, "Immediate", transaction.evse, expected="Accepted")
    ended = await expect_ended(charging_station, transaction, sent, timeouts, stoppedReason="ImmediateReset")
    await expect_no_reboot(charging_station, ended, timeouts, "A reset of one EVSE does not reboot the station (B12).")


@case("TC_B_41_CS", "Reset Charging Station - With multiple ongoing transactions - OnIdle",
      spec="OCPP 2.0.1 Part 2 B12",
      requirement="With transactions on two EVSEs, a Reset OnIdle of the whole Charging Station SHALL be answered "
                  "Scheduled and the station SHALL NOT reboot before the last of them has ended; then it reboots "
                  "(BootNotificationRequest reason RemoteReset).",
      needs=("id_tags.valid_2",))
async def test_reset_on_idle_two_transactions(charging_station, conformance_iut, transaction, iut, id_tags,
                                              descriptor, timeouts):
    if len(descriptor.evses) < 2:
        raise Inconclusive("transactions on two EVSEs", "the station has one EVSE")
    await reach_available(conformance_iut, 2)
    second = await start_transaction(charging_station, iut, 2, id_tags.valid_2)
    await reset(charging_station, "OnIdle", expected="Scheduled")
    first_ended = await stop_locally(charging_station, iut, transaction, timeouts)
    await expect_no_reboot(charging_station, first_ended, timeouts,
                           "A Scheduled reset waits until every transaction has ended (B12).")
    last_ended = await stop_locally(charging_station, iut, second, timeouts)
    await expect_reboot(charging_station, last_ended, timeouts)


@case("TC_B_28_CS", "Reset EVSE - Not Supported",
      spec="OCPP 2.0.1 Part 2 B11",
      requirement="A Charging Station that cannot reset a single EVSE SHALL answer a Reset of an EVSE Rejected (and "
                  "not reboot).",
      needs=("no_optional_feature:reset_evse",))
async def test_reset_evse_not_supported(charging_station, available_evse, timeouts):
    sent = await reset(charging_station, "OnIdle", available_evse, expected="Rejected")
    await expect_no_reboot(charging_station, sent, timeouts, "A Rejected reset is not carried out (B11).")


@case("TC_B_29_CS", "Reset EVSE - With ongoing transaction - Not Supported",
      spec="OCPP 2.0.1 Part 2 B12",
      requirement="A Charging Station that cannot reset a single EVSE SHALL answer a Reset of an EVSE with a "
                  "transaction Rejected; the transaction goes on.",
      needs=("no_optional_feature:reset_evse",))
async def test_reset_evse_with_transaction_not_supported(charging_station, transaction, timeouts):
    sent = await reset(charging_station, "Immediate", transaction.evse, expected="Rejected")
    await charging_station.expect_no("TransactionEvent", during=timeouts.settle, after=sent, eventType="Ended",
                                     requirement="A Rejected reset does not end the transaction (B12).")
    await expect_no_reboot(charging_station, sent, timeouts, "A Rejected reset is not carried out (B12).")
