"""Checks on queued transaction messages (conformance.ocpp16.queued_messages) and the power-loss applicability of descriptors."""

from __future__ import annotations

import pytest

from conformance.ocpp16.preconditions import power_loss_mismatch as _power_loss_mismatch
from conformance.ocpp16.queued_messages import (
    ChargerClock,
    check_stamped_during,
    check_transaction_messages,
    energy_wh,
    epoch,
    frames_before_boot,
    periodic_samples,
)
from conformance.wire import Kind, MessageType, Record


def frame(seq: int, action: str, payload: dict, *, t_wall: str = "2026-01-01T10:00:00.000Z", connection: int = 1) -> Record:
    return Record(seq=seq, kind=Kind.FRAME, t_mono=float(seq), t_wall=t_wall, segment="s", connection=connection,
                  from_iut=True, message_type=MessageType.CALL, action=action, payload=payload)


class FakeChargePoint:
    def __init__(self, records: list[Record]) -> None:
        self.records = records

    def frames(self, action: str | None = None, *, after: int = 0) -> list[Record]:
        return [r for r in self.records if r.seq > after and (action is None or r.action == action)]


def meter_values(seq: int, tx: int, stamp: str, wh: str, **extra) -> Record:
    sampled = {"value": wh, "measurand": "Energy.Active.Import.Register", "unit": "Wh", **extra}
    return frame(seq, "MeterValues", {"connectorId": 1, "transactionId": tx,
                                      "meterValue": [{"timestamp": stamp, "sampledValue": [sampled]}]})


def test_clock_learns_offset_and_resolution() -> None:
    status = frame(1, "StatusNotification", {"timestamp": "2026-01-01T10:00:02.500Z"}, t_wall="2026-01-01T10:00:00.000Z")
    clock = ChargerClock.learn(status)
    assert clock.offset == pytest.approx(2.5)
    assert clock.resolution == 0.001
    assert clock.suite_time("2026-01-01T10:00:12.500Z") == pytest.approx(epoch("2026-01-01T10:00:10Z"))
    whole = ChargerClock.learn(frame(2, "StatusNotification", {"timestamp": "2026-01-01T10:00:00Z"}))
    assert whole.resolution == 1.0 and whole.slack > 1.0
    assert ChargerClock.learn(frame(3, "StatusNotification", {})) == ChargerClock()


def test_stamp_of_the_event_passes_and_stamp_of_delivery_fails() -> None:
    clock = ChargerClock(offset=0.0, resolution=0.001)
    event = epoch("2026-01-01T10:00:00Z")
    check_stamped_during(clock, "2026-01-01T10:00:00.300Z", earliest=event, latest=event + 0.5, what="Stop")
    delivered = event + clock.offline_dwell(0.5) + 0.01
    with pytest.raises(AssertionError, match="not the time it was delivered"):
        check_stamped_during(clock, f"2026-01-01T10:00:0{delivered - event:.3f}Z", earliest=event, latest=event + 0.5,
                             what="Stop")
    with pytest.raises(AssertionError, match="before the event"):
        check_stamped_during(clock, "2026-01-01T09:59:58Z", earliest=event, latest=event + 0.5, what="Stop")


def test_energy_readings() -> None:
    assert energy_wh({"value": "1.5", "unit": "kWh"}) == 1500
    assert energy_wh({"value": "12"}) == 12  # measurand omitted = the energy register
    assert energy_wh({"value": "5", "measurand": "Power.Active.Import"}) is None
    assert energy_wh({"value": "5", "phase": "L1"}) is None
    mv = meter_values(1, 7, "2026-01-01T10:00:00Z", "3", context="Sample.Clock")
    assert periodic_samples(mv) == []


def test_transaction_messages_in_order_pass() -> None:
    start = frame(1, "StartTransaction", {"meterStart": 100, "timestamp": "2026-01-01T10:00:00Z"})
    mv1 = meter_values(2, 7, "2026-01-01T10:00:01Z", "103")
    mv2 = meter_values(3, 7, "2026-01-01T10:00:02Z", "106")
    stop = frame(4, "StopTransaction", {"transactionId": 7, "meterStop": 108, "timestamp": "2026-01-01T10:00:03Z"})
    got = check_transaction_messages(FakeChargePoint([start, mv1, mv2, stop]), transaction_id=7, meter_start=100,
                                     after=0, start=start, stop=stop)
    assert got == [mv1, mv2]


@pytest.mark.parametrize("records,message", [
    (lambda s, e: [meter_values(5, 7, "2026-01-01T10:00:01Z", "103"), s, e], "after its StopTransaction"),
    (lambda s, e: [s, meter_values(2, 7, "2026-01-01T10:00:02Z", "106"),
                   meter_values(3, 7, "2026-01-01T10:00:01Z", "103"), e], "chronological order"),
    (lambda s, e: [s, meter_values(2, 7, "2026-01-01T10:00:01Z", "90"), e], "below the transaction's meterStart"),
    (lambda s, e: [s, meter_values(2, 7, "2026-01-01T10:00:01Z", "200"), e], "above the transaction's meterStop"),
    (lambda s, e: [s, meter_values(2, 7, "2026-01-01T09:00:01Z", "103"), e], "before its transaction started"),
])
def test_transaction_messages_out_of_order_or_range_fail(records, message) -> None:
    start = frame(1, "StartTransaction", {"meterStart": 100, "timestamp": "2026-01-01T10:00:00Z"})
    stop = frame(4, "StopTransaction", {"transactionId": 7, "meterStop": 108, "timestamp": "2026-01-01T10:00:03Z"})
    with pytest.raises(AssertionError, match=message):
        check_transaction_messages(FakeChargePoint(records(start, stop)), transaction_id=7, meter_start=100, after=0,
                                   start=start, stop=stop)


def test_frames_before_boot_only_on_the_boot_connection() -> None:
    old = frame(1, "StopTransaction", {}, connection=1)
    early = frame(2, "StatusNotification", {}, connection=2)
    boot = frame(3, "BootNotification", {}, connection=2)
    cp = FakeChargePoint([old, early, boot])
    assert frames_before_boot(cp, boot, after=0) == [early]


def test_power_loss_applicability() -> None:
    assert _power_loss_mismatch("after_reboot", {}) is None
    reason = _power_loss_mismatch("before_going_down", {})  # undeclared: a charger without back-up power
    assert reason is not None and "after reboot" in reason and "power_loss_stop_key" in reason
    assert _power_loss_mismatch("after_reboot", {"power_loss_stop": "before_going_down"}) is not None
    assert _power_loss_mismatch("after_reboot", {"power_loss_stop": "before_going_down", "power_loss_stop_key": "K"}) is None
