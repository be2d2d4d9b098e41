"""Cost of judging one frame (Judge.process: parse + every rule), CALL and its CALLRESULT.

Run: python benchmarks/bench_judge.py [--rounds N]
Prints medians in µs; it asserts nothing (speed is reported, not tested).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance import frames  # noqa: E402
from conformance.rules import Judge  # noqa: E402
from conformance.wire import Kind, Record, Role  # noqa: E402

MEASURANDS = ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage",
              "Temperature", "SoC", "Frequency"]
MEASURANDS_201 = ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage",
                  "Power.Offered", "SoC", "Frequency"]
UNITS = ["Wh", "W", "A", "V", "Celsius", "Percent", "Hertz"]


def meter_values_16() -> tuple[str, dict, dict]:
    sampled = [{"value": f"{1000 + 7 * i}.{i}", "context": "Sample.Periodic", "format": "Raw", "measurand": m,
                "location": "Outlet", "unit": u} for i, (m, u) in enumerate(zip(MEASURANDS, UNITS))]
    request = {"connectorId": 1, "transactionId": 4711,
               "meterValue": [{"timestamp": "2024-05-01T12:00:00.000Z", "sampledValue": sampled}]}
    return "MeterValues", request, {}


def transaction_event_201() -> tuple[str, dict, dict]:
    sampled = [{"value": 1000.5 + 7 * i, "context": "Sample.Periodic", "measurand": m, "location": "Outlet",
                "unitOfMeasure": {"unit": u}} for i, (m, u) in enumerate(zip(MEASURANDS_201, UNITS))]
    request = {"eventType": "Updated", "timestamp": "2024-05-01T12:00:00.000Z", "triggerReason": "MeterValuePeriodic",
               "seqNo": 3, "transactionInfo": {"transactionId": "d3a1c0de-0000-4000-8000-000000000001",
                                               "chargingState": "Charging"},
               "idToken": {"idToken": "04A2B3C4D5E6F7", "type": "ISO14443"}, "evse": {"id": 1, "connectorId": 1},
               "meterValue": [{"timestamp": "2024-05-01T12:00:00.000Z", "sampledValue": sampled}]}
    return "TransactionEvent", request, {"totalCost": 1.25, "idTokenInfo": {"status": "Accepted"}}


def build_pairs(action: str, request: dict, response: dict, count: int) -> list[tuple[Record, Record]]:
    pairs = []
    for n in range(count):
        uid = f"5f0c2d7e-{n:04x}-4a6b-9c1d-{n:012x}"
        call = json.dumps([2, uid, action, request], separators=(",", ":"))
        result = json.dumps([3, uid, response], separators=(",", ":"))
        pairs.append((_record(2 * n + 1, call, True), _record(2 * n + 2, result, False)))
    return pairs


def _record(seq: int, raw: str, from_iut: bool) -> Record:
    return Record(seq=seq, kind=Kind.FRAME, t_mono=seq * 0.001, t_wall="2024-05-01T12:00:00.000Z", segment=None,
                  sender=Role.CHARGE_POINT if from_iut else Role.CSMS, from_iut=from_iut, raw=raw, size=len(raw))


def measure(version: str, build, rounds: int, batch: int, fast_parser: bool) -> tuple[float, float, int]:
    action, request, response = build()
    call_times, result_times = [], []
    for _ in range(rounds):
        judge = Judge(version=version, iut_role=Role.CHARGE_POINT)
        judge._parser = frames.StrictParser(fast=fast_parser)
        pairs = build_pairs(action, request, response, batch)
        judge.process(pairs[0][0])  # warm the per-action caches outside the timing
        judge.process(pairs[0][1])
        calls, results = [], []
        clock = time.perf_counter_ns
        for call, result in pairs[1:]:
            t0 = clock()
            judge.process(call)
            t1 = clock()
            judge.process(result)
            t2 = clock()
            calls.append(t1 - t0)
            results.append(t2 - t1)
            if call.violations or result.violations:
                raise SystemExit(f"benchmark frames must be valid: {call.violations + result.violations}")
        call_times.append(statistics.median(calls) / 1000)
        result_times.append(statistics.median(results) / 1000)
    return statistics.median(call_times), statistics.median(result_times), len(pairs[0][0].raw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=4000)
    args = parser.parse_args()
    print(f"Judge.process, median of {args.rounds} rounds x {args.batch} CALL/CALLRESULT pairs "
          f"(Python {sys.version.split()[0]})")
    parsers = [("jiter fast path", True)] if frames._jiter_from_json is not None else []
    parsers.append(("stdlib json only", False))
    for parser_label, fast in parsers:
        print(f"JSON parsing: {parser_label}")
        for label, version, build in [("1.6 MeterValues (1 meterValue x 7 sampledValues)", "1.6", meter_values_16),
                                      ("2.0.1 TransactionEvent (idToken, evse, 7 sampledValues)", "2.0.1",
                                       transaction_event_201)]:
            call, result, size = measure(version, build, args.rounds, args.batch, fast)
            print(f"  {label}: CALL ({size} B) {call:.1f} µs, CALLRESULT {result:.1f} µs, "
                  f"mean per frame {(call + result) / 2:.1f} µs")


if __name__ == "__main__":
    main()
