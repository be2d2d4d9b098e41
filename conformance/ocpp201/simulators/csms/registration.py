"""Registration (BootNotification with the configured status, Part 2 B01-B03), the clock, Heartbeat (G02) and the
connector statuses stations report (StatusNotification G01, NotifyEvent AvailabilityState). A station not Accepted
gets CALLERROR SecurityError for every request but BootNotification and, while Pending, what the CSMS asked it for
(B02.FR.09, B03.FR.07)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from conformance.ocpp201.simulators.rpc import Raw, RpcError
from conformance.timestamps import iso

# What a CSMS request lets a Pending station send (TriggerMessage: the message asked for; reports: NotifyReport).
PENDING_GRANTS = {"GetBaseReport": "NotifyReport", "GetReport": "NotifyReport"}


class RegistrationHandlers:
    """The station boots, beats and reports status."""

    def refusal(self, action: str) -> RpcError | None:
        station = self.station
        state = station.registration
        if action == "BootNotification" or state in (None, "Accepted") or "not-accepted-requests-answered" in \
                self.csms.faults:
            return None
        if state == "Pending" and action in station.granted:
            return None
        return RpcError("SecurityError", f"the registration of {station.identity} is {state}: {action} is not "
                                         "accepted before the BootNotification is")

    def on_BootNotification(self, payload: dict, unique_id: str) -> dict:
        csms, station = self.csms, self.station
        status = csms.boot_status_for(station.identity)
        station.boot = payload
        station.registration = status
        station.granted.clear()
        interval = csms.heartbeat_interval if status == "Accepted" else csms.boot_retry_interval
        if "boot-interval-zero" in csms.faults:
            interval = 0
        return {"currentTime": csms.current_time(), "interval": interval, "status": status}

    def on_Heartbeat(self, payload: dict, unique_id: str) -> Any:
        self.station.last_heartbeat = iso(datetime.now(timezone.utc))
        if "heartbeat-no-currenttime" in self.csms.faults:
            return Raw({})
        return {"currentTime": self.csms.current_time()}

    def on_StatusNotification(self, payload: dict, unique_id: str) -> dict:
        self.station.statuses[(payload["evseId"], payload["connectorId"])] = payload["connectorStatus"]
        return {}

    def on_NotifyEvent(self, payload: dict, unique_id: str) -> dict:
        for event in payload.get("eventData") or []:
            component, variable = event.get("component") or {}, event.get("variable") or {}
            evse = component.get("evse") or {}
            if variable.get("name") == "AvailabilityState" and component.get("name") == "Connector" and evse:
                self.station.statuses[(evse.get("id"), evse.get("connectorId", 1))] = event.get("actualValue")
        return {}


class Registration:
    """Boot status and clock of the CSMS."""

    def current_time(self) -> str:
        now = datetime.now(timezone.utc)
        if "currenttime-skewed" in self.faults:
            now += timedelta(hours=1)
        return iso(now)

    def boot_status_for(self, identity: str) -> str:
        if "boot-status-ignored" in self.faults:
            return "Accepted"
        return self.boot_status_overrides.get(identity, self.boot_status)

    def grant(self, station: Any, action: str, payload: dict) -> None:
        """A request to a Pending station that lets it send a message (TriggerMessage, a report request)."""
        if action == "TriggerMessage":
            station.granted.add(str(payload.get("requestedMessage")))
        elif action in PENDING_GRANTS:
            station.granted.add(PENDING_GRANTS[action])
