"""Checks on transaction-related messages a charge point held back while offline or without power and delivered
later (OCPP 1.6 §3.7 "Transaction-related messages", §4.7 MeterValues, §4.8 StartTransaction, §4.10 StopTransaction).

The charge point's timestamps are compared with the suite's clock through a `ChargerClock` learnt from a frame the
charger stamped as it sent it, so a charger whose clock is a little off (or that stamps whole seconds) is judged
fairly, while one that stamps queued messages with the time of delivery is caught.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from conformance.wire import Record

_FRACTION = re.compile(r"T\d{2}:\d{2}:\d{2}[.,]\d")
LATENCY_S = 0.25  # message transit and event-loop jitter allowed on top of the timestamp resolution
ENERGY = "Energy.Active.Import.Register"


def epoch(stamp: Any) -> float | None:
    """An OCPP date-time (or a wire log t_wall) as seconds since the epoch; None when it is not one."""
    if not isinstance(stamp, str):
        return None
    try:
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed.timestamp() if parsed.tzinfo else None


def now() -> float:
    """The suite's clock, on the same scale as `epoch`."""
    return time.time()


async def hold(seconds: float) -> None:
    """Let time pass while the charge point acts unwatched (offline or without power). This is the scenario's own
    duration, not a synchronisation: nothing the suite could wait for can reach it meanwhile."""
    await asyncio.sleep(seconds)


@dataclass(frozen=True)
class ChargerClock:
    """The charge point's clock relative to the suite's: `offset` seconds ahead, timestamps to `resolution`."""

    offset: float = 0.0
    resolution: float = 1.0

    @property
    def slack(self) -> float:
        """How far a timestamp may honestly lie from the suite's view of the event."""
        return self.resolution + LATENCY_S

    @classmethod
    def learn(cls, frame: Record, stamp: str | None = None) -> "ChargerClock":
        """From a frame the charger stamped as it sent it (default: its payload's `timestamp`)."""
        text = stamp if stamp is not None else (frame.payload or {}).get("timestamp")
        sent, received = epoch(text), epoch(frame.t_wall)
        if sent is None or received is None:
            return cls()  # nothing to learn from: assume a synchronised clock stamping whole seconds
        return cls(offset=sent - received, resolution=0.001 if _FRACTION.search(text) else 1.0)

    def suite_time(self, stamp: Any) -> float | None:
        """A charger timestamp on the suite's clock."""
        t = epoch(stamp)
        return None if t is None else t - self.offset

    def offline_dwell(self, settle: float) -> float:
        """How long to stay offline after a stimulus: `settle` for the charger to act, then long enough that a
        message stamped at delivery can no longer pass for one stamped when it happened."""
        return settle + 2 * self.slack


def check_stamped_during(clock: ChargerClock, stamp: Any, *, earliest: float, latest: float, what: str) -> float:
    """Assert that a charger timestamp falls in the suite's [earliest, latest] (with the clock's slack); returns it
    on the suite's clock."""
    t = clock.suite_time(stamp)
    assert t is not None, f"[schema] {what} has no usable timestamp ({stamp!r})"
    lo, hi = earliest - clock.slack, latest + clock.slack
    if t < lo:
        where = f"{earliest - t:.2f} s before the event could have happened"
    else:
        where = (f"{t - earliest:.2f} s after the stimulus, although the event happened within {latest - earliest:.2f} s "
                 f"of it (±{clock.slack:.2f} s for the charger's clock)")
    assert lo <= t <= hi, (
        f"[behaviour] {what} is stamped {stamp}, {where}; it must carry the time the event happened, not the time "
        "it was delivered (OCPP 1.6 §3.7: queued messages keep their original timestamps)")
    return t


def energy_wh(sampled: dict) -> float | None:
    """The Energy.Active.Import.Register reading of one sampledValue in Wh (measurand omitted = that register),
    None for other measurands, phases and signed readings (format SignedData). A Raw reading of the register that is
    no decimal number fails: "Value as a 'Raw' (decimal) number or 'SignedData'" (OCPP 1.6 §7 SampledValue)."""
    if (sampled.get("measurand") or ENERGY) != ENERGY or sampled.get("phase") or sampled.get("format") == "SignedData":
        return None
    text = sampled.get("value")
    try:
        value = float(text) if isinstance(text, str) else math.nan
    except ValueError:
        value = math.nan
    assert math.isfinite(value), (
        f"[behaviour] the {ENERGY} reading {text!r} is not a decimal number; a Raw sampled value is one "
        "(OCPP 1.6 §7 SampledValue)")
    return value * 1000 if sampled.get("unit") == "kWh" else value


