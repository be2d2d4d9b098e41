"""OCTT 3.23 — DataTransfer to the Central System (the suite plays the charge point)."""

from conformance import case, warn

SECTION = "DataTransfer"
# A vendorId no Central System implements: the suite's own, reverse-DNS as OCPP 1.6 §4.3 recommends.
UNKNOWN_VENDOR_ID = "org.ocpp-conformance.suite.probe"


@case("TC_064_CSMS", "Data Transfer to a Central System",
      spec="OCPP 1.6 §4.3",
      requirement="The Central System SHALL answer DataTransfer.req (a Core message) with DataTransfer.conf; for a "
                  "vendorId it has no implementation for it SHOULD answer UnknownVendorId (or Rejected, "
                  "UnknownMessageId) without a data element, not Accepted.")
async def test_data_transfer_unknown_vendor(csms, booted, station):
    conf = await station.data_transfer(UNKNOWN_VENDOR_ID, message_id="Probe", data="conformance")
    status = conf.status
    if status == "UnknownVendorId":
        assert "data" not in conf.payload, (
            f"[behaviour] DataTransfer answered UnknownVendorId with a data element ({conf.payload['data']!r}); "
            "for an unknown vendorId the data element SHALL NOT be present")
    elif status == "Accepted":
        warn("BEH-018", f"DataTransfer for the unknown vendorId {UNKNOWN_VENDOR_ID} was answered Accepted, which "
                        "claims an implementation for it; a Central System without one answers UnknownVendorId",
             spec="OCPP 1.6 §4.3")
