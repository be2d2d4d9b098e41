"""Transactions: local and remote start, ConnectionTimeOut, stop, deauthorization (C16 §3.6, §4.8, §4.10, §5.11, §5.12)."""

from __future__ import annotations

import asyncio
from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from conformance.ocpp16.simulators.charge_point.state import Connector, Outgoing, Transaction
from conformance.ocpp16.simulators.faults import TIMER_LONG, TIMER_SHORT


class TransactionHandlers:
    """The Central System starts and stops transactions remotely."""

    @on(Action.remote_start_transaction)
    def on_remote_start(self, id_tag: str, connector_id: int | None = None, call_unique_id: str = "",
                        raw_payload: dict | None = None, **_: Any):
        cp = self.cp
        rejected = call_result.RemoteStartTransaction(status="Rejected")
        if cp.registration != "Accepted":
            return rejected  # not allowed while Pending (C16 §4.2)
        profile = (raw_payload or {}).get("chargingProfile")
        if profile is not None and cp._remote_profile_refusal(profile) is not None:
            return rejected  # a profile the transaction cannot take (smart_charging.py)
        if connector_id is not None and not 1 <= connector_id <= len(cp.connectors) - 1:
            if connector_id == 0 and "remote-start-connector-zero-accepted" in cp.faults:
                connector_id = None
            else:
                return rejected
        connector = cp._connector_for_start(connector_id)
        if connector is None:
            if connector_id and cp.connectors[connector_id].transaction is not None and "remote-start-occupied-accepted" in cp.faults:
                return call_result.RemoteStartTransaction(status="Accepted")
            return rejected
        if "remote-start-ignored" in cp.faults:
            return call_result.RemoteStartTransaction(status="Accepted")
        connector.pending_tag = (id_tag, None)  # hold the connector for this start
        cp._remember_remote_profile(connector.id, id_tag, profile)
        self._plan(call_unique_id, lambda: cp._remote_start(connector, id_tag))
        return call_result.RemoteStartTransaction(status="Accepted")

    @after(Action.remote_start_transaction)
    def after_remote_start(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id: int, call_unique_id: str = "", **_: Any):
        cp = self.cp
        if cp.registration != "Accepted":
            return call_result.RemoteStopTransaction(status="Rejected")
        for connector in cp.connectors[1:]:
            tx = connector.transaction
            if tx is not None and tx.transaction_id == transaction_id:
                if "remote-stop-ignored" not in cp.faults:
                    self._plan(call_unique_id, lambda c=connector: cp._stop_transaction(c, "Remote"))
                return call_result.RemoteStopTransaction(status="Accepted")
        if "remote-stop-unknown-accepted" in cp.faults:
            return call_result.RemoteStopTransaction(status="Accepted")
        return call_result.RemoteStopTransaction(status="Rejected")

    @after(Action.remote_stop_transaction)
    def after_remote_stop(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)


