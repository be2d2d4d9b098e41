"""TriggerMessage (C16 §5.17): the charger sends the requested message after its answer; a connectorId that does
not matter for the message (Heartbeat, BootNotification, the status notifications of diagnostics and firmware) is
ignored, one it does not have is Rejected."""

from __future__ import annotations

import asyncio
from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action
from websockets.exceptions import ConnectionClosed

from conformance.ocpp16.simulators.rpc import CallError, CallTimeout, RpcEndpoint

_TRIGGERABLE = {
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StatusNotification",
}


class RemoteTriggerHandlers:
    """The Central System asks for a message."""

    @on(Action.trigger_message)
    async def on_trigger_message(self, requested_message: str, connector_id: int | None = None,
                                 call_unique_id: str = "", **_: Any):
        cp = self.cp
        if requested_message not in _TRIGGERABLE:
            return call_result.TriggerMessage(status="NotImplemented")
        if connector_id is not None and not 0 <= connector_id <= len(cp.connectors) - 1:
            # a connector it does not have: nothing it could send (C16 §5.17: it says whether it will send)
            status = "Accepted" if "trigger-unknown-connector-accepted" in cp.faults else "Rejected"
            return call_result.TriggerMessage(status=status)
        if "trigger-before-conf" in cp.faults:
            await cp._triggered(self, requested_message, connector_id)
        else:  # C16 §5.17: the TriggerMessage.conf goes first, then the requested message
            self._plan(call_unique_id, lambda: cp._triggered(self, requested_message, connector_id))
        return call_result.TriggerMessage(status="Accepted")

    @after(Action.trigger_message)
    def after_trigger_message(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)


class RemoteTrigger:
    """Sending what was asked for."""

    async def _triggered(self, rpc: RpcEndpoint, message: str, connector_id: int | None) -> None:
        try:
            if message == "BootNotification":
                if self.registration == "Accepted":
                    reply = await self._send_now(rpc, "BootNotification", self._boot_payload())
                    self._sync_clock(reply.get("currentTime"))
                    if reply.get("status") == "Accepted" and int(reply.get("interval") or 0) > 0:
                        self.config["HeartbeatInterval"] = str(reply["interval"])
                        self._restart_heartbeat()
                else:
                    self._boot_wakeup.set()
            elif message == "Heartbeat":
                await self._send_heartbeat(rpc)
            elif message == "StatusNotification":
                # without connectorId: the charge point itself and each connector (C16 §5.17)
                targets = self.connectors if connector_id is None else [self.connectors[connector_id]]
                if connector_id is None and "trigger-status-partial" in self.faults:
                    targets = self.connectors[:1]
                for c in targets:
                    if c.status is None:
                        c.status = self._derive(c)
                    await self._send_now(rpc, "StatusNotification", self._status_payload(c))
            elif message == "MeterValues":
                targets = self.connectors[1:] if not connector_id else [self.connectors[connector_id]]
                measurands = self._measurands("MeterValuesSampledData") or ["Energy.Active.Import.Register"]
                for c in targets:
                    payload: dict = {"connectorId": c.id, "meterValue": [self._sample(c, measurands, "Trigger")]}
                    if c.transaction is not None and c.transaction.transaction_id is not None:
                        payload["transactionId"] = c.transaction.transaction_id
                    await self._send_now(rpc, "MeterValues", payload)
            elif message == "DiagnosticsStatusNotification":
                await self._send_now(rpc, "DiagnosticsStatusNotification", {"status": "Idle"})
            elif message == "FirmwareStatusNotification":
                await self._send_now(rpc, "FirmwareStatusNotification", {"status": "Idle"})
        except (CallError, CallTimeout, ConnectionError, ConnectionClosed, asyncio.TimeoutError) as exc:
            self.logger.info("%s: triggered %s failed: %s", self.identity, message, exc)
