"""Firmware updates and diagnostics at the reference Central System (C16 §5.19, §5.9, §4.4, §4.5).

It runs its own HTTP and FTP servers (`conformance.file_transfer`): they serve the firmware image it offers (its
operator chooses one with `offer_firmware`; by default a generated test image) and take the diagnostics files charge
points upload (kept in `uploads_dir`). An UpdateFirmware or GetDiagnostics its operator sends without a location
gets the URL of its own servers — firmware over HTTP, diagnostics over FTP — and an UpdateFirmware without a
retrieveDate gets the current time. The status notifications charge points send are kept per charge point."""

from __future__ import annotations

import ipaddress
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from conformance.file_transfer import FileServers, TransferRecord, make_installable_image
from conformance.ocpp16.simulators.rpc import RpcError
from conformance.timestamps import iso, parse_iso

FIRMWARE_PROTOCOL = "http"
DIAGNOSTICS_PROTOCOL = "ftp"
OFFERED_VERSION = "2.0.0-reference"  # the version of the test image it offers unless told otherwise
OFFERED_SIZE = 300_000
LATE_BY = timedelta(hours=1)  # fault firmware-retrieve-date-late
EXTRA_RETRIES = 2  # fault firmware-retries-not-as-asked


class FirmwareHandlers:
    """The charge point reports diagnostics and firmware status."""

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status(self, status: str, **_: Any):
        self.station.diagnostics_status = status
        if status == "UploadFailed" and "diagnostics-status-callerror" in self.csms.faults:
            raise RpcError("InternalError", "a failed upload was not expected")
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    def on_firmware_status(self, status: str, **_: Any):
        self.station.firmware_status = status
        if status in ("DownloadFailed", "InstallationFailed") and "firmware-status-callerror" in self.csms.faults:
            raise RpcError("InternalError", f"firmware status {status} was not expected")
        return call_result.FirmwareStatusNotification()


class FileService:
    """The Central System's file servers and the operator's choice of firmware."""

    def _init_file_service(self, firmware: str | Path | None, uploads_dir: str | Path | None,
                           file_address: str | None) -> None:
        self._firmware_source = Path(firmware) if firmware is not None else None
        if self._firmware_source is not None and not self._firmware_source.is_file():
            raise ValueError(f"firmware {self._firmware_source} is not a file; give the image the CSMS offers")
        self._uploads_dir = Path(uploads_dir) if uploads_dir is not None else None
        self._file_address = file_address
        self._temporary: list[Path] = []
        self.file_servers: FileServers | None = None
        self.offered_firmware: str | None = None

    async def _start_file_service(self) -> None:
        served = Path(tempfile.mkdtemp(prefix="reference-csms-firmware-"))
        self._temporary.append(served)
        uploads = self._uploads_dir
        if uploads is None:
            uploads = Path(tempfile.mkdtemp(prefix="reference-csms-uploads-"))
            self._temporary.append(uploads)
        anywhere = _unspecified(self.host)
        self.file_servers = FileServers(served, uploads, host=self.host,
                                        reachable_address=self._file_address or ("127.0.0.1" if anywhere else None))
        self.file_servers.refuse_uploads = "diagnostics-uploads-refused" in self.faults
        await self.file_servers.start()
        if self._firmware_source is not None:
            self.offer_firmware(self._firmware_source)
        else:
            name = f"reference-firmware-{OFFERED_VERSION}.bin"
            make_installable_image(served / name, OFFERED_SIZE, 1, version=OFFERED_VERSION)
            self.offered_firmware = name

    async def _stop_file_service(self) -> None:
        if self.file_servers is not None:
            await self.file_servers.stop()
        self.file_servers = None
        for folder in self._temporary:
            shutil.rmtree(folder, ignore_errors=True)
        self._temporary.clear()

    def offer_firmware(self, path: str | Path) -> str:
        """Operator: offer this image from now on (copied onto the file servers); returns its URL."""
        servers = self._running_file_servers()
        source = Path(path)
        if not source.is_file():
            raise ValueError(f"firmware {source} is not a file; give the image the CSMS should offer")
        shutil.copyfile(source, servers.served_dir / source.name)
        self.offered_firmware = source.name
        return servers.firmware_url(source.name, FIRMWARE_PROTOCOL)

    def firmware_location(self) -> str:
        servers = self._running_file_servers()
        if "firmware-location-missing" in self.faults or self.offered_firmware is None:
            return servers.missing_url(FIRMWARE_PROTOCOL)
        return servers.firmware_url(self.offered_firmware, FIRMWARE_PROTOCOL)

    def diagnostics_location(self) -> str:
        return self._running_file_servers().upload_url(DIAGNOSTICS_PROTOCOL)

    @property
    def uploads(self) -> list[TransferRecord]:
        """Every diagnostics upload its servers saw, in order (stored_path: where the file is kept)."""
        servers = self.file_servers
        return [t for t in servers.transfers if t.direction == "upload"] if servers is not None else []

    def _complete_file_command(self, name: str, body: dict) -> dict:
        """An operator's UpdateFirmware / GetDiagnostics with what the Central System adds itself (and its faults)."""
        if name == "UpdateFirmware":
            body.setdefault("location", self.firmware_location())
            body.setdefault("retrieveDate", iso(datetime.now(timezone.utc)))
            asked = parse_iso(body["retrieveDate"])
            if "firmware-retrieve-date-late" in self.faults and asked is not None:
                body["retrieveDate"] = iso(asked + LATE_BY)
            if "firmware-retries-not-as-asked" in self.faults and isinstance(body.get("retries"), int):
                body["retries"] += EXTRA_RETRIES
        elif name == "GetDiagnostics":
            body.setdefault("location", self.diagnostics_location())
        return body

    def file_service_snapshot(self) -> dict:
        servers = self.file_servers
        return {
            "firmwareLocation": self.firmware_location() if servers is not None else None,
            "diagnosticsLocation": self.diagnostics_location() if servers is not None else None,
            "uploads": [{"name": t.name, "outcome": t.outcome, "bytes": t.size, "sha256": t.sha256,
                         "storedPath": str(t.stored_path) if t.stored_path else None} for t in self.uploads],
        }

    def _running_file_servers(self) -> FileServers:
        if self.file_servers is None:
            raise ValueError("the CSMS's file servers are not running; start the CSMS first")
        return self.file_servers


def _unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return host == ""
