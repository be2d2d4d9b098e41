"""Firmware management and diagnostics (C16 §5.19 UpdateFirmware, §4.5 FirmwareStatusNotification, §5.9
GetDiagnostics, §4.4 DiagnosticsStatusNotification), with real transfers (`conformance.file_transfer`).

The charger downloads the image from the location it is given (once retrieveDate has come), retrying per retries and
retryInterval; it checks the image (the suite's test firmware format: header, content, SHA-256 trailer), installs it
once no transaction runs, reboots into it and reports Installed after the new boot. A diagnostics request is answered
with the name of a file it writes at once and uploads into the given directory, retrying likewise."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action
from websockets.exceptions import ConnectionClosed

from conformance.file_transfer import TransferError, check_installable_image, download, upload
from conformance.ocpp16.simulators.rpc import CallError, CallTimeout
from conformance.timestamps import parse_iso

TRANSFER_TIMEOUT_S = 60.0  # one download or upload attempt
DEFAULT_RETRIES = 1  # when the Central System leaves the number of retries to the charger
DEFAULT_RETRY_INTERVAL_S = 30
EXTRA_ATTEMPTS = 2  # fault file-transfer-retries-ignored: tries this many times more than allowed
IDLE_POLL_S = 1.0  # how often an installation waiting for the transactions to end looks again


class FirmwareHandlers:
    """The Central System asks for a firmware update or for diagnostics."""

    @on(Action.update_firmware)
    def on_update_firmware(self, location: str, retrieve_date: str, retries: int | None = None,
                           retry_interval: int | None = None, call_unique_id: str = "", **_: Any):
        self._plan(call_unique_id, lambda: self.cp._start_firmware_update(location, retrieve_date, retries, retry_interval))
        return call_result.UpdateFirmware()

    @after(Action.update_firmware)
    def after_update_firmware(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)

    @on(Action.get_diagnostics)
    def on_get_diagnostics(self, location: str, retries: int | None = None, retry_interval: int | None = None,
                           start_time: str | None = None, stop_time: str | None = None, call_unique_id: str = "",
                           **_: Any):
        cp = self.cp
        name = cp._diagnostics_file_name()
        self._plan(call_unique_id, lambda: cp._upload_diagnostics(location, name, retries, retry_interval, start_time, stop_time))
        return call_result.GetDiagnostics(file_name=name)

    @after(Action.get_diagnostics)
    def after_get_diagnostics(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)


class Firmware:
    """Downloading, checking and installing firmware; writing and uploading diagnostics."""

    # -- firmware ---------------------------------------------------------------------------------------------------
    def _start_firmware_update(self, location: str, retrieve_date: str, retries: int | None,
                               retry_interval: int | None) -> None:
        # A control task: the update goes on across the reboot that activates the new firmware.
        self._spawn_control(self._update_firmware(location, retrieve_date, retries, retry_interval))

    async def _update_firmware(self, location: str, retrieve_date: str, retries: int | None,
                               retry_interval: int | None) -> None:
        if "firmware-installed-without-download" in self.faults:
            for status in ("Downloading", "Downloaded", "Installing", "Installed"):
                await self._firmware_status(status)
            return
        await self._until(retrieve_date, "firmware-retrieve-date-ignored")
        folder = Path(tempfile.mkdtemp(prefix="reference-cp-firmware-"))
        image = folder / "firmware.bin"
        try:
            await self._firmware_status("Downloading")

            def fetch() -> Any:
                return download(location, image, timeout=TRANSFER_TIMEOUT_S)

            if not await self._with_retries(fetch, retries, retry_interval, "firmware download"):
                await self._firmware_status("DownloadFailed")
                await self._once_more(fetch)
                return
            if "firmware-downloaded-skipped" not in self.faults:
                await self._firmware_status("Downloaded")
            check = await asyncio.to_thread(check_installable_image, image)
            await self._firmware_status("Installing")
            if check.problem is not None and "firmware-invalid-installed" not in self.faults:
                self.logger.info("%s: refusing to install the firmware: %s", self.identity, check.problem)
                await self._firmware_status("InstallationFailed")
                return
            while any(c.transaction is not None for c in self.connectors[1:]):
                await asyncio.sleep(IDLE_POLL_S)  # installing ends charging: wait for the sessions to end
            self.firmware_version = check.version or self.firmware_version
            await self._restart(graceful=True)  # the new firmware runs after the reboot
            await self._firmware_status("Installed")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    async def _firmware_status(self, status: str) -> None:
        self.firmware_status = status
        await self._report_transfer("FirmwareStatusNotification", status)

    # -- diagnostics ------------------------------------------------------------------------------------------------
    def _diagnostics_file_name(self) -> str:
        return f"diagnostics-{self.identity}-{self.now():%Y%m%dT%H%M%SZ}.json"

    def _upload_diagnostics(self, location: str, name: str, retries: int | None, retry_interval: int | None,
                            start_time: str | None, stop_time: str | None) -> None:
        self._spawn(self._diagnostics(location, name, retries, retry_interval, start_time, stop_time))

    async def _diagnostics(self, location: str, name: str, retries: int | None, retry_interval: int | None,
                           start_time: str | None, stop_time: str | None) -> None:
        folder = Path(tempfile.mkdtemp(prefix="reference-cp-diagnostics-"))
        report = folder / name
        try:
            await asyncio.to_thread(report.write_text, self._diagnostics_report(start_time, stop_time), "utf-8")
            uploaded_as = f"renamed-{name}" if "diagnostics-file-renamed" in self.faults else name
            await self._diagnostics_status("Uploading")

            def send() -> Any:
                return upload(location, report, name=uploaded_as, timeout=TRANSFER_TIMEOUT_S)

            done = await self._with_retries(send, retries, retry_interval, "diagnostics upload")
            reported = done or "diagnostics-uploaded-after-refusal" in self.faults
            await self._diagnostics_status("Uploaded" if reported else "UploadFailed")
            await self._once_more(send)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _diagnostics_report(self, start_time: str | None, stop_time: str | None) -> str:
        if "diagnostics-empty-upload" in self.faults:
            return ""
        readable = {k: v for k, v in self.config.items() if k != "AuthorizationKey"}
        report = {"chargePoint": self.identity, "firmwareVersion": self.firmware_version, "written": self.timestamp(),
                  "requested": {"startTime": start_time, "stopTime": stop_time}, "state": self.snapshot(),
                  "configuration": readable, "firmwareStatus": self.firmware_status}
        return json.dumps(report, indent=2, sort_keys=True) + "\n"

    async def _diagnostics_status(self, status: str) -> None:
        self.diagnostics_status = status
        await self._report_transfer("DiagnosticsStatusNotification", status)

    # -- shared -----------------------------------------------------------------------------------------------------
    async def _until(self, retrieve_date: str, fault: str) -> None:
        """Wait until `retrieve_date` has come by the charger's clock (the Central System's, after boot)."""
        when = parse_iso(retrieve_date)
        if when is None or fault in self.faults:
            return
        delay = (when - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _with_retries(self, attempt: Any, retries: int | None, retry_interval: int | None, what: str) -> bool:
        """Try a transfer once plus `retries` times, `retry_interval` seconds apart; True once one succeeds."""
        tries = 1 + (DEFAULT_RETRIES if retries is None else max(0, retries))
        if "file-transfer-retries-ignored" in self.faults:
            tries += EXTRA_ATTEMPTS
        pause = DEFAULT_RETRY_INTERVAL_S if retry_interval is None else max(0, retry_interval)
        for number in range(1, tries + 1):
            if number > 1 and "file-transfer-retry-immediate" not in self.faults:
                await asyncio.sleep(pause)
            try:
                await attempt()
                return True
            except TransferError as exc:
                self.logger.info("%s: %s attempt %d/%d failed: %s", self.identity, what, number, tries, exc)
        return False

    async def _once_more(self, attempt: Any) -> None:
        """Fault file-transfer-after-final: the transfer once more, after its final status went out."""
        if "file-transfer-after-final" not in self.faults:
            return
        try:
            await attempt()
        except TransferError as exc:
            self.logger.info("%s: transfer after the final status failed: %s", self.identity, exc)

    async def _report_transfer(self, action: str, status: str) -> None:
        """Send a transfer status in turn with everything else; once registered again when it happens offline."""
        try:
            await self.wait_registered(self.response_timeout * 4)
            await self._request(action, {"status": status})
        except (CallError, CallTimeout, ConnectionError, ConnectionClosed, asyncio.TimeoutError) as exc:
            self.logger.info("%s: %s %s not delivered: %s", self.identity, action, status, exc)
