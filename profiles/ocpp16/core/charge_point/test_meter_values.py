"""OCTT 2.9 — Meter values: sampled and clock-aligned (the suite plays the Central System).

Intervals are configured short (2 s), so both cases cost seconds, and judged to ± the descriptor's tolerance but at
most a quarter of the interval (`Timeouts.interval_tolerance`): a sampler off by less than the interval still fails.
Sampled readings are judged by when they arrive (the suite's clock: independent of the resolution of the charger's
timestamps), clock-aligned ones by their timestamps, which must name the aligned instants.
"""

from datetime import datetime, timezone

from conformance import case, measure
from conformance.ocpp16.preconditions import start_charging
from conformance.ocpp16.queued_messages import energy_wh
from conformance.ocpp16.steps import check_interval

SECTION = "Meter values"
SAMPLE_INTERVAL_S = 2
ALIGNED_INTERVAL_S = 2  # divides a day and every time-zone offset, so UTC and local midnight align alike
SAMPLED_READINGS = 2  # judged: start -> first reading, first -> second
ALIGNED_READINGS = 3  # judged: two gaps between aligned instants
ENERGY = "Energy.Active.Import.Register"  # also the measurand of a sampled value that names none


def _context(value: dict) -> str:
    return value.get("context") or "Sample.Periodic"  # the default of SampledValue.context (OCPP 1.6)


def periodic(meter_value) -> bool:
    """readings with context Sample.Periodic"""
    return _values(meter_value, "Sample.Periodic") != []


def clock_aligned(meter_value) -> bool:
    """readings with context Sample.Clock"""
    return _values(meter_value, "Sample.Clock") != []


def _values(meter_value, context: str) -> list[dict]:
    if not isinstance(meter_value, list):
        return []
    return [v for mv in meter_value if isinstance(mv, dict) for v in mv.get("sampledValue") or []
            if isinstance(v, dict) and _context(v) == context]


def _time(text: str) -> datetime:
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


async def _configured_measurands(charge_point, key: str) -> list[str]:
    conf = await charge_point.call("GetConfiguration", {"key": [key]})
    for entry in conf.get("configurationKey") or []:
        if isinstance(entry, dict) and entry.get("key") == key:
            return [m.strip() for m in (entry.get("value") or "").split(",") if m.strip()]
    raise AssertionError(f"[behaviour] GetConfiguration does not know {key}, a required Core key (OCPP 1.6 §9.1)")


async def _readings(charge_point, session, wanted, count: int, interval: float, tolerance: float, key: str):
    """`count` MeterValues.req of the session's connector that carry `wanted` readings, in order, as
    (record, timestamp, sampled values). Checks the transactionId, the configured measurands and the energy register.
    Each is awaited for the interval plus the descriptor's whole `tolerance`, so a late one is judged by its time."""
    records = []
    for _ in range(count):
        records.append(await charge_point.expect(
            "MeterValues", within=interval + tolerance, after=records[-1] if records else session.start,
            connectorId=session.connector,
            meterValue=wanted,
            requirement=f"During a transaction the Charge Point sends MeterValues.req every {interval:g} s as "
                        f"configured (OCPP 1.6 §4.7, §9.1 {key})."))
    context = "Sample.Clock" if wanted is clock_aligned else "Sample.Periodic"
    readings = []
    for rec in records:
        tx = rec.payload.get("transactionId")
        # "The transactionId of the transaction to which these values are related, if applicable" (§4.7): it is.
        assert tx == session.transaction_id, (
            f"[behaviour] MeterValues (#{rec.seq}) names transaction {tx}; readings taken during the running "
            f"transaction {session.transaction_id} SHALL carry its transactionId (OCPP 1.6 §4.7)")
        for mv in rec.payload["meterValue"]:
            values = _values([mv], context)
            if values:
                readings.append((rec, _time(mv["timestamp"]), values))
    return readings


def _check_measurands(readings, measurands: list[str], key: str) -> None:
    for rec, _, values in readings:
        present = {v.get("measurand") or ENERGY for v in values}
        missing = [m for m in measurands if m not in present]
        assert not missing, (
            f"[behaviour] MeterValues (#{rec.seq}) lacks {', '.join(missing)}, configured in {key} "
            f"(it carries {', '.join(sorted(present))})")


def _check_energy_monotonic(readings, meter_start: int) -> None:
    previous, where = float(meter_start), "meterStart of the transaction"
    for rec, _, values in readings:
        for value in values:
            wh = energy_wh(value)
            if wh is None:
                continue
            assert wh >= previous, (
                f"[behaviour] {ENERGY} went down to {value.get('value')} {value.get('unit') or 'Wh'} in MeterValues "
                f"(#{rec.seq}), below the {previous:g} Wh of the {where}; an energy register only grows")
            previous, where = wh, f"reading in #{rec.seq}"


