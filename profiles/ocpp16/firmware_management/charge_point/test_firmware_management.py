"""OCTT 2.18 — FirmwareManagement (the suite plays the Central System and serves the firmware from its own file
servers, so every download is real and checked byte for byte)."""

from datetime import datetime, timedelta, timezone

from conformance import case, measure
from conformance.ocpp16.firmware import (
    DOWNLOAD_FAILED,
    FIRMWARE_FINAL,
    INSTALLATION_FAILED,
    INSTALLED,
    check_after_transfer,
    check_attempts,
    check_sequence,
    expect_final_status,
    reported,
)
from conformance.timestamps import iso

SECTION = "FirmwareManagement"
ACTION = "FirmwareStatusNotification"
RETRIEVE_DELAY_S = 3  # retrieveDate lies this far ahead in TC_044_1: the download must not begin before it
RETRIES = 2  # a failing download: at least 2 tries, at most 3
RETRY_INTERVAL_S = 2
SPEC = "OCPP 1.6 §4.5, §5.19"
REQ_CONF = "Upon receipt of an UpdateFirmware.req PDU, the Charge Point SHALL respond with an UpdateFirmware.conf PDU " \
           "(OCPP 1.6 §5.19)."
REQ_STATUS = "During downloading and installation of the firmware, the Charge Point MUST send " \
             "FirmwareStatusNotification.req PDUs to keep the Central System updated (OCPP 1.6 §5.19, §4.5)."


async def _update_firmware(charge_point, location, *, retrieve, retries):
    return await charge_point.call("UpdateFirmware", {
        "location": location, "retrieveDate": iso(retrieve), "retries": retries, "retryInterval": RETRY_INTERVAL_S,
    }, requirement=REQ_CONF)


def _status(notes, status):
    return next(r for r in notes if (r.payload or {}).get("status") == status)


def _downloaded_image(file_servers, image, *, since, final, location):
    """The complete download of `image` the charge point made before reporting `final`, byte for byte."""
    seen = file_servers.transfers("download", since=since, name=image.name, until=final)
    complete = [r for r in seen if r.outcome == "complete"]
    if not complete:
        saw = "; ".join(r.describe() for r in seen[-3:]) or "no download of it"
        raise AssertionError(f"[behaviour] the charge point reported {(final.payload or {}).get('status')} "
                             f"(#{final.seq}) without downloading the firmware from {location}: the suite's file "
                             f"servers saw {saw}")
    record = complete[-1]
    measure("firmware_download", record.describe())
    assert record.size == image.size and record.sha256 == image.sha256, (
        f"[behaviour] the charge point downloaded {record.size} bytes with sha256 {record.sha256}; the image is "
        f"{image.size} bytes with sha256 {image.sha256}")
    return record


async def _new_firmware_runs(charge_point, iut, file_transfer, installing):
    """The reboot that starts the new firmware: the charger's own (a BootNotification after Installing), one made
    through the driver after Installed, or none, as the descriptor says (file_transfer.install_reboot)."""
    if file_transfer.install_reboot == "none":
        return
    after = installing
    if file_transfer.install_reboot == "driver":
        after = charge_point.wire.last_seq
        await iut.reboot()
    boot = await charge_point.expect(
        "BootNotification", after=after, within=file_transfer.transfer_timeout,
        requirement="The new firmware starts with a reboot: the Charge Point sends BootNotification.req "
                    f"(OCPP 1.6 §5.19, §4.2; file_transfer.install_reboot: {file_transfer.install_reboot}).")
    measure("firmware_version_after_install", (boot.payload or {}).get("firmwareVersion"))


@case("TC_044_1_CS", "Firmware Update - Download and Install",
      spec="OCPP 1.6 §5.19, §4.5",
      requirement="The Charge Point SHALL answer UpdateFirmware.req, retrieve the firmware from the location only "
                  "after retrieveDate, install a valid image, and report Downloading, Downloaded, Installing and "
                  "Installed in this order with FirmwareStatusNotification.req.",
      needs=("file_transfer", "file_transfer.firmware_image"))
