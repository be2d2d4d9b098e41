"""One ordered outbox for everything the charger sends after boot. Transaction messages are kept while offline
and retried per TransactionMessageAttempts / TransactionMessageRetryInterval (C16 §3.7); status reports are
coalesced while offline and the latest state is sent after reconnecting."""

from __future__ import annotations

import asyncio
import collections

from websockets.exceptions import ConnectionClosed

from conformance.ocpp16.simulators.charge_point.state import Outgoing
from conformance.ocpp16.simulators.rpc import CallError, CallTimeout, RpcEndpoint, fail


class OfflineQueue:
    """The outbox and its worker."""

    def _outbox_active(self) -> bool:
        if self._rpc is None:
            return False
        if self.registration == "Accepted":
            return True
        return self.registration == "Pending" and "boot-pending-ignored" in self.faults

    def _enqueue(self, item: Outgoing, *, front: bool = False) -> None:
        if front:
            self._outbox.appendleft(item)
        else:
            self._outbox.append(item)
        self._outbox_event.set()
        self._wake()

    def _enqueue_transactional(self, item: Outgoing) -> None:
        item.transactional = True
        # offline = not registered on a connection, or the network is cut (the connection may not know it yet)
        offline = not self._outbox_active() or not self._network_up.is_set()
        if offline and "offline-queue-dropped" in self.faults:
            self.logger.info("%s: dropping %s while offline (fault)", self.identity, item.action)
            if item.future and not item.future.done():
                item.future.set_result(None)
            return
        if offline and item.action == "MeterValues":
            self._samples_queued_offline += 1
            if self._samples_queued_offline == 2 and "offline-sample-lost" in self.faults:
                self.logger.info("%s: losing the second MeterValues queued offline (fault)", self.identity)
                if item.future and not item.future.done():
                    item.future.set_result(None)
                return
        if offline and item.action == "StopTransaction" and item.tx is not None \
                and "queued-stop-local-transaction-id" in self.faults:
            item.payload["transactionId"], item.tx = item.tx.local_id, None
        self._enqueue(item)

    async def _request(self, action: str, payload: dict, *, validate: bool = True) -> dict:
        """Send a request in turn with everything else the charger sends, and return the reply.

        Raises ConnectionError when not connected (or not yet accepted), CallError / CallTimeout from the peer.
        """
        if not self._outbox_active():
            raise ConnectionError(f"charge point {self.identity} is not connected and accepted")
        future = asyncio.get_running_loop().create_future()
        self._enqueue(Outgoing(action, payload, future=future, validate=validate))
        # bounded by the worst case of the queue ahead of us (a transaction message being retried)
        limit = self.response_timeout * 4 + self._int("TransactionMessageRetryInterval") * self._int("TransactionMessageAttempts") ** 2
        return await asyncio.wait_for(future, limit)

    async def _send_now(self, rpc: RpcEndpoint, action: str, payload: dict, *, validate: bool = True) -> dict:
        """In turn through the outbox once registered; directly (e.g. triggered while Pending) before that."""
        if self._outbox_active():
            return await self._request(action, payload, validate=validate)
        return await rpc.call_raw(action, payload, validate=validate)

    async def _outbox_worker(self, rpc: RpcEndpoint) -> None:
        while True:
            if not self._outbox:
                self._outbox_event.clear()
                await self._outbox_event.wait()
                continue
            item = self._outbox[0]
            payload = dict(item.payload)
            if item.tx is not None:
                if item.tx.transaction_id is None:
                    # the StartTransaction was given up: nothing can refer to this transaction
                    self.logger.warning("%s: dropping %s of a transaction without id", self.identity, item.action)
                    self._outbox.popleft()
                    continue
                if not (item.action == "MeterValues" and "meter-values-no-transaction-id" in self.faults):
                    payload["transactionId"] = item.tx.transaction_id
            if item.transactional and "offline-timestamps-at-delivery" in self.faults:
                payload = self._restamped(payload)
            try:
                reply = await rpc.call_raw(item.action, payload, validate=item.validate)
            except (ConnectionError, ConnectionClosed):
                return  # stays queued for the next connection
            except (CallError, CallTimeout) as exc:
                if not item.transactional:
                    self._outbox.popleft()
                    if item.future:
                        fail(item.future, exc)
                    continue
                item.attempts += 1
                attempts = max(1, self._int("TransactionMessageAttempts"))
                if "transaction-error-not-retried" in self.faults:
                    attempts = 1  # gives up after the first failure
                self.logger.info("%s: %s attempt %d/%d failed: %s", self.identity, item.action, item.attempts, attempts, exc)
                if item.attempts >= attempts:
                    self._outbox.popleft()
                    if item.future and not item.future.done():
                        item.future.set_result(None)
                    continue
                if "transaction-retry-immediate" not in self.faults:
                    await asyncio.sleep(self._int("TransactionMessageRetryInterval") * item.attempts)
                continue
            if self._outbox and self._outbox[0] is item:
                self._outbox.popleft()
            self._handle_reply(item, reply)
            if item.future and not item.future.done():
                item.future.set_result(reply)

    def _restamped(self, payload: dict) -> dict:
        """Fault offline-timestamps-at-delivery: the message carries the time it is sent, not the time it happened."""
        now = self.timestamp()
        out = dict(payload)
        if "timestamp" in out:
            out["timestamp"] = now
        if "meterValue" in out:
            out["meterValue"] = [{**mv, "timestamp": now} for mv in out["meterValue"]]
        return out

    def _handle_reply(self, item: Outgoing, reply: dict) -> None:
        info = reply.get("idTagInfo")
        if item.starts is not None:
            tx = item.starts
            tx.transaction_id = reply.get("transactionId")
            tx.start_answered = True
            if info:
                self._cache_store(tx.id_tag, info)
                if info.get("status") != "Accepted":
                    self._deauthorize(tx)
        elif item.action == "StopTransaction" and info and item.payload.get("idTag"):
            self._cache_store(item.payload["idTag"], info)

    def _park_statuses(self) -> None:
        """Connection lost: unsent status reports become 'send the latest state after reconnecting'."""
        kept = collections.deque()
        for item in self._outbox:
            if item.action == "StatusNotification":
                self._dirty_status.add(item.connector_id or 0)
            elif item.transactional:
                kept.append(item)
            elif item.future:
                fail(item.future, ConnectionError("connection lost before the message was sent"))
        self._outbox = kept
