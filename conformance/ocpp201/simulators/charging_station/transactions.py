"""Transactions (Part 2 E): a transaction runs from power path closed (cable in and driver authorized, C01/E01/E02)
to its end (driver, cable, CSMS or reset), reported with TransactionEvent Started / Updated / Ended in order, queued
while offline (E04); remote start and stop (F01/F02); Authorize of the driver's IdToken (C01)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from conformance.ocpp201.simulators.charging_station.state import Evse, Outgoing, Transaction
from conformance.ocpp201.simulators.rpc import CallError, CallTimeout

ENERGY = "Energy.Active.Import.Register"
WH_PER_READING = 125.0  # energy the simulated EV draws between two readings


class Transactions:
    """The station's transactions and the queue that carries their events."""

    def meter_value(self, e: Evse, context: str) -> dict:
        return {"timestamp": self.timestamp(), "sampledValue": [
            {"value": round(e.energy_wh, 1), "context": context, "measurand": ENERGY, "unitOfMeasure": {"unit": "Wh"}}]}

    def id_token(self, token: str) -> dict:
        return {"idToken": token, "type": self.token_types.get(token, "ISO14443")}

    # -- events -----------------------------------------------------------------------------------------------------
    async def _transaction_event(self, e: Evse, event_type: str, trigger: str, *, tx: Transaction | None = None,
                                 stopped_reason: str | None = None, wait: bool = True) -> dict | None:
        """Send (or queue) a TransactionEvent of the transaction on `e`; returns the CSMS's answer when sent now."""
        tx = tx or e.transaction
        if tx is None:
            return None
        e.energy_wh += WH_PER_READING
        info: dict[str, Any] = {"transactionId": tx.transaction_id,
                                "chargingState": "Charging" if event_type != "Ended" else "EVConnected"}
        payload: dict[str, Any] = {"eventType": event_type, "timestamp": self.timestamp(), "triggerReason": trigger,
                                   "seqNo": tx.seq_no, "transactionInfo": info,
                                   "evse": {"id": e.id, "connectorId": tx.connector}}
        if "transaction-seqno-repeated" in self.faults and event_type == "Ended":
            payload["seqNo"] = max(0, tx.seq_no - 1)
        tx.seq_no += 1
        if event_type == "Started":
            if tx.id_token is not None:
                payload["idToken"] = tx.id_token
            if tx.remote_start_id is not None:
                info["remoteStartId"] = tx.remote_start_id
            payload["meterValue"] = [self.meter_value(e, "Transaction.Begin")]
        elif event_type == "Ended":
            info["stoppedReason"] = stopped_reason or "Local"
            if not self.evses[e.id].connector.plugged:
                info["chargingState"] = "Idle"
            payload["meterValue"] = [self.meter_value(e, "Transaction.End")]
        if self._rpc is None or self.registration != "Accepted":
            payload["offline"] = True
        item = Outgoing("TransactionEvent", payload, asyncio.get_running_loop().create_future())
        self._outbox.append(item)
        self._outbox_event.set()
        if not wait or self._rpc is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(item.future), self.response_timeout * 2)
        except (asyncio.TimeoutError, ConnectionError, CallError):
            return None

    async def _outbox_worker(self, rpc: Any) -> None:
        """Deliver the queued transaction events in order; a failed delivery is tried again after
        MessageAttemptInterval, at most MessageAttempts times (E13)."""
        while True:
            while not self._outbox:
                self._outbox_event.clear()
                await self._outbox_event.wait()
            item = self._outbox[0]
            try:
                reply = await rpc.call(item.action, item.payload)
            except CallError as exc:
                item.attempts += 1
                if item.attempts >= max(1, self.model.int_value("OCPPCommCtrlr", "MessageAttempts", 3,
                                                                instance="TransactionEvent")):
                    self._outbox.popleft()
                    self._wake()
                    if item.future and not item.future.done():
                        item.future.set_exception(exc)
                        item.future.exception()
                    continue
                await asyncio.sleep(self.model.int_value("OCPPCommCtrlr", "MessageAttemptInterval", 10,
                                                         instance="TransactionEvent") * item.attempts)
                continue
            except (CallTimeout, ConnectionError):
                return  # the connection went: the item stays queued for the next one
            self._outbox.popleft()
            self._wake()
            if item.future and not item.future.done():
                item.future.set_result(reply)
            await self._answered(item, reply)

    async def _answered(self, item: Outgoing, reply: dict) -> None:
        """A TransactionEvent's answer: an IdToken the CSMS does not accept ends the transaction (StopTxOnInvalidId,
        E05)."""
        info = reply.get("idTokenInfo")
        tx_id = item.payload["transactionInfo"]["transactionId"]
        if not isinstance(info, dict) or info.get("status") == "Accepted":
            return
        for e in self.evses.values():
            if e.transaction is not None and e.transaction.transaction_id == tx_id:
                if self.model.bool_value("TxCtrlr", "StopTxOnInvalidId", True):
                    self._spawn(self._end_transaction(e, "DeAuthorized", "Deauthorized"))

    # -- starting and ending ----------------------------------------------------------------------------------------
    async def _start_transaction(self, e: Evse, id_token: dict, trigger: str, remote_start_id: int | None = None
                                 ) -> Transaction:
        self._stop_cable_timer(e)
        e.authorized = None
        tx = Transaction(transaction_id=str(uuid.uuid4()), evse=e.id, connector=1, id_token=id_token,
                         started_at=self.timestamp(), meter_start=e.energy_wh, remote_start_id=remote_start_id)
        e.transaction = tx
        await self._status_changed(e.id)
        await self._transaction_event(e, "Started", trigger)
        return tx

    async def _end_transaction(self, e: Evse, reason: str, trigger: str, *, wait: bool = True) -> None:
        tx = e.transaction
        if tx is None:
            return
        e.transaction = None
        tx.ended = True
        if "ended-event-missing" not in self.faults or reason != "ImmediateReset":
            await self._transaction_event(e, "Ended", trigger, tx=tx, stopped_reason=reason, wait=wait)
        await self._status_changed(e.id)
        await self._transaction_gone(tx)

    async def _transaction_gone(self, tx: Transaction) -> None:
        """A transaction ended: a reset or an availability change that waited for it may go ahead (B12, G03)."""
        reset = self.scheduled_reset
        if reset is not None and tx.transaction_id in reset.waiting_for:
            reset.waiting_for.discard(tx.transaction_id)
            if "reset-after-first-transaction" in self.faults:
                reset.waiting_for.clear()
            if not reset.waiting_for and "scheduled-reset-forgotten" not in self.faults:
                self.scheduled_reset = None
                self._spawn_control(self._carry_out_reset(reset.kind, reset.evse))
        for key, (operative, waiting) in list(self.scheduled_availability.items()):
            waiting.discard(tx.transaction_id)
            if not waiting:
                del self.scheduled_availability[key]
                await self.change_availability(operative, *key)

    async def authorize(self, token: str) -> dict:
        """The IdTokenInfo of `token` from the CSMS (Authorize), or Invalid when that fails."""
        rpc = self._rpc
        if rpc is None or self.registration != "Accepted":
            return {"status": "Invalid"}
        try:
            reply = await rpc.call("Authorize", {"idToken": self.id_token(token)})
        except (CallError, CallTimeout, ConnectionError):
            return {"status": "Invalid"}
        return reply.get("idTokenInfo") or {"status": "Invalid"}

    def _start_cable_timer(self, e: Evse) -> None:
        self._stop_cable_timer(e)
        timeout = self.model.int_value("TxCtrlr", "EVConnectionTimeOut", 60)
        e.cable_timer = self._spawn(self._cable_timeout(e, timeout))

    def _stop_cable_timer(self, e: Evse) -> None:
        if e.cable_timer is not None and not e.cable_timer.done() and e.cable_timer is not asyncio.current_task():
            e.cable_timer.cancel()
        e.cable_timer = None

    async def _cable_timeout(self, e: Evse, timeout: float) -> None:
        await asyncio.sleep(timeout)
        e.authorized = None


