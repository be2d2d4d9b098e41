"""OCTT P — CustomData (the suite plays the charging station; Part 2 P, Part 4 §9)."""

from conformance import case
from conformance.timestamps import utc_now

SECTION = "Data Transfer"

REQ_CUSTOM_DATA = ("Every OCPP 2.0.1 message may carry customData (a vendorId and vendor-specific properties); a CSMS "
                   "that does not know its vendorId SHALL ignore it and process the message as without it "
                   "(Part 2 P, Part 4 §9).")
CUSTOM = {"vendorId": "org.ocpp-conformance", "conformanceNote": "ignore me", "conformanceLevel": 3}


@case("TC_P_03_CSMS", "CustomData - Receive custom data", profile="core",
      spec="OCPP 2.0.1 Part 2 P; Part 4 §9",
      requirement=REQ_CUSTOM_DATA)
async def test_receive_custom_data(csms, booted, station):
    await csms.call("StatusNotification", {"timestamp": utc_now(), "connectorStatus": "Available", "evseId": 1,
                                           "connectorId": 1, "customData": dict(CUSTOM)}, requirement=REQ_CUSTOM_DATA)
    beat = await csms.call("Heartbeat", {"customData": dict(CUSTOM)}, requirement=REQ_CUSTOM_DATA)
    station.check_clock("HeartbeatResponse", beat.payload.get("currentTime"))
