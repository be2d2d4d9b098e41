"""Frames per second one suite peer sustains on loopback (record + judge + answer every frame).

A plain websockets client plays a charge point that sends Heartbeat CALLs to the suite's Central System as fast as
the protocol allows (one outstanding CALL at a time, as OCPP-J requires) and, in a second run, without waiting for
the answers (pipelined). Prints the figures; asserts nothing.

    python benchmarks/bench_peer.py [--calls N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import tracemalloc

from conformance.iut import descriptor_from_dict
from conformance.link import Link


def _descriptor() -> object:
    return descriptor_from_dict({
        "name": "bench-charge-point",
        "sut": "charge_point",
        "ocpp_version": "1.6",
        "identity": "BENCH01",
        "listen": {"host": "127.0.0.1", "port": 0, "path": "/ocpp"},
        "driver": {"type": "manual"},
    })


async def _run(calls: int, pipelined: bool) -> tuple[float, int, float]:
    from websockets.asyncio.client import connect

    link = Link(_descriptor())
    await link.start()
    url = link.endpoint.url
    frames = [json.dumps([2, f"id-{i}", "Heartbeat", {}]) for i in range(calls)]
    async with connect(url, subprotocols=["ocpp1.6"], compression=None, max_size=2**24) as ws:
        await ws.send(json.dumps([2, "boot", "BootNotification", {"chargePointVendor": "bench", "chargePointModel": "b"}]))
        await ws.recv()
        tracemalloc.start()
        t0 = time.perf_counter()
        if pipelined:
            async def sender() -> None:
                for f in frames:
                    await ws.send(f)

            task = asyncio.create_task(sender())
            for _ in range(calls):
                await ws.recv()
            await task
        else:
            for f in frames:
                await ws.send(f)
                await ws.recv()
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    await link.stop()
    return elapsed, peak, len(link.wire.records)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for pipelined in (False, True):
        rates, peaks = [], []
        for _ in range(args.repeat):
            elapsed, peak, records = asyncio.run(_run(args.calls, pipelined))
            rates.append(2 * args.calls / elapsed)  # each CALL and its CALLRESULT are frames
            peaks.append(peak)
        mode = "pipelined" if pipelined else "one outstanding CALL"
        print(f"peer on loopback, {mode:<21}: {statistics.median(rates):8.0f} frames/s "
              f"(median of {args.repeat} runs of {args.calls} CALLs; runs {min(rates):.0f}–{max(rates):.0f}); "
              f"wire-log memory ≈ {statistics.median(peaks) / (2 * args.calls):.0f} B/frame")


if __name__ == "__main__":
    main()