class TransactionHandlers:
    """RequestStartTransaction and RequestStopTransaction on the station's side of a connection."""

    def on_RequestStartTransaction(self, payload: dict, unique_id: str) -> dict:
        cs = self.cs
        evse = payload.get("evseId")
        free = [e for e in cs.evses.values() if e.transaction is None and cs.connector_state(e.id) != "Unavailable"]
        target = cs.evses.get(evse) if evse is not None else (free[0] if free else None)
        if target is None or target not in free:
            return {"status": "Rejected"}
        self._plan(unique_id, lambda: cs.remote_start(target, payload["idToken"], payload.get("remoteStartId")))
        return {"status": "Accepted"}

    def after_RequestStartTransaction(self, payload: dict, unique_id: str) -> Any:
        return self._run_plan(unique_id)

    def on_RequestStopTransaction(self, payload: dict, unique_id: str) -> dict:
        cs = self.cs
        for e in cs.evses.values():
            if e.transaction is not None and e.transaction.transaction_id == payload.get("transactionId"):
                self._plan(unique_id, lambda e=e: cs._end_transaction(e, "Remote", "RemoteStop"))
                return {"status": "Accepted"}
        return {"status": "Rejected"}

    def after_RequestStopTransaction(self, payload: dict, unique_id: str) -> Any:
        return self._run_plan(unique_id)


class RemoteStart:
    async def remote_start(self, e: Evse, id_token: dict, remote_start_id: int | None) -> None:
        """After an accepted RequestStartTransaction: Authorize when AuthorizeRemoteStart is true, then start once the
        cable is in (F01)."""
        if self.model.bool_value("AuthCtrlr", "AuthorizeRemoteStart", True):
            info = await self.authorize(id_token["idToken"])
            if info.get("status") != "Accepted":
                return
        if e.connector.plugged:
            await self._start_transaction(e, id_token, "RemoteStart", remote_start_id)
        else:
            e.authorized = id_token
            self.remote_start_ids[e.id] = remote_start_id
            self._start_cable_timer(e)
