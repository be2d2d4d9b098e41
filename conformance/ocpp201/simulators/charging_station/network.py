"""Network connection profiles (Part 2 B09): SetNetworkProfile stores a profile in one of the configuration slots
NetworkConfigurationPriority may list; the connection loop (boot.py) tries them in that order (B10)."""

from __future__ import annotations

from typing import Any


def configuration_slots(cs: Any) -> set[int]:
    """The slots the station has: the values NetworkConfigurationPriority may list."""
    listed = cs.model.variable("OCPPCommCtrlr", "NetworkConfigurationPriority").characteristics.values_list or ""
    return {int(s) for s in listed.split(",") if s.strip().isdigit()}


class NetworkHandlers:
    def on_SetNetworkProfile(self, payload: dict, unique_id: str) -> dict:
        """Accepted and stored when the slot exists and the profile is one the station can use: OCPP 2.0.1 over
        JSON, a URL of its security profile's scheme, a security profile not below the one in use (A05); else
        Rejected (B09.FR.02)."""
        cs = self.cs
        slot, data = payload["configurationSlot"], payload["connectionData"]
        profile = data.get("securityProfile", 0)
        url = str(data.get("ocppCsmsUrl", ""))
        usable = (data.get("ocppVersion") == "OCPP20" and data.get("ocppTransport") == "JSON"
                  and url.startswith("wss://" if profile >= 2 else "ws://")
                  and (profile >= cs.security_profile or "security-downgrade-accepted" in cs.faults))
        if "network-profile-slot-unchecked" not in cs.faults and slot not in configuration_slots(cs):
            return {"status": "Rejected"}
        if not usable:
            return {"status": "Rejected"}
        if profile >= 2 and not cs.csms_roots and "upgrade-without-root-accepted" not in cs.faults:
            return {"status": "Rejected"}  # A05: TLS needs a CSMS root certificate to verify the CSMS with
        cs.network_profiles[slot] = dict(data)
        return {"status": "Accepted"}
