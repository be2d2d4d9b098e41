"""OCTT 2.23 — DataTransfer to the charge point (the suite plays the Central System)."""

from conformance import case, warn

SECTION = "DataTransfer"
# A vendorId no charge point implements: the suite's own, reverse-DNS as OCPP 1.6 §5.6 recommends.
UNKNOWN_VENDOR_ID = "org.ocpp-conformance.suite.probe"
NOT_ACCEPTED = ("Rejected", "UnknownMessageId")


@case("TC_062_CS", "Data Transfer to a Charge Point",
      spec="OCPP 1.6 §5.6, §4.3",
      requirement="The Charge Point SHALL answer DataTransfer.req (a Core message); for a vendorId it has no "
                  "implementation for it SHALL answer UnknownVendorId without a data element.")
async def test_data_transfer_unknown_vendor(charge_point):
    conf = await charge_point.call(
        "DataTransfer", {"vendorId": UNKNOWN_VENDOR_ID, "messageId": "Probe", "data": "conformance"},
        requirement="DataTransfer is part of the Core profile; the Charge Point answers it (OCPP 1.6 §5.6).")
    status = conf.status
    if status == "UnknownVendorId":
        assert "data" not in conf.payload, (
            f"[behaviour] DataTransfer answered UnknownVendorId with a data element ({conf.payload['data']!r}); "
            "for an unknown vendorId the data element SHALL NOT be present")
        return
    # Rejected and UnknownMessageId do not accept the message, Accepted does; none says the vendor is unknown.
    how = "does not accept it" if status in NOT_ACCEPTED else "claims to implement it"
    warn("BEH-018", f"DataTransfer for the unknown vendorId {UNKNOWN_VENDOR_ID} was answered {status!r}, which {how}; "
                    "a Charge Point without an implementation for the vendorId SHALL answer UnknownVendorId",
         spec="OCPP 1.6 §5.6")
