"""Transactions (Part 2 E): when a transaction starts and ends is decided by TxCtrlr.TxStartPoint and TxStopPoint
(E01-E03: the parking bay, the EV connected, the driver authorized, signed data, the power path closed, energy
flowing); it is reported with TransactionEvent Started / Updated / Ended, seqNo counting from 0, queued while offline
(E04, flagged `offline`) and delivered in order, a failed message tried MessageAttempts times (E13); the driver's
IdToken is authorized (C01) and withdrawn by the CSMS's answer (StopTxOnInvalidId, E05); EV-side disconnects
(E10); remote start and stop (F01/F02); GetTransactionStatus (E14)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from conformance.ocpp201.simulators.charging_station.state import Evse, Outgoing, Transaction
from conformance.ocpp201.simulators.rpc import CallError, CallTimeout
from conformance.timestamps import iso

ACCEPTED = "Accepted"


class Transactions:
    """The station's transactions and the queue that carries their events."""

    def id_token(self, token: str) -> dict:
        return {"idToken": token, "type": self.token_types.get(token, "ISO14443")}

    def tx_points(self, name: str) -> set[str]:
        return {p.strip() for p in self.model.value("TxCtrlr", name).split(",") if p.strip()}

    def _conditions(self, e: Evse) -> dict[str, bool]:
        """Which TxStartPoint / TxStopPoint conditions hold on EVSE `e` now (E01-E03, E06)."""
        tx = e.transaction
        authorized = e.authorized is not None or (tx is not None and tx.authorized)
        plugged = e.connector.plugged
        return {"ParkingBayOccupancy": e.bay_occupied, "EVConnected": plugged, "Authorized": authorized,
                "DataSigned": plugged and authorized, "PowerPathClosed": plugged and authorized,
                "EnergyTransfer": plugged and authorized and not e.ev_suspended}

    def charging_state(self, e: Evse) -> str:
        conditions = self._conditions(e)
        if conditions["PowerPathClosed"]:
            return "SuspendedEV" if e.ev_suspended and "charging-state-wrong" not in self.faults else "Charging"
        return "EVConnected" if e.connector.plugged else "Idle"

    # -- events -----------------------------------------------------------------------------------------------------
    async def _transaction_event(self, e: Evse, event_type: str, trigger: str, *, tx: Transaction | None = None,
                                 stopped_reason: str | None = None, id_token: dict | None = None,
                                 meter_values: list[dict] | None = None, wait: bool = False) -> dict | None:
        """Send (or queue) a TransactionEvent of the transaction on `e`; returns the CSMS's answer when sent now."""
        tx = tx or e.transaction
        if tx is None:
            return None
        if event_type == "Updated" and "transaction-started-twice" in self.faults and tx.seq_no == 1:
            event_type = "Started"
        state = self.charging_state(e)
        info: dict[str, Any] = {"transactionId": tx.transaction_id}
        if state != tx.charging_state or event_type == "Started":
            info["chargingState"] = state
            tx.charging_state = state
        moment = self.now()
        if "transaction-timestamp-backwards" in self.faults and event_type == "Ended":
            moment -= timedelta(seconds=60)
        payload: dict[str, Any] = {"eventType": event_type, "timestamp": iso(moment), "triggerReason": trigger,
                                   "seqNo": tx.seq_no, "transactionInfo": info}
        first_with_evse = tx.evse_known and not tx.evse_sent
        if first_with_evse or "transaction-evse-changes" in self.faults:
            evse = e.id
            if "transaction-evse-changes" in self.faults and event_type == "Ended":
                evse = e.id % len(self.evses) + 1
            payload["evse"] = {"id": evse, "connectorId": tx.connector}
        if "transaction-seqno-repeated" in self.faults and event_type == "Ended":
            payload["seqNo"] = max(0, tx.seq_no - 1)
        if "transaction-seqno-skips" in self.faults and event_type == "Ended":
            payload["seqNo"] = tx.seq_no + 1
        tx.seq_no += 1
        if id_token is not None:
            payload["idToken"] = id_token
        if event_type == "Started":
            if tx.id_token is not None and tx.authorized and "started-idtoken-missing" not in self.faults:
                payload["idToken"] = tx.id_token
            if tx.remote_start_id is not None:
                info["remoteStartId"] = tx.remote_start_id
        if first_with_evse:
            tx.evse_sent = True  # the Transaction.Begin readings go with the EVSE they were taken at (J02, E03)
            late = event_type != "Started" and "begin-readings-lost-late-evse" in self.faults
            if "meter-begin-missing" not in self.faults and not late:
                meter_values = [self.reading(e, "Transaction.Begin", self.measurands(
                    "SampledDataCtrlr", "TxStartedMeasurands"), signed=self.signs("SampledDataCtrlr")
                    or "DataSigned" in self.tx_points("TxStartPoint")), *(meter_values or [])]
        if event_type == "Ended":
            info["stoppedReason"] = stopped_reason or "Local"
            readings = list(tx.ended_readings) if "ended-readings-missing" not in self.faults else []
            if "meter-end-missing" not in self.faults:
                readings.append(self.reading(e, "Transaction.End", self.measurands(
                    "SampledDataCtrlr", "TxEndedMeasurands"), signed=self.signs("SampledDataCtrlr")))
            meter_values = readings or None
        if meter_values:
            payload["meterValue"] = meter_values
        if (self._rpc is None or self.registration != ACCEPTED) and "offline-flag-missing" not in self.faults:
            payload["offline"] = True
        item = Outgoing("TransactionEvent", payload, asyncio.get_running_loop().create_future())
        if "offline-queue-reordered" in self.faults and self._rpc is None and self._outbox:
            self._outbox.insert(len(self._outbox) - 1, item)
        else:
            self._outbox.append(item)
        self._outbox_event.set()
        self._wake()
        if not wait or self._rpc is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(item.future), self.response_timeout * 2)
        except (asyncio.TimeoutError, ConnectionError, CallError, CallTimeout):
            return None

    async def _outbox_worker(self, rpc: Any) -> None:
        """Deliver the queued transaction events in order; one the CSMS fails to process (CALLERROR, or no answer
        in time) is tried again after MessageAttemptInterval times the attempts so far, MessageAttempts times in
        all, then dropped (E13)."""
        while True:
            while not self._outbox:
                self._outbox_event.clear()
                await self._outbox_event.wait()
            item = self._outbox[0]
            try:
                reply = await rpc.call(item.action, item.payload)
            except (CallError, CallTimeout) as exc:
                if isinstance(exc, CallTimeout) and self._rpc is not rpc:
                    return  # the connection went: the item stays queued for the next one
                item.attempts += 1
                attempts = self.model.int_value("OCPPCommCtrlr", "MessageAttempts", 3, instance="TransactionEvent")
                if "message-attempts-exceeded" in self.faults:
                    attempts += 1
                if "message-not-retried" in self.faults or item.attempts >= max(1, attempts):
                    self._outbox.popleft()
                    self._wake()
                    if item.future and not item.future.done():
                        item.future.set_exception(exc)
                        item.future.exception()
                    continue
                interval = self.model.int_value("OCPPCommCtrlr", "MessageAttemptInterval", 10,
                                                instance="TransactionEvent")
                await asyncio.sleep(interval * item.attempts)
                continue
            except ConnectionError:
                return
            self._outbox.popleft()
            self._wake()
            if item.future and not item.future.done():
                item.future.set_result(reply)
            await self._answered(item, reply)

    async def _answered(self, item: Outgoing, reply: dict) -> None:
        """A TransactionEvent's answer: an IdToken the CSMS does not accept withdraws the authorization, which ends
        the transaction when StopTxOnInvalidId is true (E05)."""
        info = reply.get("idTokenInfo")
        tx_id = item.payload["transactionInfo"]["transactionId"]
        if not isinstance(info, dict) or info.get("status") == ACCEPTED:
            return
        if item.payload.get("idToken") is not None and "idToken" in item.payload:
            self.auth_cache.pop(item.payload["idToken"].get("idToken"), None)
        for e in self.evses.values():
            tx = e.transaction
            if tx is None or tx.transaction_id != tx_id or not tx.authorized:
                continue
            if "invalid-id-ignored" in self.faults:
                return
            tx.authorized = False
            if self.model.bool_value("TxCtrlr", "StopTxOnInvalidId", True):
                self._spawn(self._end_transaction(e, "DeAuthorized", "Deauthorized"))
            else:
                self._spawn(self._transaction_event(e, "Updated", "Deauthorized"))

    # -- the start and stop points ----------------------------------------------------------------------------------
    async def _evaluate(self, e: Evse, trigger: str, *, stopped_reason: str = "Local", evse_known: bool = True) -> None:
        """Something changed on EVSE `e` (`trigger`): start the transaction when a TxStartPoint condition holds, end it
        when a TxStopPoint condition no longer holds (E01-E03, E06), else report what changed."""
        conditions = self._conditions(e)
        tx = e.transaction
        if tx is None:
            points = self.tx_points("TxStartPoint")
            if "start-point-ignored" in self.faults:
                points = {"PowerPathClosed"}
            if any(conditions.get(p, False) for p in points):
                await self._start_transaction(e, trigger, evse_known=evse_known)
            return
        if tx.id_token is None and e.authorized is not None:
            tx.id_token, tx.authorized, e.authorized = e.authorized, True, None
            self._stop_cable_timer(e)
            if tx.remote_start_id is None:
                tx.remote_start_id = self.remote_start_ids.pop(e.id, None)
            await self._transaction_event(e, "Updated", trigger, id_token=tx.id_token)
            return
        if e.ev_side_suspended and tx.authorized:
            return  # suspended until the EV is plugged in again (E10)
        stop = self.tx_points("TxStopPoint")
        if "stop-point-ignored" in self.faults:
            stop = {"EVConnected"}
        if any(not conditions.get(p, True) for p in stop):
            await self._end_transaction(e, stopped_reason, trigger)
        elif self.charging_state(e) != tx.charging_state or (tx.evse_known and not tx.evse_sent):
            await self._transaction_event(e, "Updated", trigger)

    async def _start_transaction(self, e: Evse, trigger: str, *, evse_known: bool = True) -> Transaction:
        authorized = e.authorized
        tx = Transaction(transaction_id=str(uuid.uuid4()), evse=e.id, connector=1, id_token=authorized,
                         started_at=self.timestamp(), meter_start=e.energy_wh,
                         remote_start_id=self.remote_start_ids.pop(e.id, None) if authorized else None,
                         authorized=authorized is not None, evse_known=evse_known)
        if authorized is not None:
            self._stop_cable_timer(e)
        e.authorized = None
        e.transaction = tx
        if not e.connector.plugged and authorized is not None:
            self._start_cable_timer(e)  # started on authorization: the driver has EVConnectionTimeOut to plug in
        await self._status_changed(e.id)
        tx.meters = self._spawn(self._transaction_meters(e, tx))
        await self._transaction_event(e, "Started", trigger)
        return tx

    async def _end_transaction(self, e: Evse, reason: str, trigger: str, *, wait: bool = False) -> None:
        tx = e.transaction
        if tx is None:
            return
        e.transaction = None
        e.ev_side_suspended = False
        tx.ended = True
        if tx.meters is not None and tx.meters is not asyncio.current_task():
            tx.meters.cancel()
        self._stop_cable_timer(e)
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
        """The IdTokenInfo of `token`: from the CSMS (Authorize) when online; offline, from the authorization cache
        when LocalAuthorizeOffline is true, or Accepted when OfflineTxForUnknownIdEnabled is true (C15); Invalid
        otherwise."""
        rpc = self._rpc
        if "authorize-skipped" in self.faults:
            return {"status": ACCEPTED}
        if self.model.bool_value("AuthCtrlr", "DisableRemoteAuthorization", False) \
                and "remote-authorization-not-disabled" not in self.faults:
            return self.auth_cache.get(token) or {"status": "Unknown"}  # the cache (and local list) only (C01)
        if rpc is None or self.registration != ACCEPTED:
            if self.model.bool_value("AuthCtrlr", "LocalAuthorizeOffline", True) and token in self.auth_cache:
                return self.auth_cache[token]
            if self.model.bool_value("AuthCtrlr", "OfflineTxForUnknownIdEnabled", False):
                return {"status": ACCEPTED}
            return {"status": "Invalid"}
        try:
            reply = await rpc.call("Authorize", {"idToken": self.id_token(token)})
        except (CallError, CallTimeout, ConnectionError):
            return {"status": "Invalid"}
        info = reply.get("idTokenInfo") or {"status": "Invalid"}
        if info.get("status") == ACCEPTED:
            self.auth_cache[token] = info
        else:
            self.auth_cache.pop(token, None)
        return info

    def _start_cable_timer(self, e: Evse) -> None:
        self._stop_cable_timer(e)
        timeout = self.model.int_value("TxCtrlr", "EVConnectionTimeOut", 60)
        if "ev-connection-timeout-ignored" in self.faults:
            return
        e.cable_timer = self._spawn(self._cable_timeout(e, timeout))

    def _stop_cable_timer(self, e: Evse) -> None:
        if e.cable_timer is not None and not e.cable_timer.done() and e.cable_timer is not asyncio.current_task():
            e.cable_timer.cancel()
        e.cable_timer = None

    async def _cable_timeout(self, e: Evse, timeout: float) -> None:
        """No cable within EVConnectionTimeOut of the authorization: it lapses; a transaction it started ends
        (stoppedReason Timeout, triggerReason EVConnectTimeout, E03)."""
        await asyncio.sleep(timeout)
        e.cable_timer = None
        e.authorized = None
        tx = e.transaction
        if tx is not None and not e.connector.plugged:
            tx.authorized = False
            await self._end_transaction(e, "Timeout", "EVConnectTimeout")


