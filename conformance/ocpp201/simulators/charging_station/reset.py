"""Reset (Part 2 B11, B12): the whole station reboots (BootNotification RemoteReset), or one EVSE is reset; OnIdle
waits until the transactions it concerns have ended (Scheduled), Immediate ends them first (ImmediateReset)."""

from __future__ import annotations

import asyncio
from typing import Any

from conformance.ocpp201.simulators.charging_station.state import ScheduledReset

EVSE_RESET_S = 0.2  # how long an EVSE reset keeps it Unavailable


class ResetHandlers:
    def on_Reset(self, payload: dict, unique_id: str) -> dict:
        cs = self.cs
        kind, evse = payload["type"], payload.get("evseId")
        if evse is not None:
            if (not cs.supports_evse_reset and "evse-reset-unsupported-accepted" not in cs.faults) \
                    or evse not in cs.evses:
                return {"status": "Rejected"}  # B11.FR.?/B12.FR.09: a station that cannot reset one EVSE refuses
            targets = [cs.evses[evse]]
        else:
            targets = list(cs.evses.values())
        busy = {e.transaction.transaction_id for e in targets if e.transaction is not None}
        if "reset-ignored" in cs.faults:
            return {"status": "Accepted"}
        if busy and kind == "OnIdle" and "on-idle-reset-immediate" not in cs.faults:
            if cs.scheduled_reset is None or cs.scheduled_reset.evse is not None:
                cs.scheduled_reset = ScheduledReset(kind, evse, set(busy))
            return {"status": "Scheduled"}  # B12.FR.01: after the transactions have ended
        self._plan(unique_id, lambda: cs._carry_out_reset(kind, evse))
        return {"status": "Accepted"}

    def after_Reset(self, payload: dict, unique_id: str) -> Any:
        return self._run_plan(unique_id)


class Resetting:
    async def _carry_out_reset(self, kind: str, evse: int | None) -> None:
        targets = [self.evses[evse]] if evse is not None else list(self.evses.values())
        if kind == "Immediate":  # B12.FR.04/B12.FR.06: running transactions end first
            for e in targets:
                if e.transaction is not None:
                    await self._end_transaction(e, "ImmediateReset", "ResetCommand")
        if evse is not None and "evse-reset-reboots-station" not in self.faults:
            e = self.evses[evse]
            e.resetting = True
            await self._status_changed(evse)
            await asyncio.sleep(EVSE_RESET_S)
            e.resetting = False
            await self._status_changed(evse)
            return
        await self._drain_outbox()
        await self._power_off()
        await asyncio.sleep(self.power_off_time)
        self.boot_reason = "RemoteReset"
        self._power_on()

    async def _drain_outbox(self) -> None:
        """Before rebooting, the events of the transactions the reset ended are delivered (bounded)."""
        try:
            await self.wait_for(lambda: not self._outbox or self._rpc is None, self.response_timeout)
        except asyncio.TimeoutError:
            pass
