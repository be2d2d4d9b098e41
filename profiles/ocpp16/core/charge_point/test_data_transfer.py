"""OCTT 2.23 — DataTransfer to the charge point (the suite plays the Central System)."""

from conformance import case

SECTION = "DataTransfer"
# A vendorId no charge point implements: the suite's own, reverse-DNS as OCPP 1.6 §5.6 recommends.
UNKNOWN_VENDOR_ID = "org.ocpp-conformance.suite.probe"


@case("TC_062_CS", "Data Transfer to a Charge Point",
      spec="OCPP 1.6 §5.6, §4.3",
      requirement="The Charge Point SHALL answer DataTransfer.req (a Core message); for a vendorId it has no "
                  "implementation for it SHALL answer UnknownVendorId without a data element (\"If the recipient of "
                  "the request has no implementation for the specific vendorId it SHALL return a status "
                  "'UnknownVendor' and the data element SHALL not be present\").")
async def test_data_transfer_unknown_vendor(charge_point):
    conf = await charge_point.call(
        "DataTransfer", {"vendorId": UNKNOWN_VENDOR_ID, "messageId": "Probe", "data": "conformance"},
        requirement="DataTransfer is part of the Core profile; the Charge Point answers it (OCPP 1.6 §5.6).")
    # The prose says 'UnknownVendor'; the DataTransferStatus enum value is UnknownVendorId.
    assert conf.status == "UnknownVendorId", (
        f"[behaviour] DataTransfer for the unknown vendorId {UNKNOWN_VENDOR_ID} was answered {conf.status!r}; a "
        "Charge Point without an implementation for the vendorId SHALL answer UnknownVendorId (OCPP 1.6 §4.3)")
    assert "data" not in conf.payload, (
        f"[behaviour] DataTransfer answered UnknownVendorId with a data element ({conf.payload['data']!r}); "
        "for an unknown vendorId the data element SHALL NOT be present (OCPP 1.6 §4.3)")
