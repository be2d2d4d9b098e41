"""Self-tests of firmware updates and diagnostics in the reference simulators, with real transfers on loopback.

The reference charge point is driven by a raw-frame Central System and downloads from / uploads to the suite's file
servers; the reference Central System is driven by a raw-frame charge point that transfers with the suite's clients.
The conformance cases (profiles/ocpp16/firmware_management) run the same flows through the suite's own roles.
"""

# ruff: noqa: F811  (the raw peers' fixtures come from test_simulators by import, and the tests take them by name)
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import AsyncIterator

import pytest

from conformance.file_transfer import (
    FileServers,
    TransferRecord,
    check_installable_image,
    download,
    make_installable_image,
    upload,
)
from conformance.ocpp16.simulators.csms import ReferenceCsms
from tests.test_simulators import RawChargePoint, RawCsms, booted, csms, http_request, make_cp, raw_csms  # noqa: F401

pytestmark = pytest.mark.timeout(60)

VERSION = "9.9.9-test"


def utc_in(seconds: float) -> str:
    moment = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
async def servers(tmp_path: Path) -> AsyncIterator[FileServers]:
    served = tmp_path / "served"
    served.mkdir()
    make_installable_image(served / "good.bin", 50_000, 1, version=VERSION)
    make_installable_image(served / "bad.bin", 50_000, 1, version=VERSION, intact=False)
    async with FileServers(served, tmp_path / "evidence") as running:
        yield running


def statuses(peer: RawCsms, action: str, since: int) -> list[str]:
    return [c[3]["status"] for c in peer.calls(action, since=since)]


# ============================================================================ reference charge point
@pytest.mark.parametrize("scheme", ["ftp", "http"])
async def test_cp_downloads_checks_installs_and_reboots_into_the_new_firmware(raw_csms: RawCsms, make_cp,
                                                                               servers: FileServers, scheme: str) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    reply = await raw_csms.call("UpdateFirmware", {"location": servers.firmware_url("good.bin", scheme),
                                                   "retrieveDate": utc_in(0)})
    assert reply[0] == 3 and reply[2] == {}
    await raw_csms.wait_call("FirmwareStatusNotification", since=mark, status="Installed", timeout=15)

    assert statuses(raw_csms, "FirmwareStatusNotification", mark) == ["Downloading", "Downloaded", "Installing", "Installed"]
    actions = [c[2] for c in raw_csms.calls(since=mark)]
    assert actions.index("BootNotification") < len(actions) - 1  # rebooted before reporting Installed
    assert raw_csms.calls("BootNotification", since=mark)[0][3]["firmwareVersion"] == VERSION
    record = next(t for t in servers.transfers if t.direction == "download")
    assert record.outcome == "complete" and record.sha256 == _sha("good.bin", servers)


async def test_cp_refuses_to_install_a_corrupt_image_and_keeps_running(raw_csms: RawCsms, make_cp,
                                                                       servers: FileServers) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    await raw_csms.call("UpdateFirmware", {"location": servers.firmware_url("bad.bin", "ftp"), "retrieveDate": utc_in(0)})
    await raw_csms.wait_call("FirmwareStatusNotification", since=mark, status="InstallationFailed", timeout=15)

    assert statuses(raw_csms, "FirmwareStatusNotification", mark) == ["Downloading", "Downloaded", "Installing",
                                                                      "InstallationFailed"]
    assert not raw_csms.calls("BootNotification", since=mark) and cp.firmware_version != VERSION


async def test_cp_waits_for_the_retrieve_date(raw_csms: RawCsms, make_cp, servers: FileServers) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    retrieve = utc_in(1.5)
    await raw_csms.call("UpdateFirmware", {"location": servers.firmware_url("good.bin", "http"), "retrieveDate": retrieve})
    record = await servers.wait_for_download("good.bin", within=15)
    assert record.started >= datetime.fromisoformat(retrieve.replace("Z", "+00:00")) - timedelta(seconds=0.2)


async def test_cp_retries_a_failing_download_as_asked_then_gives_up(raw_csms: RawCsms, make_cp,
                                                                    servers: FileServers) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    location = servers.missing_url("http")
    await raw_csms.call("UpdateFirmware", {"location": location, "retrieveDate": utc_in(0), "retries": 1,
                                           "retryInterval": 1})
    await raw_csms.wait_call("FirmwareStatusNotification", since=mark, status="DownloadFailed", timeout=15)

    tries = [t for t in servers.transfers if t.direction == "download"]
    assert [t.outcome for t in tries] == ["missing", "missing"]
    assert (tries[1].started - tries[0].ended).total_seconds() >= 0.9
    assert statuses(raw_csms, "FirmwareStatusNotification", mark) == ["Downloading", "DownloadFailed"]


