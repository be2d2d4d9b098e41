"""Registration (BootNotification with the configured status, C16 §4.2), Heartbeat with the current time and the
connector statuses the charge points report (C16 §4.6, §4.9)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from conformance.ocpp16.simulators.rpc import Raw, RpcError
from conformance.timestamps import iso


class BootHandlers:
    """The charge point boots, beats and reports status."""

    @on(Action.boot_notification)
    def on_boot_notification(self, raw_payload: dict, **_: Any):
        csms, station = self.csms, self.station
        status = csms.boot_status_for(station.identity)
        station.boot = raw_payload
        station.registration = status
        interval = 0 if "boot-interval-zero" in csms.faults else csms.heartbeat_interval
        return call_result.BootNotification(current_time=csms.current_time(), interval=interval, status=status)

    @on(Action.heartbeat)
    def on_heartbeat(self, **_: Any):
        self.station.last_heartbeat = iso(datetime.now(timezone.utc))
        if "heartbeat-no-currenttime" in self.csms.faults:
            return Raw({})
        return call_result.Heartbeat(current_time=self.csms.current_time())

    @on(Action.status_notification)
    def on_status_notification(self, raw_payload: dict, **_: Any):
        if raw_payload.get("status") == "Faulted" and "faulted-status-callerror" in self.csms.faults:
            raise RpcError("PropertyConstraintViolation", "status Faulted is not handled")
        self.station.connectors[raw_payload["connectorId"]] = {
            k: raw_payload[k] for k in ("status", "errorCode", "timestamp", "info", "vendorErrorCode") if k in raw_payload
        }
        return call_result.StatusNotification()


class Registration:
    """Boot status and clock."""

    def current_time(self) -> str:
        now = datetime.now(timezone.utc)
        if "currenttime-skewed" in self.faults:
            now += timedelta(hours=1)
        elif "currenttime-seconds-off" in self.faults:
            now += timedelta(seconds=10)
        return iso(now)

    def boot_status_for(self, identity: str) -> str:
        return self.boot_status_overrides.get(identity, self.boot_status)