def periodic_samples(frame: Record) -> list[tuple[str, list[dict]]]:
    """The (timestamp, sampledValues) of a MeterValues frame that are periodic samples (context Sample.Periodic or
    omitted, which defaults to it)."""
    out = []
    for meter_value in (frame.payload or {}).get("meterValue") or []:
        values = [v for v in meter_value.get("sampledValue") or [] if v.get("context", "Sample.Periodic") == "Sample.Periodic"]
        if values:
            out.append((meter_value.get("timestamp"), values))
    return out


def meter_readings(frames: Iterable[Record]) -> list[tuple[Record, str, float]]:
    """Every energy register reading in these MeterValues frames, in delivery order: (frame, timestamp, Wh)."""
    out = []
    for frame in frames:
        for meter_value in (frame.payload or {}).get("meterValue") or []:
            for sampled in meter_value.get("sampledValue") or []:
                wh = energy_wh(sampled)
                if wh is not None:
                    out.append((frame, meter_value.get("timestamp"), wh))
    return out


def check_transaction_messages(charge_point: Any, *, transaction_id: int, meter_start: float, after: int,
                               start: Record | None = None, stop: Record | None = None) -> list[Record]:
    """The messages of one transaction delivered after wire position `after` are consistent (§3.7, §4.7, §4.10):
    its MeterValues come after its StartTransaction and before its StopTransaction, in chronological order, with
    timestamps between the two; every energy reading lies between meterStart and meterStop. Returns the
    MeterValues frames."""
    meter_values = [r for r in charge_point.frames("MeterValues", after=after)
                    if (r.payload or {}).get("transactionId") == transaction_id]
    for frame in meter_values:
        if start is not None:
            assert frame.seq > start.seq, (
                f"[behaviour] MeterValues #{frame.seq} of transaction {transaction_id} was delivered before its "
                f"StartTransaction #{start.seq}; queued transaction messages must keep their order (OCPP 1.6 §3.7)")
        if stop is not None:
            assert frame.seq < stop.seq, (
                f"[behaviour] MeterValues #{frame.seq} of transaction {transaction_id} came after its StopTransaction "
                f"#{stop.seq}; the StopTransaction is the last message of a transaction (OCPP 1.6 §3.7)")
    first = epoch((start.payload or {}).get("timestamp")) if start is not None else None
    last = epoch((stop.payload or {}).get("timestamp")) if stop is not None else None
    previous: tuple[float, Record] | None = None
    for frame in meter_values:
        for meter_value in (frame.payload or {}).get("meterValue") or []:
            t = epoch(meter_value.get("timestamp"))
            if t is None:
                continue
            assert first is None or t >= first - 1, (
                f"[behaviour] MeterValues #{frame.seq} is stamped {meter_value.get('timestamp')}, before its "
                f"transaction started ({start.payload.get('timestamp')})")  # type: ignore[union-attr]
            assert last is None or t <= last + 1, (
                f"[behaviour] MeterValues #{frame.seq} is stamped {meter_value.get('timestamp')}, after its "
                f"transaction stopped ({stop.payload.get('timestamp')})")  # type: ignore[union-attr]
            if previous is not None:
                assert t >= previous[0] - 1e-3, (
                    f"[behaviour] MeterValues #{frame.seq} ({meter_value.get('timestamp')}) was delivered after "
                    f"#{previous[1].seq} although it is older; queued messages go out in chronological order (OCPP 1.6 §3.7)")
            previous = (t, frame)
    meter_stop = (stop.payload or {}).get("meterStop") if stop is not None else None
    if meter_stop is not None:
        assert meter_stop >= meter_start, (
            f"[behaviour] StopTransaction #{stop.seq} has meterStop {meter_stop} Wh, below the transaction's "  # type: ignore[union-attr]
            f"meterStart {meter_start} Wh")
    for frame, stamp, wh in meter_readings(meter_values):
        assert wh >= meter_start - 1, (
            f"[behaviour] MeterValues #{frame.seq} ({stamp}) reads {wh:g} Wh, below the transaction's meterStart "
            f"{meter_start} Wh")
        assert meter_stop is None or wh <= meter_stop + 1, (
            f"[behaviour] MeterValues #{frame.seq} ({stamp}) reads {wh:g} Wh, above the transaction's meterStop "
            f"{meter_stop} Wh")
    return meter_values


def frames_before_boot(charge_point: Any, boot: Record, *, after: int) -> list[Record]:
    """The charger's CALLs since wire position `after` on the BootNotification's connection that came before it
    (there must be none: OCPP 1.6 §4.2)."""
    return [f for f in charge_point.frames(after=after) if f.connection == boot.connection and f.seq < boot.seq]