@case("TC_070_CS", "Sampled Meter Values",
      spec="OCPP 1.6 §4.7, §9.1 (MeterValueSampleInterval, MeterValuesSampledData)",
      requirement="During a transaction the Charge Point SHALL send MeterValues.req with readings of every measurand in "
                  "MeterValuesSampledData, context Sample.Periodic, every MeterValueSampleInterval seconds from the "
                  "start of the transaction — neither earlier nor later, judged over two intervals from the arrival "
                  "of StartTransaction.req to ± the descriptor's tolerance, at most a quarter of the interval; the "
                  "energy register never decreases.")
async def test_sampled_meter_values(charge_point, iut, configure, available_connector, id_tags, timeouts):
    await configure(MeterValueSampleInterval=SAMPLE_INTERVAL_S, ClockAlignedDataInterval=0)
    measurands = await _configured_measurands(charge_point, "MeterValuesSampledData")
    session = await start_charging(charge_point, iut, available_connector, id_tags.valid)
    readings = await _readings(charge_point, session, periodic, SAMPLED_READINGS, SAMPLE_INTERVAL_S,
                               timeouts.tolerance, "MeterValueSampleInterval")
    started = _time(session.start.payload["timestamp"])
    stamps = [started] + [stamp for _, stamp, _ in readings]
    gaps = [round((b - a).total_seconds(), 3) for a, b in zip(stamps, stamps[1:])]
    arrivals = [session.start] + list({rec.seq: rec for rec, _, _ in readings}.values())
    tolerance = timeouts.interval_tolerance(SAMPLE_INTERVAL_S)
    measure("sample_interval_configured_s", SAMPLE_INTERVAL_S)
    measure("sample_tolerance_s", tolerance)
    measure("sample_gaps_s", gaps)  # by timestamp, the first from StartTransaction.timestamp
    measure("sample_arrival_gaps_s", [round(b.t_mono - a.t_mono, 3) for a, b in zip(arrivals, arrivals[1:])])
    measure("measurands_configured", measurands)
    _check_measurands(readings, measurands, "MeterValuesSampledData")
    _check_energy_monotonic(readings, session.start.payload["meterStart"])
    for a, b in zip(arrivals, arrivals[1:]):
        check_interval(b.t_mono - a.t_mono, SAMPLE_INTERVAL_S, tolerance,
                       f"MeterValues #{b.seq} (periodic readings) followed {a.action} #{a.seq}")


@case("TC_071_CS", "Clock-aligned Meter Values",
      spec="OCPP 1.6 §4.7, §9.1 (ClockAlignedDataInterval, MeterValuesAlignedData)",
      requirement="During a transaction the Charge Point SHALL send MeterValues.req with readings of every measurand in "
                  "MeterValuesAlignedData, context Sample.Clock, every ClockAlignedDataInterval seconds, each stamped "
                  "with an instant aligned to the interval counted from midnight and none left out (timestamps judged "
                  "to ± the descriptor's tolerance, at most a quarter of the interval); the energy register never "
                  "decreases.")
async def test_clock_aligned_meter_values(charge_point, iut, configure, available_connector, id_tags, timeouts):
    await configure(ClockAlignedDataInterval=ALIGNED_INTERVAL_S, MeterValueSampleInterval=0)
    measurands = await _configured_measurands(charge_point, "MeterValuesAlignedData")
    session = await start_charging(charge_point, iut, available_connector, id_tags.valid)
    readings = await _readings(charge_point, session, clock_aligned, ALIGNED_READINGS, ALIGNED_INTERVAL_S,
                               timeouts.tolerance, "ClockAlignedDataInterval")
    stamps = [stamp for _, stamp, _ in readings]
    offsets = [round(stamp.timestamp() % ALIGNED_INTERVAL_S, 3) for stamp in stamps]
    deviations = [min(o, ALIGNED_INTERVAL_S - o) for o in offsets]
    gaps = [round((b - a).total_seconds(), 3) for a, b in zip(stamps, stamps[1:])]
    slack = timeouts.interval_tolerance(ALIGNED_INTERVAL_S)
    measure("aligned_interval_configured_s", ALIGNED_INTERVAL_S)
    measure("aligned_timestamps", [s.isoformat() for s in stamps])
    measure("aligned_offsets_s", offsets)
    measure("aligned_slack_s", slack)
    measure("aligned_gaps_s", gaps)
    measure("aligned_delivery_delay_s", [round(_time(rec.t_wall).timestamp() - stamp.timestamp(), 3)
                                         for rec, stamp, _ in readings])
    measure("measurands_configured", measurands)
    _check_measurands(readings, measurands, "MeterValuesAlignedData")
    _check_energy_monotonic(readings, session.start.payload["meterStart"])
    for stamp, deviation in zip(stamps, deviations):
        assert deviation <= slack, (
            f"[timing] clock-aligned reading stamped {stamp.isoformat()} is {deviation:.3f} s off the nearest multiple "
            f"of ClockAlignedDataInterval ({ALIGNED_INTERVAL_S} s from midnight); it must be aligned "
            f"(slack {slack:g} s)")
    for a, b in zip(stamps, stamps[1:]):
        check_interval((b - a).total_seconds(), ALIGNED_INTERVAL_S, slack,
                       f"the clock-aligned reading stamped {b.isoformat()} followed the one stamped {a.isoformat()}")
