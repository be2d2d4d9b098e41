"""OCTT 2.0.1 P — DataTransfer to a charging station under test and customData in what the CSMS sends (Part 2 P01,
Part 2 §2 "Extensibility": CustomDataType). The suite plays the CSMS."""

from conformance import case

SECTION = "Data Transfer"
UNKNOWN_VENDOR = "org.ocpp-conformance.unknown-vendor"
VENDOR = "org.ocpp-conformance"
REFUSALS = ("Rejected", "UnknownVendorId", "UnknownMessageId")


@case("TC_P_01_CS", "Data Transfer to the Charging Station - Rejected / Unknown VendorId / Unknown MessageId",
      spec="OCPP 2.0.1 Part 2 P01",
      requirement="A DataTransferRequest of a vendorId the Charging Station has no extension for SHALL be answered "
                  "DataTransferResponse with status UnknownVendorId (Rejected or UnknownMessageId where the station "
                  "knows the vendor), never Accepted.")
async def test_data_transfer_unknown_vendor(charging_station):
    reply = await charging_station.call(
        "DataTransfer", {"vendorId": UNKNOWN_VENDOR, "messageId": "ConformanceProbe", "data": {"probe": 1}},
        requirement="The Charging Station SHALL answer DataTransferRequest (P01).")
    status = reply.payload.get("status")
    assert status in REFUSALS, (
        f"DataTransfer of the unknown vendor {UNKNOWN_VENDOR} (#{reply.record.seq}) was answered {status!r}, "
        f"expected one of {', '.join(REFUSALS)} (P01)")


@case("TC_P_03_CS", "CustomData - Receive custom data",
      spec="OCPP 2.0.1 Part 2 §2 (CustomDataType), Part 4 §4 (JSON schemas)",
      requirement="Every OCPP 2.0.1 message and data type may carry customData; a Charging Station that does not "
                  "know the vendor's extension SHALL ignore it and answer the request as without it.")
async def test_receive_custom_data(charging_station):
    custom = {"vendorId": VENDOR, "conformanceProbe": {"note": "ignore me"}}
    reply = await charging_station.call("GetVariables", {
        "customData": custom,
        "getVariableData": [{"customData": custom, "component": {"name": "OCPPCommCtrlr", "customData": custom},
                             "variable": {"name": "HeartbeatInterval", "customData": custom}}]},
        requirement="A request with customData is answered as any other (Part 2 §2).")
    results = reply.payload.get("getVariableResult") or []
    assert results and results[0].get("attributeStatus") == "Accepted", (
        f"GetVariables of OCPPCommCtrlr.HeartbeatInterval with customData (#{reply.record.seq}) was answered "
        f"{results[:1]}, expected attributeStatus Accepted as without customData")