class TransactionHandlers:
    """RequestStartTransaction, RequestStopTransaction and GetTransactionStatus on the station's side of a
    connection."""

    def on_RequestStartTransaction(self, payload: dict, unique_id: str) -> dict:
        cs = self.cs
        evse = payload.get("evseId")
        free = [e for e in cs.evses.values() if (e.transaction is None or e.transaction.id_token is None)
                and cs.connector_state(e.id) != "Unavailable"]
        target = cs.evses.get(evse) if evse is not None else (free[0] if free else None)
        if target is None or target not in free:
            return {"status": "Rejected"}
        self._plan(unique_id, lambda: cs.remote_start(target, payload["idToken"], payload.get("remoteStartId")))
        reply: dict[str, Any] = {"status": "Accepted"}
        if target.transaction is not None:
            reply["transactionId"] = target.transaction.transaction_id
        return reply

    def after_RequestStartTransaction(self, payload: dict, unique_id: str) -> Any:
        return self._run_plan(unique_id)

    def on_RequestStopTransaction(self, payload: dict, unique_id: str) -> dict:
        cs = self.cs
        for e in cs.evses.values():
            if e.transaction is not None and e.transaction.transaction_id == payload.get("transactionId"):
                self._plan(unique_id, lambda e=e: cs.remote_stop(e))
                return {"status": "Accepted"}
        return {"status": "Rejected"}

    def after_RequestStopTransaction(self, payload: dict, unique_id: str) -> Any:
        return self._run_plan(unique_id)

    async def on_GetTransactionStatus(self, payload: dict, unique_id: str) -> dict:
        """Whether transaction messages wait in the queue (of the transaction asked about, or any), and whether that
        transaction still runs (E14)."""
        cs = self.cs
        for _ in range(10):  # an answer to a queued message that arrived just before this request is taken first
            await asyncio.sleep(0)
        tx_id = payload.get("transactionId")
        queued = [item for item in cs._outbox
                  if tx_id is None or item.payload.get("transactionInfo", {}).get("transactionId") == tx_id]
        reply: dict[str, Any] = {"messagesInQueue": bool(queued)}
        if "transaction-status-queue-wrong" in cs.faults:
            reply["messagesInQueue"] = not reply["messagesInQueue"]
        if tx_id is not None:
            reply["ongoingIndicator"] = any(e.transaction is not None and e.transaction.transaction_id == tx_id
                                            for e in cs.evses.values())
        return reply


class RemoteStart:
    async def remote_start(self, e: Evse, id_token: dict, remote_start_id: int | None) -> None:
        """After an accepted RequestStartTransaction: Authorize when AuthorizeRemoteStart is true, then the IdToken
        counts as presented (F01)."""
        if self.model.bool_value("AuthCtrlr", "AuthorizeRemoteStart", True):
            info = await self.authorize(id_token["idToken"])
            if info.get("status") != ACCEPTED:
                return
        self.remote_start_ids[e.id] = remote_start_id
        e.authorized = id_token
        if e.transaction is None and not e.connector.plugged:
            self._start_cable_timer(e)
        await self._evaluate(e, "RemoteStart")

    async def remote_stop(self, e: Evse) -> None:
        """RequestStopTransaction accepted: the authorization is withdrawn (F03)."""
        tx = e.transaction
        if tx is None:
            return
        tx.authorized = False
        await self._evaluate(e, "RemoteStop", stopped_reason="Remote")
