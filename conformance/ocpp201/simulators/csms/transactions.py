"""The token database (Authorize, C01: unknown IdTokens are Invalid) and the transactions stations report
(TransactionEvent, E01-E15: the IdTokenInfo of the token that starts or joins one), with their meter values."""

from __future__ import annotations

from typing import Any

from conformance.ocpp201.simulators.csms.records import CsmsTransaction, TokenRecord


class TransactionHandlers:
    def on_Authorize(self, payload: dict, unique_id: str) -> dict:
        return {"idTokenInfo": self.csms.id_token_info(payload["idToken"])}

    def on_TransactionEvent(self, payload: dict, unique_id: str) -> dict:
        csms = self.csms
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
        reply: dict[str, Any] = {}
        if isinstance(payload.get("idToken"), dict):
            reply["idTokenInfo"] = csms.id_token_info(payload["idToken"])
        csms._wake()
        return reply

    def on_MeterValues(self, payload: dict, unique_id: str) -> dict:
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
            return {"status": "Invalid"}
        info: dict[str, Any] = {"status": record.status}
        if record.group:
            info["groupIdToken"] = {"idToken": record.group, "type": record.type or kind or "Central"}
        if record.cache_expiry:
            info["cacheExpiryDateTime"] = record.cache_expiry
        return info

    async def add_id_tag(self, id_tag: str, status: str = "Accepted", expiry_date: str | None = None,
                         parent_id_tag: str | None = None) -> None:
        self.tokens[id_tag] = TokenRecord(status, None, parent_id_tag, expiry_date)

    async def remove_id_tag(self, id_tag: str) -> None:
        self.tokens.pop(id_tag, None)
