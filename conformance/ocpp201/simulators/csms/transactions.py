"""The token database (Authorize, C01: unknown IdTokens are Invalid) and the transactions stations report
(TransactionEvent, E01-E15: the IdTokenInfo of the token that starts or joins one), with their meter values."""

from __future__ import annotations

from typing import Any

from conformance.ocpp201.simulators.csms.records import CsmsTransaction, TokenRecord
from conformance.ocpp201.simulators.rpc import RpcError

# Fault tx-trigger-reasons-limited: the trigger reasons of a transaction started and stopped by authorization only.
AUTHORIZATION_TRIGGERS = frozenset({"Authorized", "StopAuthorized", "Deauthorized", "RemoteStart", "RemoteStop",
                                    "MeterValuePeriodic", "MeterValueClock", "Trigger", "ResetCommand"})
# Fault tx-stopped-reasons-1.6: the stop reasons OCPP 1.6 has too.
OCPP16_REASONS = frozenset({"DeAuthorized", "EmergencyStop", "EVDisconnected", "ImmediateReset", "Local", "Other",
                            "PowerLoss", "Reboot", "Remote"})


def _sampled_values(meter_values: Any) -> list[dict]:
    return [v for mv in meter_values or [] if isinstance(mv, dict) for v in mv.get("sampledValue") or []
            if isinstance(v, dict)]


class TransactionHandlers:
    def on_Authorize(self, payload: dict, unique_id: str) -> dict:
        return {"idTokenInfo": self.csms.id_token_info(payload["idToken"])}

    def _meter_faults(self, meter_values: Any, *, in_transaction: bool) -> None:
        faults = self.csms.faults
        for value in _sampled_values(meter_values):
            if "signed-meter-values-refused" in faults and "signedMeterValue" in value:
                raise RpcError("FormatViolation", "signed meter values are not accepted")
            if "sampled-value-unit-required" in faults and "unitOfMeasure" not in value:
                raise RpcError("OccurrenceConstraintViolation", "sampledValue needs a unitOfMeasure")
            if in_transaction and "tx-clock-aligned-refused" in faults and value.get("context") == "Sample.Clock":
                raise RpcError("NotSupported", "clock-aligned meter values are taken through MeterValues only")

    def _transaction_faults(self, payload: dict) -> None:
        faults, info = self.csms.faults, payload["transactionInfo"]
        if "tx-offline-refused" in faults and payload.get("offline"):
            raise RpcError("GenericError", "events queued while offline are not accepted")
        if "tx-trigger-reasons-limited" in faults and payload["triggerReason"] not in AUTHORIZATION_TRIGGERS:
            raise RpcError("PropertyConstraintViolation", f"triggerReason {payload['triggerReason']} is not handled")
        reason = info.get("stoppedReason")
        if "tx-stopped-reasons-1.6" in faults and reason is not None and reason not in OCPP16_REASONS:
            raise RpcError("PropertyConstraintViolation", f"stoppedReason {reason} is not handled")
        if "tx-started-without-evse-refused" in faults and payload["eventType"] == "Started" and "evse" not in payload:
            raise RpcError("OccurrenceConstraintViolation", "a transaction starts on an EVSE")
        last = self.csms.last_seq_no.get(self.station.identity)
        if ("tx-seq-no-per-station" in faults and payload["eventType"] == "Started" and last is not None
                and payload["seqNo"] <= last):
            raise RpcError("PropertyConstraintViolation", f"seqNo {payload['seqNo']} is not above {last}")
        self._meter_faults(payload.get("meterValue"), in_transaction=True)

    def on_TransactionEvent(self, payload: dict, unique_id: str) -> dict:
        csms = self.csms
        self._transaction_faults(payload)
        csms.last_seq_no[self.station.identity] = payload["seqNo"]
        info = payload["transactionInfo"]
        tx_id = info["transactionId"]
        tx = csms.transactions.get(tx_id)
        if tx is None:
            tx = csms.transactions[tx_id] = CsmsTransaction(tx_id, self.station.identity,
                                                            (payload.get("evse") or {}).get("id"))
        tx.events.append(payload)
        if payload["eventType"] == "Ended":
            tx.ended = True
            tx.stopped_reason = info.get("stoppedReason", "Local")
        if payload.get("evse") and tx.evse is None:
            tx.evse = payload["evse"].get("id")  # an EVSE not known when the transaction started (J02)
        reply: dict[str, Any] = {}
        answered = "tx-id-token-info-missing" not in csms.faults and (
            payload["eventType"] == "Started" or "tx-id-token-info-on-started-only" not in csms.faults)
        if isinstance(payload.get("idToken"), dict) and answered:
            reply["idTokenInfo"] = csms.id_token_info(payload["idToken"])
        csms._wake()
        return reply

    def on_MeterValues(self, payload: dict, unique_id: str) -> dict:
        if "meter-values-callerror" in self.csms.faults:
            raise RpcError("NotImplemented", "MeterValues is not handled")
        self._meter_faults(payload.get("meterValue"), in_transaction=False)
        return {}


class TokenDatabase:
    def id_token_info(self, id_token: dict) -> dict:
        """IdTokenInfoType of a token as the database has it (a known token of another type is not it)."""
        token, kind = str(id_token.get("idToken", "")), id_token.get("type")
        record: TokenRecord | None = None
        for known, candidate in self.tokens.items():
            if known.lower() == token.lower() and (candidate.type is None or candidate.type == kind):
                record = candidate
                break
        if record is None:
            return {"status": "Accepted" if "tx-unknown-token-accepted" in self.faults else "Invalid"}
        info: dict[str, Any] = {"status": record.status}
        if record.group and "group-id-token-missing" not in self.faults:
            info["groupIdToken"] = {"idToken": record.group, "type": record.type or kind or "Central"}
        if record.cache_expiry:
            info["cacheExpiryDateTime"] = record.cache_expiry
        return info

    async def add_id_tag(self, id_tag: str, status: str = "Accepted", expiry_date: str | None = None,
                         parent_id_tag: str | None = None) -> None:
        self.tokens[id_tag] = TokenRecord(status, None, parent_id_tag, expiry_date)

    async def remove_id_tag(self, id_tag: str) -> None:
        self.tokens.pop(id_tag, None)
