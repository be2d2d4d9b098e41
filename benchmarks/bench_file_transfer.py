"""Throughput and peak memory of the suite's file servers and transfer clients on loopback.

Each scenario (a 256 MiB download or upload over HTTP or FTP) runs in a fresh Python process holding both the
server and the client, on one asyncio loop, so the peak resident set size it reports is that scenario's alone.
Prints the figures; asserts nothing.

    python benchmarks/bench_file_transfer.py [--size-mb N] [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conformance.file_transfer import (
    Direction,
    FileServers,
    HttpUploadForm,
    Scheme,
    download,
    make_firmware_image,
    upload,
)

SCENARIOS: dict[str, tuple[Scheme, Direction, HttpUploadForm]] = {
    "http download": ("http", "download", "put"),
    "http upload (PUT)": ("http", "upload", "put"),
    "http upload (multipart POST)": ("http", "upload", "multipart"),
    "ftp download": ("ftp", "download", "put"),
    "ftp upload": ("ftp", "upload", "put"),
}
IMAGE = "image.bin"


def _resident_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


async def _one_transfer(folder: Path, scenario: str, expected_sha: str) -> dict[str, float]:
    scheme, direction, form = SCENARIOS[scenario]
    served = folder / "served"
    async with FileServers(served, folder / "evidence") as servers:
        before_kib = _resident_kib()
        started = time.perf_counter()
        if direction == "download":
            result = await download(servers.firmware_url(IMAGE, scheme), folder / "copy.bin", timeout=600)
        else:
            result = await upload(servers.upload_url(scheme), served / IMAGE, timeout=600, http_form=form)
        elapsed = time.perf_counter() - started
        record = await servers.wait_for_download(IMAGE, within=5) if direction == "download" else await servers.wait_for_upload(within=5)
    if result.sha256 != expected_sha or record.sha256 != expected_sha:
        raise SystemExit(f"{scenario}: bytes differ (client sha256 {result.sha256}, server {record.sha256})")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for leftover in (folder / "copy.bin", record.stored_path):
        if leftover is not None:
            Path(leftover).unlink(missing_ok=True)
    return {"seconds": elapsed, "bytes": result.size, "peak_growth_kib": peak_kib - before_kib, "peak_kib": peak_kib}


def _child(folder: Path, scenario: str, expected_sha: str) -> None:
    print(json.dumps(asyncio.run(_one_transfer(folder, scenario, expected_sha))))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=256, help="image size in MiB (default 256)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario; the median is printed")
    parser.add_argument("--child", nargs=3, metavar=("FOLDER", "SCENARIO", "SHA256"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(Path(args.child[0]), args.child[1], args.child[2])
        return

    size = args.size_mb * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="bench-file-transfer-") as temporary:
        folder = Path(temporary)
        (folder / "served").mkdir()
        expected_sha = make_firmware_image(folder / "served" / IMAGE, size, seed=256)
        print(f"{args.size_mb} MiB over loopback; server and client share one process and one asyncio loop (disk reads and hashing partly in worker threads);"
              f" median of {args.repeat} runs, each scenario in a fresh process")
        for scenario in SCENARIOS:
            runs = []
            for _ in range(args.repeat):
                completed = subprocess.run(
                    [sys.executable, __file__, "--child", str(folder), scenario, expected_sha],
                    capture_output=True, text=True, check=True, timeout=900,
                )
                runs.append(json.loads(completed.stdout.strip().splitlines()[-1]))
            rates = [run["bytes"] / run["seconds"] / 1e6 for run in runs]
            growth = statistics.median(run["peak_growth_kib"] for run in runs) / 1024
            peak = statistics.median(run["peak_kib"] for run in runs) / 1024
            print(f"{scenario:<30} {statistics.median(rates):7.0f} MB/s (runs {min(rates):.0f}–{max(rates):.0f});"
                  f" peak RSS {peak:5.1f} MiB, {growth:+5.1f} MiB above the process before the transfer")


if __name__ == "__main__":
    main()
