"""OCTT 2.13 — Core Profile - Power Failure Non-Happy Flow (the suite plays the Central System).

Whether a charge point ends interrupted transactions before going down (back-up power) or after power returns is a
property of the charger, declared in the IUT descriptor (configuration.power_loss_stop, or a key that switches it:
configuration.power_loss_stop_key); the two TC_032 cases apply accordingly.

On back-up power the StopTransaction is stamped between the cut and its delivery (TC_032_1). A charger that lost
its power cannot know when exactly that happened, so after the reboot (TC_032_2) any stamp from the start of the
transaction to the BootNotification is accepted; a later one, or the transaction's messages out of order, fail.
"""

import pytest

from conformance import case, measure
from conformance.ocpp16.queued_messages import (
    ChargerClock,
    check_stamped_during,
    check_transaction_messages,
    epoch,
    frames_before_boot,
    now,
)
from conformance.ocpp16.steps import check_stop_reason

SECTION = "Core Profile - Power Failure Non-Happy Flow"


async def _power_loss_stop(configure, descriptor, *, before_going_down):
    key = descriptor.configuration.get("power_loss_stop_key")
    if key:
        await configure(**{key: before_going_down})


async def _rebooted(charge_point, descriptor, timeouts, *, after):
    """BootNotification.req first on the new connection, then a status for the Charge Point and every connector;
    returns (boot, {connectorId: first StatusNotification after the boot})."""
    boot = await charge_point.expect(
        "BootNotification", within=timeouts.connect + timeouts.response, after=after,
        requirement="After power returns the Charge Point SHALL send BootNotification.req (OCPP 1.6 §4.2).")
    early = frames_before_boot(charge_point, boot, after=after)
    assert not early, (
        f"[behaviour] after the power failure the charge point sent {early[0].action} (#{early[0].seq}) before "
        "BootNotification; until its boot is accepted it SHALL NOT send other requests (OCPP 1.6 §4.2)")
    statuses = {}
    for connector in range(0, descriptor.connectors + 1):
        statuses[connector] = await charge_point.expect(
            "StatusNotification", after=boot, connectorId=connector,
            requirement="After booting the Charge Point reports the Charge Point (connector 0) and every connector "
                        "(OCPP 1.6 §4.9).")
    return boot, statuses


def _check_idle_after_reboot(statuses, transaction_connector):
    for connector, rec in statuses.items():
        status = rec.payload.get("status")
        if connector == transaction_connector:
            assert status in ("Finishing", "Preparing"), (
                f"[behaviour] after the reboot connector {connector}, whose transaction the power failure ended and "
                f"whose cable is still plugged in, is reported {status!r} (#{rec.seq}); expected Finishing or Preparing")
        else:
            assert status == "Available", (
                f"[behaviour] after the reboot connector {connector} is reported {status!r} (#{rec.seq}); it was "
                "Available before the power failure")


@pytest.fixture
async def operative_afterwards(charge_point, timeouts):
    """Make the whole Charge Point Operative again after the case, whatever happened in it."""
    yield
    try:
        await charge_point.wait_connected(timeouts.connect)
        await charge_point.call("ChangeAvailability", {"connectorId": 0, "type": "Operative"})
    except AssertionError:
        pass


@case("TC_032_1_CS", "Power failure boot charging point - configured to stop transaction(s) before going down",
      spec="OCPP 1.6 §4.10 (reason PowerLoss), §4.2, §4.9",
      requirement="A Charge Point that keeps running on back-up power when its supply fails SHALL end its "
                  "transactions with StopTransaction.req reason PowerLoss before it goes down; when power returns it "
                  "SHALL send BootNotification.req before anything else and report its connectors.",
      needs=("power_loss_stop:before_going_down",))