class Transactions:
    """Starting and ending transactions."""

    async def _present(self, id_tag: str, connector_id: int | None) -> None:
        scope = self.connectors[1:] if connector_id is None else [self.connectors[connector_id]]
        # 1. the owner of a running transaction stops it
        for c in scope:
            if c.transaction is not None and c.transaction.id_tag.lower() == id_tag.lower():
                self._stop_transaction(c, "Local", id_tag)
                return
        # 2. the owner unlocks a cable kept locked after an EV-side disconnect
        for c in scope:
            if c.locked_for and c.locked_for.lower() == id_tag.lower():
                c.locked_for = None
                self._refresh(c)
                return
        # 3. another card of the same group (parentIdTag) may stop it (C16 §3.4): that needs its idTagInfo
        info = None
        grouped = [c for c in scope if c.transaction is not None and c.transaction.parent_id_tag]
        if grouped:
            info = await self._authorize(id_tag)
            parent = info.get("parentIdTag")
            for c in grouped:
                tx = c.transaction
                same_group = bool(tx and parent and parent.lower() == (tx.parent_id_tag or "").lower())
                if same_group and info.get("status") == "Accepted" and "parent-id-tag-ignored" not in self.faults:
                    self._stop_transaction(c, "Local", id_tag)
                    return
        # 4. otherwise a new transaction on a free connector
        target = self._connector_for_start(connector_id)
        if target is None:
            self.logger.info("%s: no connector free for idTag %s", self.identity, id_tag)
            return
        await self._local_start(target, id_tag, info)

    def _connector_for_start(self, connector_id: int | None) -> Connector | None:
        def usable(c: Connector) -> bool:
            return (
                c.transaction is None
                and c.pending_tag is None
                and (c.fault is None or "start-while-faulted" in self.faults)
                and not c.lock_failure
                and not c.finishing
                and not c.locked_for
                and c.operative
                and self.connectors[0].operative
            )

        if connector_id is not None:
            c = self.connectors[connector_id]
            return c if usable(c) else None
        candidates = [c for c in self.connectors[1:] if usable(c)]
        plugged = [c for c in candidates if c.plugged]
        return (plugged or candidates or [None])[0]

    async def _local_start(self, c: Connector, id_tag: str, info: dict | None = None) -> None:
        c.pending_tag = (id_tag, None)  # hold the connector while authorizing
        if info is None:
            info = await self._authorize(id_tag)
        if c.pending_tag != (id_tag, None):
            return
        if info.get("status") != "Accepted" and "start-despite-invalid-tag" not in self.faults:
            self.logger.info("%s: idTag %s not accepted (%s)", self.identity, id_tag, info.get("status"))
            c.pending_tag = None
            self._refresh(c)
            return
        if self._refused_by_reservation(c, id_tag, info.get("parentIdTag")):
            self.logger.info("%s: connector %d is reserved, not for idTag %s", self.identity, c.id, id_tag)
            c.pending_tag = None
            self._refresh(c)
            return
        await self._authorized(c, id_tag, info.get("parentIdTag"))

    async def _remote_start(self, c: Connector, id_tag: str) -> None:
        if self._bool("AuthorizeRemoteTxRequests"):
            info = await self._authorize(id_tag)
            if info.get("status") != "Accepted" and "start-despite-invalid-tag" not in self.faults:
                c.pending_tag = None
                self._refresh(c)
                return
            parent = info.get("parentIdTag")
        else:
            parent = await self._learned_parent(c, id_tag, (self._cache_lookup(id_tag) or {}).get("parentIdTag"))
        if self._refused_by_reservation(c, id_tag, parent):
            self.logger.info("%s: connector %d is reserved, not for idTag %s", self.identity, c.id, id_tag)
            c.pending_tag = None
            self._refresh(c)
            return
        await self._authorized(c, id_tag, parent)

    async def _authorized(self, c: Connector, id_tag: str, parent: str | None) -> None:
        if c.plugged:
            c.pending_tag = None
            await self._start_transaction(c, id_tag, parent)
            return
        c.pending_tag = (id_tag, parent)
        self._refresh(c)
        if c.pending_timer:
            c.pending_timer.cancel()
        c.pending_timer = self._spawn(self._connection_timeout(c, (id_tag, parent)))

    async def _connection_timeout(self, c: Connector, pending: tuple[str, str | None]) -> None:
        timeout: float = self._int("ConnectionTimeOut")
        if "connection-timeout-short" in self.faults:
            timeout *= TIMER_SHORT
        elif "connection-timeout-long" in self.faults:
            timeout *= TIMER_LONG
        elif "connection-timeout-late" in self.faults:
            timeout += 8
        await asyncio.sleep(timeout)
        if c.pending_tag == pending and c.transaction is None:
            self.logger.info("%s: connector %d: no cable within ConnectionTimeOut", self.identity, c.id)
            c.pending_tag = None
            c.pending_timer = None
            self._refresh(c)

    async def _start_transaction(self, c: Connector, id_tag: str, parent: str | None) -> None:
        if c.pending_timer:
            c.pending_timer.cancel()
            c.pending_timer = None
        c.pending_tag = None
        if c.lock_fails and "lock-failure-ignored" not in self.faults:
            c.lock_failure = True
            self._refresh(c)
            return
        c.finishing = False
        tx = Transaction(
            local_id=self._next_local_tx,
            connector_id=c.id,
            id_tag=id_tag,
            parent_id_tag=parent,
            meter_start=int(self.meter_wh(c.id)),
            start_time=self.timestamp(),
        )
        self._next_local_tx += 1
        stop_measurands = self._measurands("StopTxnSampledData")
        if stop_measurands:
            tx.start_values = self._sample(c, stop_measurands, "Transaction.Begin")
        c.transaction = tx
        self._refresh(c)  # Preparing until the StartTransaction round trip is over
        future = asyncio.get_running_loop().create_future()
        payload = {"connectorId": c.id, "idTag": id_tag, "meterStart": tx.meter_start, "timestamp": tx.start_time}
        payload.update(self._claim_reservation(c, id_tag, parent))
        was_online = self._outbox_active()
        self._enqueue_transactional(Outgoing("StartTransaction", payload, starts=tx, future=future))
        if was_online:
            try:
                await asyncio.wait_for(asyncio.shield(future), self.response_timeout + 1)
            except asyncio.TimeoutError:
                pass
        if c.transaction is tx:
            tx.reported = True
            self._refresh(c)
            self._start_sampler(c)

    def _stop_transaction(self, c: Connector, reason: str, id_tag: str | None = None) -> asyncio.Future | None:
        """End the connector's transaction; returns a future resolved when its StopTransaction is answered."""
        tx = c.transaction
        if tx is None:
            return None
        sampler = self._samplers.pop(c.id, None)
        if sampler:
            sampler.cancel()
        self._settle(c, flowing=False)
        payload: dict = {"meterStop": int(c.energy_wh), "timestamp": self.timestamp()}
        if id_tag and "stop-idtag-missing" not in self.faults:
            payload["idTag"] = id_tag
        if "stop-reason-missing" not in self.faults:
            payload["reason"] = reason
        stop_measurands = self._measurands("StopTxnSampledData")
        if stop_measurands and tx.start_values:
            payload["transactionData"] = [tx.start_values, self._sample(c, stop_measurands, "Transaction.End")]
        c.transaction = None
        c.stuck = c.stuck or (c.id == 1 and "connector-stuck-finishing" in self.faults)
        c.finishing = c.plugged
        if c.scheduled_operative is not None:
            c.operative, c.scheduled_operative = c.scheduled_operative, None
        future = asyncio.get_running_loop().create_future()
        self._enqueue_transactional(Outgoing("StopTransaction", payload, tx=tx, future=future))
        self._refresh(c)
        return future

    def _deauthorize(self, tx: Transaction) -> None:
        """StartTransaction.conf was not Accepted (C16 §4.8)."""
        connector = self.connectors[tx.connector_id]
        if connector.transaction is not tx or "invalid-id-never-stops" in self.faults:
            return
        if self._bool("StopTransactionOnInvalidId") or "invalid-id-always-stops" in self.faults:
            if not self.fixed_cable:
                connector.locked_for = tx.id_tag  # keep the cable locked until the owner returns
            self._stop_transaction(connector, "DeAuthorized")
        else:
            tx.deauthorized = True  # only stop energy delivery
            tx.reported = True
            self._refresh(connector)
