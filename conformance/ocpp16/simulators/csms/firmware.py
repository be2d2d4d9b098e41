"""Diagnostics and firmware status notifications (C16 §4.4, §4.5), kept per charge point."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action


class FirmwareHandlers:
    """The charge point reports diagnostics and firmware status."""

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status(self, status: str, **_: Any):
        self.station.diagnostics_status = status
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    def on_firmware_status(self, status: str, **_: Any):
        self.station.firmware_status = status
        return call_result.FirmwareStatusNotification()
