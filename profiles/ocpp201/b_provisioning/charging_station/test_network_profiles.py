"""OCTT 2.0.1 B — Network connection profiles (Part 2 B09) of a charging station under test (the suite plays the
CSMS)."""

import itertools

from conformance import case
from conformance.ocpp201.steps import collect_report

SECTION = "Provisioning"
_REQUEST_IDS = itertools.count(2090)


async def configuration_slots(charging_station, timeouts) -> set[int]:
    """The configuration slots the station has: the valuesList of OCPPCommCtrlr.NetworkConfigurationPriority in its
    FullInventory (empty when it gives none)."""
    request_id = next(_REQUEST_IDS)
    since = charging_station.mark_now()
    reply = await charging_station.call("GetBaseReport", {"requestId": request_id, "reportBase": "FullInventory"})
    if reply.payload.get("status") != "Accepted":
        return set()
    entries = await collect_report(charging_station, request_id, after=since, timeouts=timeouts,
                                  requirement="The Charging Station sends the FullInventory it accepted (B07).")
    for entry in entries:
        if ((entry.get("component") or {}).get("name"), (entry.get("variable") or {}).get("name")) == (
                "OCPPCommCtrlr", "NetworkConfigurationPriority"):
            listed = (entry.get("variableCharacteristics") or {}).get("valuesList") or ""
            return {int(s) for s in listed.split(",") if s.strip().isdigit()}
    return set()


@case("TC_B_43_CS", "Set new NetworkConnectionProfile - Rejected",
      spec="OCPP 2.0.1 Part 2 B09",
      requirement="A SetNetworkProfileRequest for a configuration slot the Charging Station does not have (not in the "
                  "valuesList of OCPPCommCtrlr.NetworkConfigurationPriority) SHALL be answered Rejected.")
async def test_set_network_profile_rejected(charging_station, conformance_iut, timeouts):
    slots = await configuration_slots(charging_station, timeouts)
    slot = max(slots, default=98) + 1
    reply = await charging_station.call("SetNetworkProfile", {"configurationSlot": slot, "connectionData": {
        "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": conformance_iut.endpoint_url.rsplit("/", 1)[0],
        "messageTimeout": 30, "securityProfile": conformance_iut.descriptor.security.profile,
        "ocppInterface": "Wired0"}}, requirement="The Charging Station SHALL answer SetNetworkProfileRequest (B09).")
    status = reply.payload.get("status")
    assert status == "Rejected", (
        f"SetNetworkProfile of configuration slot {slot} (#{reply.record.seq}), which the station does not have "
        f"(its slots: {sorted(slots) or 'not reported'}), was answered {status!r}, expected Rejected (B09)")
