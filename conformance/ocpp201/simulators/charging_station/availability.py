"""Connector status (StatusNotification, G01), availability (ChangeAvailability, G03/G04: kept across reboots) and
the messages the CSMS can ask for (TriggerMessage, F06)."""

from __future__ import annotations

from typing import Any

from conformance.ocpp201.simulators.rpc import CallError, CallTimeout, RpcError

# What the station sends when a TriggerMessage asks for it (MessageTriggerEnumType); the others are NotImplemented.
TRIGGERABLE = frozenset({"BootNotification", "Heartbeat", "StatusNotification", "FirmwareStatusNotification",
                         "LogStatusNotification", "MeterValues", "TransactionEvent"})


class Availability:
    """What state each connector is in, and telling the CSMS about it."""

    def connector_state(self, evse: int, connector: int = 1) -> str:
        """AvailabilityState / connectorStatus of a connector: Unavailable when it, its EVSE or the station is
        Inoperative (or an EVSE reset is under way), Faulted, Occupied with a cable or a transaction, else Available."""
        e = self.evses[evse]
        c = e.connectors[connector]
        if not self.operative or not e.operative or not c.operative or e.resetting:
            return "Unavailable"
        if c.faulted:
            return "Faulted"
        if c.plugged or e.transaction is not None:
            return "Occupied"
        return "Available"

    def state_of(self, evse: int | None, connector: int | None) -> str:
        """AvailabilityState of the station (no EVSE), an EVSE (no connector) or a connector."""
        if evse is None:
            return "Available" if self.operative else "Unavailable"
        if connector is None:
            states = [self.connector_state(evse, c) for c in self.evses[evse].connectors]
            for state in ("Unavailable", "Faulted", "Occupied"):
                if state in states:
                    return state
            return "Available"
        return self.connector_state(evse, connector)

    def status_payload(self, evse: int, connector: int) -> dict:
        return {"timestamp": self.timestamp(), "connectorStatus": self.connector_state(evse, connector),
                "evseId": evse, "connectorId": connector}

    async def _report_status(self, evse: int, connector: int = 1, *, force: bool = False) -> None:
        """StatusNotification of a connector whose status changed since the CSMS last acknowledged one (or `force`);
        while the station cannot send, the change waits for the connection (B04)."""
        c = self.evses[evse].connectors[connector]
        state = self.connector_state(evse, connector)
        if not force and c.reported == state:
            return
        rpc = self._rpc
        if rpc is None or self.registration != "Accepted":
            return
        try:
            await rpc.call("StatusNotification", self.status_payload(evse, connector))
        except (CallError, CallTimeout, ConnectionError) as exc:
            self.logger.info("%s: StatusNotification failed: %s", self.identity, exc)
            return
        c.reported = state

    async def _report_all_statuses(self, *, force: bool) -> None:
        for evse in self.evses.values():
            for connector in evse.connectors:
                await self._report_status(evse.id, connector, force=force)

    async def _status_changed(self, evse: int) -> None:
        for connector in self.evses[evse].connectors:
            await self._report_status(evse, connector)

    async def change_availability(self, operative: bool, evse: int | None, connector: int | None) -> None:
        """Make the station, an EVSE or a connector (In)operative now (ChangeAvailability, or a scheduled one once
        the transaction on it ended)."""
        if evse is None:
            self.operative = operative
        elif connector is None:
            self.evses[evse].operative = operative
        else:
            self.evses[evse].connectors[connector].operative = operative
        for e in self.evses:
            await self._status_changed(e)


class AvailabilityHandlers:
    """ChangeAvailability and TriggerMessage on the charging station's side of a connection."""

    def on_ChangeAvailability(self, payload: dict, unique_id: str) -> dict:
        cs = self.cs
        operative = payload["operationalStatus"] == "Operative"
        where = payload.get("evse") or {}
        evse, connector = where.get("id"), where.get("connectorId")
        if evse == 0:
            evse = None
        if evse is not None and (evse not in cs.evses or (connector is not None and
                                                          connector not in cs.evses[evse].connectors)):
            return {"status": "Rejected"}
        targets = [cs.evses[evse]] if evse is not None else list(cs.evses.values())
        busy = [e.transaction.transaction_id for e in targets if e.transaction is not None]
        if busy and not operative:  # G03.FR.05: an ongoing transaction ends first
            cs.scheduled_availability[(evse, connector)] = (operative, set(busy))
            return {"status": "Scheduled"}
        self._plan(unique_id, lambda: cs.change_availability(operative, evse, connector))
        return {"status": "Accepted"}

    def after_ChangeAvailability(self, payload: dict, unique_id: str) -> Any:
        return self._run_plan(unique_id)

    def on_TriggerMessage(self, payload: dict, unique_id: str) -> dict:
        cs = self.cs
        message = payload["requestedMessage"]
        where = payload.get("evse") or {}
        evse, connector = where.get("id"), where.get("connectorId")
        if evse is not None and (evse not in cs.evses or (connector is not None and
                                                          connector not in cs.evses[evse].connectors)):
            return {"status": "Rejected"}
        if message not in TRIGGERABLE:
            return {"status": "NotImplemented"}
        if message == "BootNotification":
            if cs.registration == "Accepted" and "boot-trigger-accepted-when-accepted" not in cs.faults:
                return {"status": "Rejected"}  # F06.FR.17: a station already Accepted does not boot again
            self._plan(unique_id, lambda: cs.triggered_boot())
            return {"status": "Accepted"}
        self._plan(unique_id, lambda: cs.triggered(message, evse, connector))
        return {"status": "Accepted"}

    def after_TriggerMessage(self, payload: dict, unique_id: str) -> Any:
        return self._run_plan(unique_id)


class Triggered:
    """What the station sends when a TriggerMessage asked for it."""

    async def triggered_boot(self) -> None:
        self.boot_reason = "Triggered"
        self._boot_wakeup.set()  # the boot loop sends it now, while Pending

    async def triggered(self, message: str, evse: int | None, connector: int | None) -> None:
        rpc = self._rpc
        if rpc is None:
            return
        try:
            if message == "Heartbeat":
                reply = await rpc.call("Heartbeat", {})
                self._sync_clock(reply.get("currentTime"))
            elif message == "StatusNotification":
                targets = [(evse, c) for c in ([connector] if connector else self.evses[evse].connectors)] \
                    if evse is not None else [(e.id, c) for e in self.evses.values() for c in e.connectors]
                for e, c in targets:
                    await self._report_status(e, c, force=True)
            elif message == "FirmwareStatusNotification":
                await rpc.call("FirmwareStatusNotification", {"status": "Idle"})
            elif message == "LogStatusNotification":
                await rpc.call("LogStatusNotification", {"status": "Idle"})
            elif message == "MeterValues":
                for e in ([self.evses[evse]] if evse is not None else self.evses.values()):
                    await rpc.call("MeterValues", {"evseId": e.id, "meterValue": [self.meter_value(e, "Trigger")]})
            elif message == "TransactionEvent":
                for e in ([self.evses[evse]] if evse is not None else self.evses.values()):
                    if e.transaction is not None:
                        await self._transaction_event(e, "Updated", "Trigger")
        except (CallError, CallTimeout, ConnectionError) as exc:
            self.logger.info("%s: triggered %s failed: %s", self.identity, message, exc)


def rejected_refusal(cs: Any, action: str) -> RpcError | None:
    """While Rejected the station answers every CSMS request with SecurityError (B03.FR.08)."""
    if cs.registration == "Rejected" and "rejected-answers-requests" not in cs.faults:
        return RpcError("SecurityError", f"registration Rejected: {action} is not answered")
    return None
