"""What people do at the charger, through the driver: cables, cards, faults, the network. Each action returns
at once, like a person's; the charger reacts in background tasks."""

from __future__ import annotations

from typing import Any

from conformance.ocpp16.simulators.charge_point.boot import abort_connection
from conformance.ocpp16.simulators.charge_point.state import Connector
from conformance.ocpp16.simulators.rpc import RpcEndpoint


class PhysicalActions:
    """The driver's actions on the charger."""

    async def plug_in(self, connector: int) -> None:
        c = self._connector(connector)
        c.plugged = True
        if c.transaction is not None:
            self._refresh(c)  # EV back after an EV-side disconnect
        elif c.pending_tag is not None and c.pending_timer is not None:
            tag, parent = c.pending_tag
            self._spawn(self._start_transaction(c, tag, parent))
        else:
            self._refresh(c)

    async def unplug(self, connector: int) -> None:
        c = self._connector(connector)
        c.plugged = False
        c.lock_failure = False
        tx = c.transaction
        if tx is not None and tx.reported:
            if self._bool("StopTransactionOnEVSideDisconnect") or "ev-disconnect-always-stops" in self.faults:
                keep_locked = not self._bool("UnlockConnectorOnEVSideDisconnect") and "unlock-on-ev-disconnect-always" not in self.faults
                if keep_locked and not self.fixed_cable:
                    c.locked_for = tx.id_tag  # locked until the owner presents the idTag again
                self._stop_transaction(c, "EVDisconnected")
            else:
                self._refresh(c)  # SuspendedEV, transaction goes on
            return
        c.finishing = False
        self._refresh(c)

    async def present_id_tag(self, id_tag: str, connector: int | None = None) -> None:
        if connector is not None:
            self._connector(connector)
        self._spawn(self._present(id_tag, connector))

    async def go_offline(self) -> None:
        self._network_up.clear()
        self._samples_queued_offline = 0
        if self._rpc is not None:
            abort_connection(self._rpc._connection)

    async def come_online(self) -> None:
        self._network_up.set()

    async def raise_fault(self, connector: int, error_code: str = "OtherError") -> None:
        c = self._connector(connector, allow_zero=True)
        c.fault = error_code
        self._end_blocked_reservations()
        self._refresh_all()

    async def clear_fault(self, connector: int) -> None:
        c = self._connector(connector, allow_zero=True)
        c.fault = None
        c.lock_failure = False
        self._refresh(c)

    async def make_lock_fail(self, connector: int, fail: bool = True) -> None:
        c = self._connector(connector)
        c.lock_fails = bool(fail)
        if not fail and c.lock_failure:
            c.lock_failure = False
            self._refresh(c)

    async def make_unlock_fail(self, connector: int, fail: bool = True) -> None:
        self._connector(connector).unlock_fails = bool(fail)

    async def suspend_ev(self, connector: int) -> None:
        c = self._connector(connector)
        c.ev_suspended = True
        self._refresh(c)

    async def resume_ev(self, connector: int) -> None:
        c = self._connector(connector)
        c.ev_suspended = False
        self._refresh(c)

    async def send_raw(self, text: str) -> None:
        """Put a frame on the wire as is (for tests of the Central System's framing checks)."""
        await self._require_online().send_raw(text)

    def _require_online(self) -> RpcEndpoint:
        if self._rpc is None:
            raise ConnectionError(f"charge point {self.identity} is not connected to {self.url}")
        return self._rpc

    def _connector(self, connector: Any, *, allow_zero: bool = False) -> Connector:
        try:
            number = int(connector)
        except (TypeError, ValueError):
            raise ValueError(f"connector must be a number, got {connector!r}") from None
        low = 0 if allow_zero else 1
        if not low <= number < len(self.connectors):
            raise ValueError(f"connector {number} does not exist (this charge point has 1..{len(self.connectors) - 1})")
        return self.connectors[number]
