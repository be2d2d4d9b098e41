"""The suite's charge point and a Central System's UpdateFirmware and GetDiagnostics (OCPP 1.6 §5.19, §5.9, §4.5,
§4.4): it performs the transfers for real against the URLs the Central System gives (`conformance.file_transfer`),
reports their statuses in the order the specification gives, and judges what the Central System sent — a firmware
location it can download, a diagnostics location that takes the upload, retries and retryInterval it can act on, a
time window that is one — and that it answers every status notification.

A case chooses how the transfer goes (`TransferPlan`): downloads and uploads complete, or the suite's charge point
breaks them off after the first bytes as a link that drops would (the failure is real on both ends); an installation
succeeds (with a reboot into the new firmware) or fails. Whatever the plan, a location that does not work is the
Central System's deviation: the charge point still tells the story to its end (retries, DownloadFailed /
UploadFailed), then the reaction fails with the transfer's own one-line error.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from conformance.file_transfer import BROKEN_OFF, FAILED, TransferError, TransferResult, download, redacted, upload
from conformance.session import measure
from conformance.timestamps import parse_iso
from conformance.wire import render_text

SUPPORTED_PROTOCOLS = "FTP,HTTP,HTTPS"  # the suite's SupportedFileTransferProtocols
DEFAULT_RETRIES = 1  # when the Central System leaves them to the charge point
DEFAULT_RETRY_INTERVAL_S = 2

REQ_LOCATION = "UpdateFirmware.req location: a URI pointing to a location from which to retrieve the firmware " \
               "(OCPP 1.6 §5.19, §6.55)."
REQ_DIAGNOSTICS_LOCATION = "GetDiagnostics.req location: the location (directory) where the diagnostics file shall " \
                           "be uploaded to (OCPP 1.6 §5.9, §6.25)."
REQ_FIRMWARE_STATUS = "Upon receipt of a FirmwareStatusNotification.req PDU, the Central System SHALL respond with a " \
                      "FirmwareStatusNotification.conf (OCPP 1.6 §4.5)."
REQ_DIAGNOSTICS_STATUS = "Upon receipt of a DiagnosticsStatusNotification.req PDU, the Central System SHALL respond " \
                         "with a DiagnosticsStatusNotification.conf (OCPP 1.6 §4.4)."
REQ_RETRIES = "retries: how many times the charge point must try before giving up; retryInterval: the interval in " \
              "seconds after which a retry may be attempted (OCPP 1.6 §6.25, §6.55)."


@dataclass
class TransferPlan:
    """How the suite's charge point plays the next firmware update and diagnostics upload (a case sets it; it goes
    back to this default after the case)."""

    download: Literal["complete", "broken_off"] = "complete"
    install: Literal["succeeds", "fails"] = "succeeds"
    upload: Literal["complete", "broken_off"] = "complete"


def diagnostics_file_name(identity: str) -> str:
    """The name GetDiagnostics.conf gives and the upload uses."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return "diagnostics-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in identity) + f"-{stamp}.log"


# ----------------------------------------------------------------------------------------------- firmware update