@pytest.mark.parametrize("scheme", ["ftp", "http"])
async def test_cp_uploads_its_diagnostics_under_the_name_it_gave(raw_csms: RawCsms, make_cp, servers: FileServers,
                                                                  scheme: str) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    reply = await raw_csms.call("GetDiagnostics", {"location": servers.upload_url(scheme)})
    name = reply[2]["fileName"]
    await raw_csms.wait_call("DiagnosticsStatusNotification", since=mark, status="Uploaded", timeout=15)

    record = next(t for t in servers.transfers if t.direction == "upload")
    assert record.outcome == "complete" and record.name == name and record.stored_path is not None
    assert json.loads(record.stored_path.read_text(encoding="utf-8"))["chargePoint"] == "CP1"
    assert statuses(raw_csms, "DiagnosticsStatusNotification", mark) == ["Uploading", "Uploaded"]


async def test_cp_reports_a_refused_upload_failed(raw_csms: RawCsms, make_cp, servers: FileServers) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    servers.refuse_uploads = True
    mark = raw_csms.mark()
    await raw_csms.call("GetDiagnostics", {"location": servers.upload_url("ftp"), "retries": 0})
    await raw_csms.wait_call("DiagnosticsStatusNotification", since=mark, status="UploadFailed", timeout=15)
    assert [t.outcome for t in servers.transfers if t.direction == "upload"] == ["refused"]


def _sha(name: str, servers: FileServers) -> str:
    return hashlib.sha256((servers.served_dir / name).read_bytes()).hexdigest()


# ============================================================================ reference Central System
async def test_csms_points_update_firmware_at_the_image_it_serves(csms: ReferenceCsms, tmp_path: Path) -> None:
    async with RawChargePoint(f"{csms.url}/CP1") as cp:
        cp.replies["UpdateFirmware"] = {}
        await cp.boot()
        mark = cp.mark()
        await csms.send_command("CP1", "UpdateFirmware", {})
        request = (await cp.wait_call("UpdateFirmware", since=mark))[3]
        assert request["location"].startswith("http://127.0.0.1:") and request["retrieveDate"]
        await download(request["location"], tmp_path / "fw.bin", timeout=10)
        assert check_installable_image(tmp_path / "fw.bin").problem is None

        mark = cp.mark()
        await csms.send_command("CP1", "UpdateFirmware", {"location": "ftp://elsewhere.example/fw.bin",
                                                          "retrieveDate": utc_in(60)})
        assert (await cp.wait_call("UpdateFirmware", since=mark))[3]["location"] == "ftp://elsewhere.example/fw.bin"

        make_installable_image(tmp_path / "other.bin", 1000, 2, version="3.0.0")
        offered = csms.offer_firmware(tmp_path / "other.bin")
        mark = cp.mark()
        await csms.send_command("CP1", "UpdateFirmware", {})
        assert (await cp.wait_call("UpdateFirmware", since=mark))[3]["location"] == offered

        await cp.call("FirmwareStatusNotification", {"status": "Downloading"})
        assert csms.stations["CP1"].firmware_status == "Downloading"


async def test_csms_keeps_the_diagnostics_uploaded_into_its_location(csms: ReferenceCsms, tmp_path: Path) -> None:
    async with RawChargePoint(f"{csms.url}/CP1") as cp:
        cp.replies["GetDiagnostics"] = {"fileName": "diag.log"}
        await cp.boot()
        await csms.send_command("CP1", "GetDiagnostics", {})
        request = (await cp.wait_call("GetDiagnostics"))[3]
        assert request["location"].startswith("ftp://")
        (tmp_path / "diag.log").write_text("diagnostics\n", encoding="utf-8")
        await upload(request["location"], tmp_path / "diag.log", timeout=10)

        uploads: list[TransferRecord] = csms.uploads
        assert [u.name for u in uploads] == ["diag.log"] and uploads[0].stored_path is not None
        assert uploads[0].stored_path.read_text(encoding="utf-8") == "diagnostics\n"
        assert csms.snapshot()["files"]["uploads"][0]["name"] == "diag.log"
        await cp.call("DiagnosticsStatusNotification", {"status": "Uploaded"})
        assert csms.stations["CP1"].diagnostics_status == "Uploaded"


async def test_csms_control_api_offers_another_firmware(tmp_path: Path) -> None:
    from conformance.ocpp16.simulators.control import csms_handler
    from conformance.simulation import ControlServer

    server = ReferenceCsms(port=0)
    await server.start()
    control = ControlServer(csms_handler(server))
    await control.start()
    try:
        make_installable_image(tmp_path / "next.bin", 1000, 3, version="4.0.0")
        code, body = await http_request(control.port, "POST", "/offer-firmware", {"path": str(tmp_path / "next.bin")})
        assert code == 200 and body["location"].endswith("/firmware/next.bin")
        code, body = await http_request(control.port, "POST", "/offer-firmware", {"path": str(tmp_path / "none.bin")})
        assert code == 400 and "is not a file" in json.dumps(body)
        code, body = await http_request(control.port, "GET", "/status")
        assert body["files"]["firmwareLocation"].endswith("/firmware/next.bin")
    finally:
        await control.stop()
        await server.stop()
