"""OCTT 3.15 — FirmwareManagement (the suite plays the charge point: it downloads the firmware from the location the
Central System gives, for real, and reports each step)."""

from datetime import datetime, timezone

from conformance import case, measure
from conformance.errors import Broken
from conformance.file_transfer import redacted
from conformance.ocpp16.roles.firmware import TransferPlan, check_as_asked, check_retrieve_date
from conformance.ocpp16.roles.station import operator_command
from conformance.timestamps import iso

SECTION = "FirmwareManagement"
RETRIES = 1
RETRY_INTERVAL_S = 2
REQ_SEND = "The Central System SHALL send an UpdateFirmware.req PDU to instruct the Charge Point to install new " \
           "firmware; it SHALL contain a date and time after which the Charge Point is allowed to retrieve the new " \
           "firmware and the location from which the firmware can be downloaded (OCPP 1.6 §5.19)."


async def _update_firmware(csms, station, iut, timeouts, plan):
    """The operator asks for an update (the Central System picks the firmware and its location); the suite's charge
    point plays it as `plan` says. Returns what the charge point did."""
    station.model.transfer_plan = plan
    asked = {"retrieveDate": iso(datetime.now(timezone.utc)), "retries": RETRIES, "retryInterval": RETRY_INTERVAL_S}
    req = await operator_command(iut, csms, "UpdateFirmware", asked, within=timeouts.expect, requirement=REQ_SEND)
    measure("firmware_location", redacted(str((req.payload or {}).get("location"))))
    check_retrieve_date(req, asked["retrieveDate"], timeouts.tolerance)
    check_as_asked(req, asked, ("retries", "retryInterval"))
    t = timeouts
    window = t.tolerance + (RETRIES + 1) * (RETRY_INTERVAL_S + t.expect) + t.connect + 6 * t.response
    outcome = await station.reaction(req, within=window)
    measure("download_attempts", outcome["attempts"])
    downloaded = "download" in outcome
    if downloaded == (plan.download == "broken_off"):  # a location that did not work has failed the case already
        raise Broken(f"the suite's charge point did not play the download as planned ({plan.download}): "
                     f"{outcome['attempts']}")
    return outcome


@case("TC_044_1_CSMS", "Firmware Update - Download and Install",
      spec="OCPP 1.6 §5.19, §4.5",
      requirement="The Central System SHALL send UpdateFirmware.req with the location of a firmware the charge point "
                  "can download and the retrieveDate asked for, and answer the FirmwareStatusNotification.req of the "
                  "download, the installation and, after the reboot into the new firmware, Installed.")
async def test_download_and_install(csms, booted, station, iut, timeouts):
    await _update_firmware(csms, station, iut, timeouts, TransferPlan())


@case("TC_044_2_CSMS", "Firmware Update - Download Failed",
      spec="OCPP 1.6 §5.19, §4.5",
      requirement="The Central System SHALL send UpdateFirmware.req with a working location and the retries asked "
                  "for, and answer the FirmwareStatusNotification.req Downloading and DownloadFailed of a download "
                  "that fails (the suite's charge point breaks each try off after the first bytes).")
async def test_download_failed(csms, booted, station, iut, timeouts):
    await _update_firmware(csms, station, iut, timeouts, TransferPlan(download="broken_off"))


@case("TC_044_3_CSMS", "Firmware Update - Installation Failed",
      spec="OCPP 1.6 §5.19, §4.5",
      requirement="The Central System SHALL send UpdateFirmware.req with the location of a firmware the charge point "
                  "can download, and answer the FirmwareStatusNotification.req Downloading, Downloaded, Installing "
                  "and InstallationFailed of an installation that fails.")
async def test_installation_failed(csms, booted, station, iut, timeouts):
    await _update_firmware(csms, station, iut, timeouts, TransferPlan(install="fails"))
