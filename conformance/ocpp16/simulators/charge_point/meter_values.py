"""The energy meter and MeterValues: sampled values during transactions (MeterValueSampleInterval) and
clock-aligned ones (ClockAlignedDataInterval, C16 §3.16)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from conformance.ocpp16.simulators.charge_point.state import MEASURANDS, Connector, Outgoing, Transaction
from conformance.ocpp16.simulators.faults import TIMER_LONG, TIMER_SHORT
from conformance.timestamps import iso


class MeterValues:
    """Energy flow, samples and the two sampling loops."""

    def _flowing(self, c: Connector) -> bool:
        tx = c.transaction
        return bool(
            tx and tx.reported and not tx.deauthorized and c.plugged and not c.ev_suspended and not c.fault
        )

    def _settle(self, c: Connector, *, flowing: bool) -> None:
        now = time.monotonic()
        if c.flowing_since is not None:
            elapsed = now - c.flowing_since
            c.energy_wh += self._drawn_w(c.id) * elapsed / 3600.0
            c.soc = min(100.0, c.soc + elapsed * 0.05)
        c.flowing_since = now if flowing else None

    def meter_wh(self, connector_id: int) -> float:
        c = self.connectors[connector_id]
        self._settle(c, flowing=c.flowing_since is not None)
        return c.energy_wh

    def _sample(self, c: Connector, measurands: list[str], context: str, at: datetime | None = None) -> dict:
        flowing = c.flowing_since is not None
        energy = self.meter_wh(c.id)
        power = self._drawn_w(c.id) if flowing else 0.0
        offered_a, offered_w = self._offered(c.id)  # the limit of the charging profiles (smart_charging.py)
        values = {
            "Energy.Active.Import.Register": f"{energy:.0f}",
            "Power.Active.Import": f"{power:.0f}",
            "Current.Import": f"{power / 230.0 / 3:.1f}",
            "Current.Offered": f"{offered_a:.1f}",
            "Power.Offered": f"{offered_w:.0f}",
            "Voltage": "230.0",
            "Frequency": "50.0",
            "Temperature": "25.0",
            "SoC": f"{c.soc:.0f}",
        }
        sampled = []
        for measurand in measurands:
            unit, location = MEASURANDS[measurand]
            value = {"value": values[measurand], "context": context, "format": "Raw", "measurand": measurand}
            if location:
                value["location"] = location
            if unit:
                value["unit"] = unit
            sampled.append(value)
        return {"timestamp": iso(at) if at else self.timestamp(), "sampledValue": sampled}

    def _measurands(self, key: str) -> list[str]:
        return [m.strip() for m in self.config.get(key, "").split(",") if m.strip() in MEASURANDS]

    def _start_sampler(self, c: Connector) -> None:
        old = self._samplers.pop(c.id, None)
        if old:
            old.cancel()
        if c.transaction is not None and "meter-values-missing" not in self.faults:
            self._samplers[c.id] = self._spawn(self._sampler(c, c.transaction))

    async def _sampler(self, c: Connector, tx: Transaction) -> None:
        while c.transaction is tx:
            interval: float = self._int("MeterValueSampleInterval")
            measurands = self._measurands("MeterValuesSampledData")
            if interval <= 0 or not measurands:
                return
            if "sample-interval-short" in self.faults:
                interval *= TIMER_SHORT
            elif "sample-interval-long" in self.faults:
                interval *= TIMER_LONG
            await asyncio.sleep(interval)
            if c.transaction is not tx:
                return
            context = "Sample.Clock" if "meter-values-wrong-context" in self.faults else "Sample.Periodic"
            sample = self._sample(c, measurands, context)
            if "meter-values-not-monotonic" in self.faults:
                self._overshoot_energy(sample, tx)
            if "meter-value-not-a-number" in self.faults:
                for value in sample["sampledValue"]:
                    if value["measurand"] == "Energy.Active.Import.Register":
                        value["value"] = "n/a"
            payload = {"connectorId": c.id, "meterValue": [sample]}
            self._enqueue_transactional(Outgoing("MeterValues", payload, tx=tx))

    def _overshoot_energy(self, sample: dict, tx: Transaction) -> None:
        """Fault: the first periodic reading of the energy register is 1 kWh too high, so the next one goes down."""
        tx.periodic_readings += 1
        if tx.periodic_readings > 1:
            return
        for value in sample["sampledValue"]:
            if value.get("measurand") == "Energy.Active.Import.Register":
                value["value"] = str(int(float(value["value"])) + 1000)

    def _restart_aligned_loop(self) -> None:
        for task in list(self._power_tasks):
            if task.get_name() == "aligned":
                task.cancel()
        if "meter-values-missing" not in self.faults:
            self._spawn(self._aligned_loop(), name="aligned")

    async def _aligned_loop(self) -> None:
        last: datetime | None = None
        instants = 0
        while True:
            interval = self._int("ClockAlignedDataInterval")
            if interval <= 0:
                return
            now = self.now()
            midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
            elapsed = (now - midnight).total_seconds()
            boundary = midnight + timedelta(seconds=(int(elapsed // interval) + 1) * interval)
            if last is not None and boundary <= last:  # woke a hair early: that instant is already reported
                boundary = last + timedelta(seconds=interval)
            drift = interval * (TIMER_LONG - 1) if "clock-aligned-drift" in self.faults else 0.0
            await asyncio.sleep(max(0.0, (boundary - self.now()).total_seconds() + drift))
            last = boundary
            instants += 1
            measurands = self._measurands("MeterValuesAlignedData")
            if not measurands or ("clock-aligned-skipped" in self.faults and instants % 2 == 0):
                continue
            context = "Sample.Periodic" if "meter-values-wrong-context" in self.faults else "Sample.Clock"
            stamp = boundary + timedelta(seconds=interval / 2) if "clock-aligned-unaligned" in self.faults else boundary
            stamp += timedelta(seconds=drift)  # a drifting charger reads (and stamps) late
            for c in self.connectors[1:]:
                # the reading belongs to the aligned instant (C16 §3.16.2), whatever the scheduling delay
                payload = {"connectorId": c.id, "meterValue": [self._sample(c, measurands, context, stamp)]}
                if c.transaction is not None:
                    self._enqueue_transactional(Outgoing("MeterValues", payload, tx=c.transaction))
                elif self._outbox_active():
                    self._enqueue(Outgoing("MeterValues", payload))