async def test_download_and_install(charge_point, booted, iut, descriptor, timeouts, file_servers):
    file_transfer = descriptor.file_transfer
    image = await file_servers.serve(file_transfer.firmware_image)
    location = file_servers.firmware_url(image)
    retrieve = datetime.now(timezone.utc) + timedelta(seconds=RETRIEVE_DELAY_S)
    mark = file_servers.mark()
    conf = await _update_firmware(charge_point, location, retrieve=retrieve, retries=1)
    final = await expect_final_status(charge_point, ACTION, FIRMWARE_FINAL, after=conf.record,
                                      within=RETRIEVE_DELAY_S + file_transfer.transfer_timeout, requirement=REQ_STATUS)
    notes = reported(charge_point, ACTION, after=conf.record, upto=final)
    check_sequence(notes, INSTALLED, ACTION, SPEC)
    record = _downloaded_image(file_servers, image, since=mark, final=final, location=location)
    check_after_transfer(_status(notes, "Downloaded"), record, "download")
    first = file_servers.transfers("download", since=mark, name=image.name)[0]
    early = (retrieve - first.started).total_seconds()
    tolerance = timeouts.interval_tolerance(RETRIEVE_DELAY_S)
    measure("download_began_after_retrieve_date_s", round(-early, 3))
    assert early <= tolerance, (
        f"[timing] the charge point began downloading {early:.2f} s before retrieveDate {iso(retrieve)}; the date is "
        f"the one after which it is allowed to retrieve the firmware (OCPP 1.6 §5.19; ±{tolerance:g} s for the clocks)")
    await _new_firmware_runs(charge_point, iut, file_transfer, _status(notes, "Installing"))


@case("TC_044_2_CS", "Firmware Update - Download Failed",
      spec="OCPP 1.6 §5.19, §4.5",
      requirement="When the firmware cannot be downloaded the Charge Point SHALL try as often as retries asks, and no "
                  "more, retryInterval apart, then report DownloadFailed with FirmwareStatusNotification.req "
                  "(Downloading before it may be left out when the download fails at once).",
      needs=("file_transfer",))
async def test_download_failed(charge_point, booted, descriptor, timeouts, file_servers):
    file_transfer = descriptor.file_transfer
    location = file_servers.missing_url()
    name = location.rsplit("/", 1)[-1]
    mark = file_servers.mark()
    conf = await _update_firmware(charge_point, location, retrieve=datetime.now(timezone.utc), retries=RETRIES)
    window = RETRIES * (RETRY_INTERVAL_S + file_transfer.transfer_timeout) + timeouts.expect
    final = await expect_final_status(charge_point, ACTION, FIRMWARE_FINAL, after=conf.record, within=window,
                                      requirement=REQ_STATUS)
    check_sequence(reported(charge_point, ACTION, after=conf.record, upto=final), DOWNLOAD_FAILED, ACTION, SPEC)
    attempts = file_servers.transfers("download", since=mark, name=name, until=final)
    check_attempts(attempts, retries=RETRIES, retry_interval=RETRY_INTERVAL_S, timeouts=timeouts, what="download",
                   final=final, spec="OCPP 1.6 §5.19 retries, retryInterval")
    await file_servers.expect_no_transfer(
        "download", name=name, final=final, during=timeouts.settle,
        requirement="retries: how many times the Charge Point must try to download the firmware before giving up "
                    "(OCPP 1.6 §6.55); after DownloadFailed it has given up.")


@case("TC_044_3_CS", "Firmware Update - Installation Failed",
      spec="OCPP 1.6 §5.19, §4.5",
      requirement="The Charge Point SHALL download an image it cannot install, not report it installed, and report "
                  "Downloading, Downloaded, (Installing,) InstallationFailed in this order with "
                  "FirmwareStatusNotification.req.",
      needs=("file_transfer", "file_transfer.invalid_firmware_image"))
async def test_installation_failed(charge_point, booted, descriptor, timeouts, file_servers):
    file_transfer = descriptor.file_transfer
    image = await file_servers.serve(file_transfer.invalid_firmware_image, intact=False)
    location = file_servers.firmware_url(image)
    mark = file_servers.mark()
    conf = await _update_firmware(charge_point, location, retrieve=datetime.now(timezone.utc), retries=1)
    final = await expect_final_status(charge_point, ACTION, FIRMWARE_FINAL, after=conf.record,
                                      within=file_transfer.transfer_timeout, requirement=REQ_STATUS)
    notes = reported(charge_point, ACTION, after=conf.record, upto=final)
    check_sequence(notes, INSTALLATION_FAILED, ACTION, SPEC)
    record = _downloaded_image(file_servers, image, since=mark, final=final, location=location)
    check_after_transfer(_status(notes, "Downloaded"), record, "download")
    await charge_point.expect_no(ACTION, during=timeouts.settle, after=final, status="Installed",
                                 requirement="A firmware whose installation failed is not installed: the Charge "
                                             "Point keeps its old firmware (OCPP 1.6 §4.5 InstallationFailed).")
