"""OCTT 3.16 — Diagnostics (the suite plays the charge point: it uploads its diagnostics into the location the Central
System gives, for real, and reports each step)."""

from conformance import case, measure
from conformance.errors import Broken
from conformance.file_transfer import redacted
from conformance.ocpp16.roles.firmware import TransferPlan, check_as_asked
from conformance.ocpp16.roles.station import operator_command

SECTION = "Diagnostics"
RETRIES = 1
RETRY_INTERVAL_S = 2
REQ_SEND = "The Central System SHALL send a GetDiagnostics.req PDU for getting diagnostic information of a Charge " \
           "Point with a location where the Charge Point MUST upload its diagnostic data to (OCPP 1.6 §5.9)."


async def _get_diagnostics(csms, station, iut, timeouts, plan):
    """The operator asks for diagnostics (the Central System picks the location); the suite's charge point plays the
    upload as `plan` says. Returns what the charge point did."""
    station.model.transfer_plan = plan
    asked = {"retries": RETRIES, "retryInterval": RETRY_INTERVAL_S}
    req = await operator_command(iut, csms, "GetDiagnostics", asked, within=timeouts.expect, requirement=REQ_SEND)
    measure("diagnostics_location", redacted(str((req.payload or {}).get("location"))))
    check_as_asked(req, asked, ("retries", "retryInterval"))
    window = timeouts.tolerance + (RETRIES + 1) * (RETRY_INTERVAL_S + timeouts.expect)
    outcome = await station.reaction(req, within=window)
    measure("upload_attempts", outcome["attempts"])
    if ("upload" in outcome) == (plan.upload == "broken_off"):  # a location that did not work has failed the case
        raise Broken(f"the suite's charge point did not play the upload as planned ({plan.upload}): "
                     f"{outcome['attempts']}")
    return outcome


@case("TC_045_1_CSMS", "Get Diagnostics",
      spec="OCPP 1.6 §5.9, §4.4",
      requirement="The Central System SHALL send GetDiagnostics.req with a location (a directory) that takes the "
                  "upload of the diagnostics file, and answer the DiagnosticsStatusNotification.req Uploading and "
                  "Uploaded.")
async def test_get_diagnostics(csms, booted, station, iut, timeouts):
    await _get_diagnostics(csms, station, iut, timeouts, TransferPlan())


@case("TC_045_2_CSMS", "Get Diagnostics - Upload Failed",
      spec="OCPP 1.6 §5.9, §4.4",
      requirement="The Central System SHALL send GetDiagnostics.req with a location that takes uploads, and answer "
                  "the DiagnosticsStatusNotification.req Uploading and UploadFailed of an upload that fails (the "
                  "suite's charge point breaks each try off after the first bytes).")
async def test_upload_failed(csms, booted, station, iut, timeouts):
    await _get_diagnostics(csms, station, iut, timeouts, TransferPlan(upload="broken_off"))
