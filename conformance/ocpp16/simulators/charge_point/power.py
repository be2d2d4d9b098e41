"""Power, reboots and resets: power on and off, Reset (C16 §5.14), power failures and what back-up power allows."""

from __future__ import annotations

import asyncio
from typing import Any, Iterable

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from conformance.ocpp16.simulators.charge_point.boot import abort_connection


class PowerHandlers:
    """The Central System resets the charger."""

    @on(Action.reset)
    def on_reset(self, type: str, call_unique_id: str = "", **_: Any):
        if "reset-ignored" not in self.cp.faults:
            kind = "Hard" if "soft-reset-hard" in self.cp.faults else type
            self._plan(call_unique_id, lambda: self.cp._reset(kind))
        return call_result.Reset(status="Accepted")

    @after(Action.reset)
    def after_reset(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)


class Power:
    """Power on and off, reset, reboot, power failure."""

    def _power_on(self) -> None:
        self.registration = None
        for connector in self.connectors:
            connector.status = None
            if "availability-lost-on-reboot" in self.faults:
                connector.operative, connector.scheduled_operative = True, None
        self._spawn(self._connection_loop(), name=f"cp-{self.identity}-connection")
        self._restart_aligned_loop()

    async def _power_off(self, *, graceful: bool) -> None:
        ws = self._rpc._connection if self._rpc else None
        if ws is not None:
            if graceful:
                try:
                    await asyncio.wait_for(ws.close(), 2)
                except Exception:
                    pass
            else:
                abort_connection(ws)
        tasks = list(self._power_tasks)
        for task in tasks:
            task.cancel()
        if tasks:  # bounded: a task that outlives its cancellation must not keep the power on
            _, stuck = await asyncio.wait(tasks, timeout=5)
            for task in stuck:
                self.logger.error("%s: task %s did not stop at power off: %s", self.identity, task.get_name(),
                                  task.get_stack(limit=3))
        self._power_tasks.clear()
        self._samplers.clear()
        for connector in self.connectors:
            connector.pending_tag = None
            connector.pending_timer = None
            self._settle(connector, flowing=False)
        self.registration = None

    def _reset(self, kind: str) -> None:
        self._spawn_control(self._do_reset(kind))

    async def _do_reset(self, kind: str) -> None:
        reason = "HardReset" if kind == "Hard" else "SoftReset"
        stops = [self._stop_transaction(c, reason) for c in self.connectors[1:]]
        if kind != "Hard":
            # a soft reset stops transactions gracefully: their StopTransaction goes out before the reboot
            await self._await_delivery(stops)
        await self._restart(graceful=kind != "Hard")

    async def _await_delivery(self, futures: Iterable[asyncio.Future | None]) -> None:
        pending = [f for f in futures if f is not None]
        if pending and self._outbox_active():
            await asyncio.wait(pending, timeout=self.response_timeout)

    async def _restart(self, *, graceful: bool) -> None:
        await self._power_off(graceful=graceful)
        if not self._stopping:
            self._power_on()

    async def power_cycle(self) -> None:
        """Power failure: the connection drops at once, transactions end with reason PowerLoss (reported after the
        reboot, or before going down with the vendor key StopTransactionsBeforePowerDown: back-up power); power comes
        back after `power_off_time` and the charger boots. Returns once the power is off."""
        await self._cut_power()
        self._spawn_control(self._restore_power())

    async def _cut_power(self) -> None:
        if self._bool("StopTransactionsBeforePowerDown") and not self.faults & {"no-stop-after-power-loss", "power-loss-stop-after-reboot"}:
            await self._stop_on_backup_power()
        if self._rpc is not None:
            abort_connection(self._rpc._connection)  # nothing more leaves the charger
        interrupted = [c for c in self.connectors[1:] if c.transaction is not None]
        for c in interrupted:
            if "no-stop-after-power-loss" in self.faults:
                c.transaction = None
                continue
            self._stop_transaction(c, "PowerLoss")
        for c in self.connectors:
            c.ev_suspended = False
        await self._power_off(graceful=False)

    async def _stop_on_backup_power(self) -> None:
        """Running on back-up power: end the transactions (reason PowerLoss) and report them, with the connectors'
        new status, before shutting down (bounded by the response timeout)."""
        pending = [self._stop_transaction(c, "PowerLoss") for c in self.connectors[1:] if c.transaction is not None]
        loop = asyncio.get_running_loop()
        for item in self._outbox:
            if item.action == "StatusNotification" and item.future is None:
                item.future = loop.create_future()
                pending.append(item.future)
        await self._await_delivery(pending)

    async def _restore_power(self) -> None:
        await asyncio.sleep(self.power_off_time)
        if not self._stopping:
            self._power_on()

    async def reboot(self) -> None:
        """Operator reboot: transactions are stopped (reason Reboot) and reported, the charger shuts down, then
        starts again and boots. Returns once it is down."""
        await self._await_delivery([self._stop_transaction(c, "Reboot") for c in self.connectors[1:]])
        await self._power_off(graceful=True)
        self._spawn_control(self._restore_power())
