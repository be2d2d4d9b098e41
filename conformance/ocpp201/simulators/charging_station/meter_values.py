"""Meter values (Part 2 J01-J02): readings sampled during a transaction every SampledDataCtrlr.TxUpdatedInterval
(TransactionEvent Updated, MeterValuePeriodic) and every TxEndedInterval (kept for the Ended event), clock-aligned
readings every AlignedDataCtrlr.Interval (TransactionEvent Updated MeterValueClock in a transaction, MeterValues
outside one) and every AlignedDataCtrlr.TxEndedInterval (kept for the Ended event); the measurands the Measurands
variables list, signed when SignReadings is true."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import time
from typing import Any

from conformance.ocpp201.simulators.charging_station.state import Evse, Transaction

WH_PER_READING = 125.0  # energy the simulated EV draws between two readings while charging
_UNITS = {"Energy.Active.Import.Register": "Wh", "Energy.Active.Import.Interval": "Wh", "Power.Active.Import": "W",
          "Current.Import": "A", "Current.Offered": "A", "Voltage": "V", "SoC": "Percent"}
SIGNING_METHOD = "ECDSA-secp256r1-SHA256"
ENCODING_METHOD = "OCMF"


def _next_boundary(interval: float) -> float:
    """The next wall-clock moment (epoch seconds) that is a whole multiple of `interval` (J01: aligned to midnight)."""
    now = time.time()
    return (math.floor(now / interval) + 1) * interval


class MeterValues:
    """The station's meters and the timers that read them."""

    def measurands(self, component: str, variable: str) -> list[str]:
        text = self.model.value(component, variable)
        return [m.strip() for m in text.split(",") if m.strip()]

    def reading(self, e: Evse, context: str, measurands: list[str], *, signed: bool = False) -> dict:
        """One MeterValueType of EVSE `e` now, with a sampledValue per measurand."""
        charging = e.transaction is not None and e.connector.plugged and not e.ev_suspended \
            and e.transaction.authorized
        if charging:
            e.energy_wh += WH_PER_READING
        values = []
        for measurand in measurands or ["Energy.Active.Import.Register"]:
            value = {"Energy.Active.Import.Register": round(e.energy_wh, 1),
                     "Energy.Active.Import.Interval": WH_PER_READING if charging else 0.0,
                     "Power.Active.Import": 11000.0 if charging else 0.0, "Current.Import": 16.0 if charging else 0.0,
                     "Current.Offered": 16.0, "Voltage": 230.0, "SoC": 50.0}.get(measurand, 0.0)
            sampled: dict[str, Any] = {"value": value, "context": context, "measurand": measurand,
                                       "unitOfMeasure": {"unit": _UNITS.get(measurand, "Wh")}}
            if signed and "signed-readings-missing" not in self.faults:
                sampled["signedMeterValue"] = self._signed(e, measurand, value)
            values.append(sampled)
        return {"timestamp": self.timestamp(), "sampledValue": values}

    def _signed(self, e: Evse, measurand: str, value: float) -> dict:
        """The reading as its meter signs it (OCMF-like data, the meter's digest standing in for its signature)."""
        data = json.dumps({"evse": e.id, "measurand": measurand, "value": value, "time": self.timestamp()},
                          separators=(",", ":"))
        digest = hashlib.sha256(f"{self.identity}:{data}".encode()).digest()
        return {"signedMeterData": base64.b64encode(data.encode() + b"|" + digest).decode(),
                "signingMethod": SIGNING_METHOD, "encodingMethod": ENCODING_METHOD,
                "publicKey": base64.b64encode(hashlib.sha256(self.identity.encode()).digest()).decode()}

    def signs(self, component: str) -> bool:
        return self.model.bool_value(component, "SignReadings", False)

    def meters_changed(self) -> None:
        """A meter value variable changed: the timers start over with the new values."""
        self._meter_wakeup.set()

    # -- timers ------------------------------------------------------------------------------------------------------
    async def _aligned_idle_loop(self) -> None:
        """Clock-aligned MeterValues of the EVSEs without a transaction, every AlignedDataCtrlr.Interval (J01)."""
        while True:
            interval = self.model.int_value("AlignedDataCtrlr", "Interval", 0)
            if "aligned-interval-long" in self.faults:
                interval *= 2
            self._meter_wakeup.clear()
            if interval <= 0:
                await self._meter_wakeup.wait()
                continue
            delay = _next_boundary(interval) - time.time()
            try:
                await asyncio.wait_for(self._meter_wakeup.wait(), delay)
                continue
            except asyncio.TimeoutError:
                pass
            if self._rpc is None or self.registration != "Accepted":
                continue  # not transaction-related: not queued while offline
            for e in list(self.evses.values()):
                if e.transaction is not None and "aligned-meter-values-in-transaction" not in self.faults:
                    continue
                reading = self.reading(e, "Sample.Clock", self.measurands("AlignedDataCtrlr", "Measurands"),
                                       signed=self.signs("AlignedDataCtrlr"))
                self._spawn(self._send_meter_values(e.id, reading))

    async def _send_meter_values(self, evse: int, reading: dict) -> None:
        rpc = self._rpc
        if rpc is None:
            return
        try:
            await rpc.call("MeterValues", {"evseId": evse, "meterValue": [reading]})
        except Exception as exc:  # a failed MeterValues is not retried (not transaction-related)
            self.logger.info("%s: MeterValues failed: %s", self.identity, exc)

    async def _transaction_meters(self, e: Evse, tx: Transaction) -> None:
        """The readings of a running transaction: sampled every TxUpdatedInterval (Updated, MeterValuePeriodic) and
        every TxEndedInterval (kept for Ended), clock-aligned every Interval (Updated, MeterValueClock) and every
        AlignedDataCtrlr.TxEndedInterval (kept for Ended)."""
        start = time.time()
        due: dict[str, float] = {}
        while not tx.ended:
            timers = {
                "updated": self.model.int_value("SampledDataCtrlr", "TxUpdatedInterval", 0),
                "ended": self.model.int_value("SampledDataCtrlr", "TxEndedInterval", 0),
                "clock": self.model.int_value("AlignedDataCtrlr", "Interval", 0),
                "clock-ended": self.model.int_value("AlignedDataCtrlr", "TxEndedInterval", 0),
            }
            if "sampled-interval-long" in self.faults and timers["updated"] > 0:
                timers["updated"] *= 2
            for name, interval in timers.items():
                if interval <= 0:
                    due.pop(name, None)
                elif name not in due:
                    due[name] = _next_boundary(interval) if name.startswith("clock") else \
                        start + interval * (math.floor((time.time() - start) / interval) + 1)
            self._meter_wakeup.clear()
            if not due:
                await self._meter_wakeup.wait()
                due.clear()
                continue
            name = min(due, key=due.__getitem__)
            try:
                await asyncio.wait_for(self._meter_wakeup.wait(), max(0.0, due[name] - time.time()))
                due.clear()  # a variable changed: every timer starts over
                continue
            except asyncio.TimeoutError:
                pass
            if tx.ended or e.transaction is not tx:
                return
            due[name] += timers[name]
            if name == "updated":
                reading = self.reading(e, "Sample.Periodic", self.measurands("SampledDataCtrlr", "TxUpdatedMeasurands"),
                                       signed=self.signs("SampledDataCtrlr"))
                self._spawn(self._transaction_event(e, "Updated", "MeterValuePeriodic", meter_values=[reading]))
            elif name == "clock":
                if "clock-aligned-in-transaction-missing" in self.faults:
                    continue
                reading = self.reading(e, "Sample.Clock", self.measurands("AlignedDataCtrlr", "Measurands"),
                                       signed=self.signs("AlignedDataCtrlr"))
                self._spawn(self._transaction_event(e, "Updated", "MeterValueClock", meter_values=[reading]))
            elif name == "ended":
                tx.ended_readings.append(self.reading(
                    e, "Sample.Periodic", self.measurands("SampledDataCtrlr", "TxEndedMeasurands"),
                    signed=self.signs("SampledDataCtrlr")))
            else:
                tx.ended_readings.append(self.reading(
                    e, "Sample.Clock", self.measurands("AlignedDataCtrlr", "TxEndedMeasurands"),
                    signed=self.signs("AlignedDataCtrlr")))
