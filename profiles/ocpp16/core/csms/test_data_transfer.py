"""OCTT 3.23 — DataTransfer to the Central System (the suite plays the charge point)."""

from conformance import case

SECTION = "DataTransfer"
# A vendorId no Central System implements: the suite's own, reverse-DNS as OCPP 1.6 §4.3 recommends.
UNKNOWN_VENDOR_ID = "org.ocpp-conformance.suite.probe"


@case("TC_064_CSMS", "Data Transfer to a Central System",
      spec="OCPP 1.6 §4.3",
      requirement="The Central System SHALL answer DataTransfer.req (a Core message) with DataTransfer.conf; for a "
                  "vendorId it has no implementation for it SHALL answer UnknownVendorId without a data element "
                  "(\"If the recipient of the request has no implementation for the specific vendorId it SHALL return "
                  "a status 'UnknownVendor' and the data element SHALL not be present\").")
async def test_data_transfer_unknown_vendor(csms, booted, station):
    conf = await station.data_transfer(UNKNOWN_VENDOR_ID, message_id="Probe", data="conformance")
    # The prose says 'UnknownVendor'; the DataTransferStatus enum value is UnknownVendorId.
    assert conf.status == "UnknownVendorId", (
        f"[behaviour] DataTransfer for the unknown vendorId {UNKNOWN_VENDOR_ID} was answered {conf.status!r}; a "
        "Central System without an implementation for the vendorId SHALL answer UnknownVendorId (OCPP 1.6 §4.3)")
    assert "data" not in conf.payload, (
        f"[behaviour] DataTransfer answered UnknownVendorId with a data element ({conf.payload['data']!r}); "
        "for an unknown vendorId the data element SHALL NOT be present (OCPP 1.6 §4.3)")