async def test_power_failure_stop_before_going_down(charge_point, iut, configure, descriptor, charging_session, timeouts):
    session = charging_session
    await _power_loss_stop(configure, descriptor, before_going_down=True)
    clock = ChargerClock.learn(session.start)
    since = charge_point.mark_now()
    cut_at = now()
    await iut.power_cycle()
    stop = await charge_point.expect(
        "StopTransaction", within=timeouts.response + timeouts.tolerance, after=since,
        requirement="On back-up power the Charge Point ends its transactions (OCPP 1.6 §4.10).")
    boot, statuses = await _rebooted(charge_point, descriptor, timeouts, after=since)
    assert stop.seq < boot.seq and stop.connection != boot.connection, (
        f"[behaviour] the transaction was reported stopped (#{stop.seq}) only after the reboot (BootNotification "
        f"#{boot.seq}); a Charge Point on back-up power SHALL stop its transactions before going down")
    assert stop.payload.get("transactionId") == session.transaction_id, (
        f"[behaviour] StopTransaction #{stop.seq} names transactionId {stop.payload.get('transactionId')}; the "
        f"running transaction is {session.transaction_id}")
    check_stop_reason(stop, "PowerLoss")
    stopped = check_stamped_during(clock, stop.payload.get("timestamp"), earliest=cut_at, latest=epoch(stop.t_wall),
                                   what=f"StopTransaction #{stop.seq}")
    measure("stop_stamp_after_power_cut_s", round(stopped - cut_at, 3))
    check_transaction_messages(charge_point, transaction_id=session.transaction_id,
                               meter_start=session.start.payload["meterStart"], after=session.start.seq,
                               start=session.start, stop=stop)
    _check_idle_after_reboot(statuses, session.connector)


@case("TC_032_2_CS", "Power failure boot charging point-configured to stop transaction(s)",
      spec="OCPP 1.6 §4.10 (reason PowerLoss), §4.2, §4.9, §3.7",
      requirement="After a power failure the Charge Point SHALL send BootNotification.req before anything else, "
                  "report its connectors, and end the transactions the failure interrupted with StopTransaction.req "
                  "reason PowerLoss, referring to their transactionId.",
      needs=("power_loss_stop:after_reboot",))
async def test_power_failure_stop_after_reboot(charge_point, iut, configure, descriptor, charging_session, timeouts):
    session = charging_session
    await _power_loss_stop(configure, descriptor, before_going_down=False)
    clock = ChargerClock.learn(session.start)
    since = charge_point.mark_now()
    await iut.power_cycle()
    boot, statuses = await _rebooted(charge_point, descriptor, timeouts, after=since)
    stop = await charge_point.expect(
        "StopTransaction", within=timeouts.response + timeouts.tolerance, after=boot,
        requirement="The Charge Point SHALL end a transaction interrupted by a power failure with StopTransaction.req "
                    "once it is back (OCPP 1.6 §4.10, reason PowerLoss).")
    assert stop.payload.get("transactionId") == session.transaction_id, (
        f"[behaviour] StopTransaction #{stop.seq} names transactionId {stop.payload.get('transactionId')}; the "
        f"interrupted transaction is {session.transaction_id}")
    check_stop_reason(stop, "PowerLoss")
    stopped = check_stamped_during(clock, stop.payload.get("timestamp"), earliest=epoch(session.start.t_wall),
                                   latest=epoch(boot.t_wall), what=f"StopTransaction #{stop.seq}")
    measure("stop_stamp_before_boot_s", round(epoch(boot.t_wall) - stopped, 3))
    check_transaction_messages(charge_point, transaction_id=session.transaction_id,
                               meter_start=session.start.payload["meterStart"], after=session.start.seq,
                               start=session.start, stop=stop)
    _check_idle_after_reboot(statuses, session.connector)


@case("TC_034_CS", "Power Failure with Unavailable Status",
      spec="OCPP 1.6 §5.2, §4.2, §4.9",
      requirement="The availability set by ChangeAvailability.req persists across a power failure: after booting, "
                  "a Charge Point made Inoperative SHALL report itself and its connectors Unavailable.")
async def test_power_failure_unavailable(charge_point, iut, descriptor, available_connector, timeouts,
                                         operative_afterwards):
    since = charge_point.mark_now()
    conf = await charge_point.call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})
    assert conf.status == "Accepted", (
        f"[behaviour] ChangeAvailability Inoperative for the idle Charge Point was answered {conf.status!r}; "
        "expected Accepted (OCPP 1.6 §5.2)")
    for connector in range(0, descriptor.connectors + 1):
        await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Unavailable",
                                  requirement="An Inoperative Charge Point reports every connector Unavailable "
                                              "(OCPP 1.6 §5.2, §4.9).")
    cut = charge_point.mark_now()
    await iut.power_cycle()
    _, statuses = await _rebooted(charge_point, descriptor, timeouts, after=cut)
    for connector, rec in statuses.items():
        assert rec.payload.get("status") == "Unavailable", (
            f"[behaviour] after the power failure connector {connector} is reported {rec.payload.get('status')!r} "
            f"(#{rec.seq}); availability set by ChangeAvailability persists across reboots, so it SHALL stay "
            "Unavailable (OCPP 1.6 §5.2)")