async def update_firmware(station: Any, request: dict) -> dict:
    """After an accepted UpdateFirmware.req: wait for retrieveDate, download (retrying as asked), install or fail to,
    with FirmwareStatusNotification.req at each step. Returns what happened (for the case's evidence)."""
    plan = station.model.transfer_plan
    location = request.get("location")
    retries, interval = _retries(station, request, "UpdateFirmware.req")
    await _until(station, request.get("retrieveDate"))
    folder = Path(tempfile.mkdtemp(prefix="ocpp-conformance-suite-firmware-"))
    outcome: dict[str, Any] = {"location": location, "attempts": []}
    try:
        await _firmware_status(station, "Downloading")
        stop_after = 1 if plan.download == "broken_off" else None
        result, problem = await _transfer(
            station, lambda: download(location, folder / "firmware.bin", timeout=station.timeouts.expect,
                                      stop_after=stop_after),
            retries, interval, outcome["attempts"], expected=BROKEN_OFF if stop_after else None)
        if result is None:
            await _firmware_status(station, "DownloadFailed")
            if problem is not None:
                station._deviation(f"the firmware location {redacted(location)} does not work: {problem}",
                                   REQ_LOCATION)
            return outcome
        outcome["download"] = {"bytes": result.size, "sha256": result.sha256}
        measure("firmware_downloaded", outcome["download"])
        if result.size == 0:
            await _firmware_status(station, "DownloadFailed")
            station._deviation(f"the firmware at {redacted(location)} is an empty file", REQ_LOCATION)
        await _firmware_status(station, "Downloaded")
        await _firmware_status(station, "Installing")
        if plan.install == "fails":
            await _firmware_status(station, "InstallationFailed")
            return outcome
        await station.reboot()  # the new firmware starts
        await _firmware_status(station, "Installed")
        return outcome
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _firmware_status(station: Any, status: str) -> None:
    await station._call("FirmwareStatusNotification", {"status": status}, REQ_FIRMWARE_STATUS)


# ------------------------------------------------------------------------------------------------------ diagnostics


async def upload_diagnostics(station: Any, request: dict, name: str) -> dict:
    """After GetDiagnostics.conf named `name`: write the diagnostics (the charge point's state and this case's wire
    log so far), upload them into the location (retrying as asked), with DiagnosticsStatusNotification.req."""
    plan = station.model.transfer_plan
    location = request.get("location")
    retries, interval = _retries(station, request, "GetDiagnostics.req")
    _check_window(station, request)
    folder = Path(tempfile.mkdtemp(prefix="ocpp-conformance-suite-diagnostics-"))
    report = folder / name
    outcome: dict[str, Any] = {"location": location, "file": name, "attempts": []}
    try:
        text = _diagnostics(station, request)
        await asyncio.to_thread(report.write_text, text, "utf-8")
        await _diagnostics_status(station, "Uploading")
        stop_after = 1 if plan.upload == "broken_off" else None
        result, problem = await _transfer(
            station, lambda: _upload(location, report, name, station.timeouts.expect, stop_after),
            retries, interval, outcome["attempts"], expected=BROKEN_OFF if stop_after else None)
        if result is None:
            await _diagnostics_status(station, "UploadFailed")
            if problem is not None:
                station._deviation(f"the diagnostics location {redacted(location)} does not take the upload: "
                                   f"{problem}", REQ_DIAGNOSTICS_LOCATION)
            return outcome
        outcome["upload"] = {"bytes": result.size, "sha256": result.sha256}
        measure("diagnostics_uploaded", {"file": name, **outcome["upload"]})
        await _diagnostics_status(station, "Uploaded")
        return outcome
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _upload(location: str, report: Path, name: str, timeout: float, stop_after: int | None) -> TransferResult:
    """PUT first (or FTP STOR); an HTTP server that does not take a PUT gets the multipart POST chargers also use."""
    try:
        return await upload(location, report, name=name, timeout=timeout, stop_after=stop_after)
    except TransferError as exc:
        if exc.reason != FAILED or not location.lower().startswith("http"):
            raise
    return await upload(location, report, name=name, timeout=timeout, http_form="multipart", stop_after=stop_after)


def _diagnostics(station: Any, request: dict) -> str:
    link = station.link
    model = station.model
    lines = [f"ocpp-conformance suite charge point {station.descriptor.identity}: diagnostics",
             f"requested window: {request.get('startTime') or 'open'} .. {request.get('stopTime') or 'open'}",
             "configuration:"]
    lines += [f"  {key} = {entry.value}" for key, entry in sorted(model.configuration.items())]
    lines += ["connectors:"] + [f"  {c}: {conn.status} ({conn.error_code})" for c, conn in model.connectors.items()]
    lines += ["wire log of this case so far:", render_text(link.wire.segment_records(link.wire.segment))]
    return "\n".join(lines) + "\n"


