"""OCTT 2.19 — Diagnostics (the suite plays the Central System and receives the upload on its own file servers; the
file the charger uploads is kept as the case's evidence)."""

from datetime import datetime, timedelta, timezone

from conformance import case, measure
from conformance.errors import Inconclusive
from conformance.ocpp16.firmware import (
    DIAGNOSTICS_FINAL,
    UPLOAD_FAILED,
    UPLOADED,
    check_after_transfer,
    check_attempts,
    check_sequence,
    expect_final_status,
    reported,
)
from conformance.timestamps import iso

SECTION = "Diagnostics"
ACTION = "DiagnosticsStatusNotification"
RETRIES = 2  # a failing upload: at least 2 tries, at most 3
RETRY_INTERVAL_S = 2
SPEC = "OCPP 1.6 §4.4, §5.9"
REQ_CONF = "Upon receipt of a GetDiagnostics.req PDU, and if diagnostics information is available, the Charge Point " \
           "SHALL respond with a GetDiagnostics.conf PDU stating the name of the file it will upload (OCPP 1.6 §5.9)."
REQ_STATUS = "The Charge Point SHALL send DiagnosticsStatusNotification.req to inform the Central System that the " \
             "upload of diagnostics is busy or has finished successfully or failed (OCPP 1.6 §4.4)."
REQ_SINGLE = "Charge Point SHALL upload a single file (OCPP 1.6 §5.9)."


async def _get_diagnostics(charge_point, location, *, retries):
    now = datetime.now(timezone.utc)
    conf = await charge_point.call("GetDiagnostics", {
        "location": location, "retries": retries, "retryInterval": RETRY_INTERVAL_S,
        "startTime": iso(now - timedelta(hours=1)), "stopTime": iso(now),
    }, requirement=REQ_CONF)
    name = conf.get("fileName")
    if not name:
        raise Inconclusive("the charge point has diagnostics to upload",
                           "GetDiagnostics.conf names no file, which means it has none (OCPP 1.6 §5.9)",
                           frame_seq=conf.record.seq if conf.record else None)
    measure("diagnostics_file_name", name)
    return conf, name


@case("TC_045_1_CS", "Get Diagnostics",
      spec="OCPP 1.6 §5.9, §4.4",
      requirement="The Charge Point SHALL answer GetDiagnostics.req with the name of the file it will upload, upload "
                  "that single file into the location (a directory), and report Uploading, then Uploaded once the "
                  "upload is done, with DiagnosticsStatusNotification.req.",
      needs=("file_transfer",))
async def test_get_diagnostics(charge_point, booted, descriptor, timeouts, file_servers):
    file_transfer = descriptor.file_transfer
    mark = file_servers.mark()
    conf, name = await _get_diagnostics(charge_point, file_servers.upload_url(), retries=1)
    final = await expect_final_status(charge_point, ACTION, DIAGNOSTICS_FINAL, after=conf.record,
                                      within=file_transfer.transfer_timeout, requirement=REQ_STATUS)
    check_sequence(reported(charge_point, ACTION, after=conf.record, upto=final), UPLOADED, ACTION, SPEC)
    uploads = [r for r in file_servers.transfers("upload", since=mark, until=final) if r.outcome == "complete"]
    assert uploads, (
        f"[behaviour] the charge point reported Uploaded (#{final.seq}) but the suite's file servers received no "
        f"file: {'; '.join(r.describe() for r in file_servers.transfers('upload', since=mark)) or 'no upload at all'}")
    assert len(uploads) == 1, f"[behaviour] the charge point uploaded {len(uploads)} files; {REQ_SINGLE}"
    record = uploads[0]
    measure("diagnostics_upload", record.describe())
    measure("diagnostics_file", file_servers.evidence(record))
    assert record.name == name, (
        f"[behaviour] the charge point uploaded {record.name!r}; GetDiagnostics.conf (#{conf.record.seq}) named "
        f"{name!r}, the file containing the diagnostic information that will be uploaded (OCPP 1.6 §5.9)")
    assert record.size > 0, (
        f"[behaviour] the uploaded diagnostics file {record.name!r} is empty; a charge point with no diagnostics "
        "leaves fileName out of GetDiagnostics.conf instead (OCPP 1.6 §5.9)")
    check_after_transfer(final, record, "upload")
    await file_servers.expect_no_transfer("upload", final=final, during=timeouts.settle, requirement=REQ_SINGLE)


@case("TC_045_2_CS", "Get Diagnostics - Upload Failed",
      spec="OCPP 1.6 §5.9, §4.4",
      requirement="When the upload is refused the Charge Point SHALL try as often as retries asks, and no more, "
                  "retryInterval apart, then report UploadFailed with DiagnosticsStatusNotification.req.",
      needs=("file_transfer",))
async def test_upload_failed(charge_point, booted, descriptor, timeouts, file_servers):
    file_transfer = descriptor.file_transfer
    file_servers.servers.refuse_uploads = True  # FTP 553, HTTP 403: every try fails for real
    mark = file_servers.mark()
    conf, _ = await _get_diagnostics(charge_point, file_servers.upload_url(), retries=RETRIES)
    window = RETRIES * (RETRY_INTERVAL_S + file_transfer.transfer_timeout) + timeouts.expect
    final = await expect_final_status(charge_point, ACTION, DIAGNOSTICS_FINAL, after=conf.record, within=window,
                                      requirement=REQ_STATUS)
    attempts = file_servers.transfers("upload", since=mark, until=final)
    if (final.payload or {}).get("status") == "Uploaded":
        refused = "; ".join(r.describe() for r in attempts[-3:]) or "no upload at all"
        raise AssertionError(f"[behaviour] the charge point reported Uploaded (#{final.seq}) although the suite's file "
                             f"servers refused the upload: {refused}")
    check_sequence(reported(charge_point, ACTION, after=conf.record, upto=final), UPLOAD_FAILED, ACTION, SPEC)
    check_attempts(attempts, retries=RETRIES, retry_interval=RETRY_INTERVAL_S, timeouts=timeouts, what="upload",
                   final=final, spec="OCPP 1.6 §5.9 retries, retryInterval")
    await file_servers.expect_no_transfer(
        "upload", final=final, during=timeouts.settle,
        requirement="retries: how many times the Charge Point must try to upload the diagnostics before giving up "
                    "(OCPP 1.6 §6.25); after UploadFailed it has given up.")
