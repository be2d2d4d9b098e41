"""Transactions as the Central System records them: StartTransaction hands out ids, StopTransaction cannot be
refused, MeterValues are kept with their transaction (C16 §4.7, §4.8, §4.10)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from conformance.ocpp16.simulators.csms.records import CsmsTransaction
from conformance.ocpp16.simulators.rpc import RpcError
from conformance.timestamps import parse_iso

STALE_AFTER_S = 60  # fault stale-messages-rejected: the age from which a transaction message is refused


class TransactionHandlers:
    """The charge point reports transactions and meter values."""

    def _queued_offline(self, timestamp: str | None) -> bool:
        """True for a transaction message stamped before this connection opened (the charger queued it offline)."""
        stamped = parse_iso(timestamp)
        if stamped is not None and stamped.tzinfo is None:
            stamped = stamped.replace(tzinfo=timezone.utc)
        return stamped is not None and stamped < self.opened_at

    def _rejected_as_old(self, timestamp: str | None) -> bool:
        """Faults that refuse a transaction message for its age: queued offline (offline-messages-rejected), or
        stamped more than STALE_AFTER_S before it arrived (stale-messages-rejected)."""
        faults = self.csms.faults
        if "offline-messages-rejected" in faults and self._queued_offline(timestamp):
            return True
        stamped = parse_iso(timestamp)
        return ("stale-messages-rejected" in faults and stamped is not None
                and stamped < datetime.now(timezone.utc) - timedelta(seconds=STALE_AFTER_S))

    @on(Action.start_transaction)
    def on_start_transaction(self, raw_payload: dict, **_: Any):
        csms = self.csms
        id_tag = raw_payload["idTag"]
        # A connector runs one transaction at a time: a new start there ends one still open (its stop was lost).
        for old in csms.transactions.values():
            if old.active and old.station_id == self.station.identity and old.connector_id == raw_payload["connectorId"]:
                csms.logger.info("%s: transaction %s on connector %s superseded by a new start", self.id,
                                 old.transaction_id, old.connector_id)
                old.active = False
        info = csms.id_tag_info(id_tag)
        if info["status"] == "Accepted" and "concurrent-tx-accepted" not in csms.faults:
            if any(t.active and t.id_tag.lower() == id_tag.lower() for t in csms.transactions.values()):
                info = dict(info, status="ConcurrentTx")
        if info["status"] == "Accepted" and "start-transaction-rejected" in csms.faults:
            info = {"status": "Invalid"}
        if self._rejected_as_old(raw_payload.get("timestamp")):
            info = {"status": "Invalid"}
        info = csms.reserved_start(self.station.identity, raw_payload, info)
        tx = CsmsTransaction(
            transaction_id=csms.next_transaction_id(),
            station_id=self.station.identity,
            connector_id=raw_payload["connectorId"],
            id_tag=id_tag,
            meter_start=raw_payload["meterStart"],
            start_time=raw_payload["timestamp"],
            status=info["status"],
        )
        csms.transactions[tx.transaction_id] = tx
        return call_result.StartTransaction(transaction_id=tx.transaction_id, id_tag_info=info)

    @on(Action.stop_transaction)
    def on_stop_transaction(self, raw_payload: dict, **_: Any):
        csms = self.csms
        reason = raw_payload.get("reason", "Local")
        if reason not in ("Local", "Remote") and "stop-reason-rejected" in csms.faults:
            raise RpcError("PropertyConstraintViolation", f"stop reason {reason} is not handled")
        tx = csms.transactions.get(raw_payload["transactionId"])
        if tx is None and "transactions-lost-on-reconnect" in csms.faults:
            raise RpcError("PropertyConstraintViolation", f"unknown transaction {raw_payload['transactionId']}")
        if tx is None:
            csms.logger.warning("%s: StopTransaction for unknown transaction %s", self.id, raw_payload["transactionId"])
        else:
            tx.active = False
            tx.meter_stop = raw_payload["meterStop"]
            tx.stop_time = raw_payload["timestamp"]
            tx.stop_reason = raw_payload.get("reason", "Local")
            tx.stop_id_tag = raw_payload.get("idTag")
            tx.meter_values.extend(raw_payload.get("transactionData", []))
        id_tag = raw_payload.get("idTag")
        # The Central System cannot refuse a stop; it only informs about the idTag (C16 §4.10).
        if id_tag and "stop-idtaginfo-missing" not in csms.faults:
            info = csms.id_tag_info(id_tag)
            if self._rejected_as_old(raw_payload.get("timestamp")):
                info = {"status": "Invalid"}
            return call_result.StopTransaction(id_tag_info=info)
        return call_result.StopTransaction()

    @on(Action.meter_values)
    def on_meter_values(self, raw_payload: dict, **_: Any):
        tx = self.csms.transactions.get(raw_payload.get("transactionId"))
        if tx is not None:
            tx.meter_values.extend(raw_payload["meterValue"])
        return call_result.MeterValues()


class TransactionLedger:
    """Transaction ids and running transactions."""

    def next_transaction_id(self) -> int:
        if "transaction-id-reused" in self.faults:
            return 1
        return next(self._tx_ids)

    def running_transaction(self, station_id: str, connector_id: int | None = None) -> CsmsTransaction | None:
        for tx in self.transactions.values():
            if tx.active and tx.station_id == station_id and (connector_id is None or tx.connector_id == connector_id):
                return tx
        return None
