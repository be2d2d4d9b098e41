"""OCTT P — Data Transfer to the CSMS (the suite plays the charging station; Part 2 P02)."""

from conformance import case

SECTION = "Data Transfer"

UNKNOWN_VENDOR = "org.ocpp-conformance.unknown-vendor"  # a vendorId no CSMS implements
REQ_DATA_TRANSFER = ("A CSMS that has no implementation for the vendorId of a DataTransferRequest SHALL answer it with "
                     "a DataTransferResponse of status UnknownVendorId (Part 2 P02; a refusal is a CALLRESULT, "
                     "not a CALLERROR: Part 4 §4.2.2).")


@case("TC_P_02_CSMS", "Data Transfer to the CSMS - Rejected / Unknown VendorId / Unknown MessageId", profile="core",
      spec="OCPP 2.0.1 Part 2 P02; Part 4 §4.2.2",
      requirement=REQ_DATA_TRANSFER)
async def test_data_transfer_unknown_vendor(csms, booted):
    result = await csms.call("DataTransfer", {"vendorId": UNKNOWN_VENDOR, "messageId": "ConformanceProbe",
                                              "data": "ocpp-conformance"}, requirement=REQ_DATA_TRANSFER)
    status = result.payload.get("status")
    assert status == "UnknownVendorId", (
        f"[behaviour] the CSMS answered a DataTransferRequest of vendorId {UNKNOWN_VENDOR!r} (#{result.record.seq}) "
        f"with status {status!r}, expected 'UnknownVendorId'\n  requirement: {REQ_DATA_TRANSFER}")
