"""Connector status (derived from what is physically going on, reported on change), availability
(ChangeAvailability, C16 §5.2) and the connector lock (UnlockConnector, C16 §5.18)."""

from __future__ import annotations

from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from conformance.ocpp16.simulators.charge_point.state import Connector, Outgoing


class ConnectorHandlers:
    """The Central System changes availability and unlocks connectors."""

    @on(Action.unlock_connector)
    def on_unlock_connector(self, connector_id: int, **_: Any):
        cp = self.cp
        if not 1 <= connector_id <= len(cp.connectors) - 1:
            status = "Unlocked" if "unlock-unknown-connector-unlocked" in cp.faults else "NotSupported"
            return call_result.UnlockConnector(status=status)
        connector = cp.connectors[connector_id]
        if connector.transaction is not None and "unlock-keeps-transaction" not in cp.faults:
            # "the Charge Point SHALL finish the transaction first" (C16 §5.18)
            cp._stop_transaction(connector, "UnlockCommand")
        if cp.fixed_cable and "fixed-cable-unlock-unlocked" not in cp.faults:
            return call_result.UnlockConnector(status="NotSupported")  # a fixed cable has no connector lock to open
        if "unlock-not-supported" in cp.faults:
            return call_result.UnlockConnector(status="NotSupported")
        if connector.unlock_fails:
            return call_result.UnlockConnector(status="Unlocked" if "unlock-failure-hidden" in cp.faults else "UnlockFailed")
        connector.locked_for = None
        cp._refresh(connector)
        return call_result.UnlockConnector(status="Unlocked")

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str, call_unique_id: str = "", **_: Any):
        cp = self.cp
        if not 0 <= connector_id <= len(cp.connectors) - 1:
            return call_result.ChangeAvailability(status="Rejected")
        operative = type == "Operative"
        targets = cp.connectors[1:] if connector_id == 0 else [cp.connectors[connector_id]]
        scheduled = any(c.transaction is not None and not operative for c in targets)
        self._plan(call_unique_id, lambda: cp._change_availability(connector_id, operative))
        return call_result.ChangeAvailability(status="Scheduled" if scheduled else "Accepted")

    @after(Action.change_availability)
    def after_change_availability(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)


class Connectors:
    """Status derivation and reporting, availability."""

    def _derive(self, c: Connector) -> tuple[str, str]:
        if c.id == 0:
            if c.fault:
                return "Faulted", c.fault
            return ("Available" if c.operative else "Unavailable"), "NoError"
        if c.fault:
            return "Faulted", c.fault
        if c.stuck:
            return "Finishing", "NoError"
        if c.lock_failure:
            return "Faulted", "ConnectorLockFailure"
        tx = c.transaction
        if tx is not None:
            if not tx.reported:
                return "Preparing", "NoError"
            if tx.deauthorized:
                return "SuspendedEVSE", "NoError"
            if c.ev_suspended or not c.plugged:
                return "SuspendedEV", "NoError"
            return "Charging", "NoError"
        if not c.operative or not self.connectors[0].operative:
            return "Unavailable", "NoError"
        if c.finishing or c.locked_for:
            return "Finishing", "NoError"
        if self._shows_reserved(c):
            return "Reserved", "NoError"
        if c.pending_tag or c.plugged:
            return "Preparing", "NoError"
        return "Available", "NoError"

    def _refresh(self, c: Connector) -> None:
        """Recompute a connector's status and energy flow; report a changed status."""
        self._settle(c, flowing=self._flowing(c))
        new = self._derive(c)
        if new == c.status:
            return
        previous, c.status = c.status, new
        if previous is None and self.registration != "Accepted":
            return  # reported with all others once the boot is accepted
        if self._skips_status(c):
            self.logger.info("%s: not reporting %s on connector %d (fault)", self.identity, new[0], c.id)
        elif self._outbox_active():
            self._queue_status(c)
        else:
            self._dirty_status.add(c.id)
        self._wake()

    def _skips_status(self, c: Connector) -> bool:
        return "skip-status-notification" in self.faults and c.id > 0 and (c.status or ("",))[0] in ("Preparing", "Available")

    def _refresh_all(self) -> None:
        for c in self.connectors:
            self._refresh(c)

    def _status_payload(self, c: Connector) -> dict:
        status, error_code = c.status or self._derive(c)
        return {"connectorId": c.id, "errorCode": error_code, "status": status, "timestamp": self.timestamp()}

    def _queue_status(self, c: Connector, *, front: bool = False) -> None:
        if c.status is None:
            c.status = self._derive(c)
        self._enqueue(Outgoing("StatusNotification", self._status_payload(c), connector_id=c.id), front=front)

    def _queue_all_statuses(self, *, front: bool) -> None:
        for c in self.connectors:
            self._settle(c, flowing=self._flowing(c))
            c.status = self._derive(c)
        items = [
            Outgoing("StatusNotification", self._status_payload(c), connector_id=c.id)
            for c in self.connectors
            if not self._skips_status(c)
        ]
        for item in reversed(items) if front else items:
            self._enqueue(item, front=front)
        self._dirty_status.clear()

    def _change_availability(self, connector_id: int, operative: bool) -> None:
        targets = self.connectors[1:] if connector_id == 0 else [self.connectors[connector_id]]
        if connector_id == 0:
            self.connectors[0].operative = operative
        for c in targets:
            if c.transaction is not None and not operative:
                c.scheduled_operative = False
            else:
                c.operative = operative
                c.scheduled_operative = None
        self._end_blocked_reservations()
        self._refresh_all()