async def _diagnostics_status(station: Any, status: str) -> None:
    await station._call("DiagnosticsStatusNotification", {"status": status}, REQ_DIAGNOSTICS_STATUS)


# ----------------------------------------------------------------------------------------------------------- shared


async def _transfer(station: Any, attempt: Any, retries: int, interval: int, log: list,
                    expected: str | None) -> tuple[TransferResult | None, str | None]:
    """Try once plus `retries` times, `interval` seconds apart. Returns (the result, None) on success, else (None,
    the last failure the Central System's location caused, or None when every try failed as the plan wanted)."""
    problem = None
    for number in range(1, retries + 2):
        if number > 1:
            await asyncio.sleep(interval)  # the charge point's own retry timer
        try:
            result = await attempt()
        except TransferError as exc:
            log.append(str(exc))
            problem = None if exc.reason == expected else str(exc)
            continue
        log.append(f"complete: {result.size} bytes, sha256 {result.sha256}")
        return result, None
    return None, problem


def _retries(station: Any, request: dict, where: str) -> tuple[int, int]:
    """retries and retryInterval as the suite's charge point acts on them; negative ones are no number of tries or
    seconds (the schema allows any integer)."""
    retries, interval = request.get("retries"), request.get("retryInterval")
    for field, value in (("retries", retries), ("retryInterval", interval)):
        if value is not None and value < 0:
            station._deviation(f"{where} has {field} {value}; a number of tries or of seconds is never negative",
                               REQ_RETRIES)
    return (DEFAULT_RETRIES if retries is None else retries,
            DEFAULT_RETRY_INTERVAL_S if interval is None else interval)


def _check_window(station: Any, request: dict) -> None:
    start, stop = parse_iso(request.get("startTime")), parse_iso(request.get("stopTime"))
    if start is not None and stop is not None and start > stop:
        station._deviation(f"GetDiagnostics.req asks for diagnostics from startTime {request.get('startTime')} to "
                           f"stopTime {request.get('stopTime')}, an empty window: stopTime lies before startTime",
                           "startTime / stopTime: the oldest and the latest time for which diagnostics are "
                           "requested (OCPP 1.6 §6.25).")


async def _until(station: Any, retrieve_date: Any) -> None:
    """The charge point retrieves the firmware after retrieveDate: wait for it (at most the expectation timeout —
    a case checks the date is the one its operator asked for)."""
    when = parse_iso(retrieve_date)
    if when is None:
        return
    delay = (when - datetime.now(timezone.utc)).total_seconds()
    if delay > 0:
        await asyncio.sleep(min(delay, station.timeouts.expect))


# ---------------------------------------------------------------------------------- what the case's operator asked


def check_as_asked(req: Any, asked: dict, fields: tuple[str, ...]) -> None:
    """Fields the operator asked for are sent as asked, when the Central System sends them at all (they are optional
    in OCPP; a Central System may leave them to the charge point)."""
    payload = req.payload or {}
    for field in fields:
        if field in payload and field in asked and payload[field] != asked[field]:
            raise AssertionError(f"[behaviour] {req.action}.req (#{req.seq}) has {field} {payload[field]!r}, the "
                                 f"operator asked for {asked[field]!r}")


def check_retrieve_date(req: Any, asked: str, tolerance: float) -> None:
    """retrieveDate is the date the operator asked for, or earlier (the update may then begin at once); a later one
    holds the update back beyond what was asked."""
    sent, wanted = parse_iso((req.payload or {}).get("retrieveDate")), parse_iso(asked)
    assert sent is not None and wanted is not None, f"[behaviour] UpdateFirmware.req (#{req.seq}) has no retrieveDate"
    late = (sent - wanted).total_seconds()
    measure("retrieve_date_vs_asked_s", round(late, 3))
    assert late <= tolerance, (
        f"[behaviour] UpdateFirmware.req (#{req.seq}) has retrieveDate {(req.payload or {}).get('retrieveDate')}, "
        f"{late:.0f} s after the {asked} the operator asked for (tolerance {tolerance:g} s)")
