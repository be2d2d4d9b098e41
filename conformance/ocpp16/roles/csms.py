"""The suite as an OCPP 1.6 Central System towards a charge point under test: its default answers.

Everything a case does not care about gets a correct, boring reply. The responder also keeps the state a case
may want to read (the charger's BootNotification, connector statuses, transactions), so cases look at what
happened instead of parsing the wire themselves.
"""

from __future__ import annotations

import itertools
from typing import Any

from conformance.peer import CallErrorReply
from conformance.protocol import OCPP16
from conformance.timestamps import in_days, utc_now
from conformance.wire import Record


class CsmsResponder16:
    """The suite playing an OCPP 1.6 Central System towards a charge point under test."""

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        tags = descriptor.id_tags
        self.heartbeat_interval = int(descriptor.configuration.get("HeartbeatInterval", 300))
        self.tag_status: dict[str, str] = tags.statuses()
        self.tag_parent: dict[str, str] = {tag: tags.parent_id_tag for tag in (tags.child_id_tag, tags.sibling_id_tag)
                                           if tag and tags.parent_id_tag}
        self._tx_ids = itertools.count(1000)
        self.boot: dict[str, Any] | None = None
        self.boot_accepted = False
        self.statuses: dict[int, str] = {}
        self.transactions: dict[int, dict[str, Any]] = {}  # transactionId -> StartTransaction payload (+ stop)
        self.transaction_of_call: dict[str, int] = {}  # StartTransaction unique id -> transactionId given

    def id_tag_info(self, id_tag: str | None) -> dict[str, Any]:
        status = self.tag_status.get(id_tag or "", "Invalid")
        info: dict[str, Any] = {"status": status}
        if status == "Accepted":
            info["expiryDate"] = in_days(1)
        if id_tag in self.tag_parent:
            info["parentIdTag"] = self.tag_parent[id_tag]
        return info

    async def answer(self, action: str, payload: dict, rec: Record) -> Any:
        handler = getattr(self, f"on_{action}", None)
        if handler is None:  # OCPP-J 1.6 Table 7: a known action it does not handle is NotSupported
            if action in OCPP16.initiators:
                return CallErrorReply("NotSupported", f"the suite's Central System does not support {action}")
            return CallErrorReply("NotImplemented", f"{action} is not an OCPP 1.6 action the Central System knows")
        reply = handler(payload)
        if action == "StartTransaction" and rec.unique_id:
            self.transaction_of_call[rec.unique_id] = reply["transactionId"]
        return reply

    def transaction_id_of(self, start: Record) -> int | None:
        """The transactionId the suite gave in answer to this StartTransaction (None if it answered otherwise)."""
        return self.transaction_of_call.get(start.unique_id or "")

    def on_BootNotification(self, p: dict) -> dict:
        return {"status": "Accepted", "currentTime": utc_now(), "interval": self.heartbeat_interval}

    def replied(self, action: str, payload: Any, reply: Any) -> None:
        """Whatever answered (default or a case's override), keep the state the answer created."""
        if action == "BootNotification" and isinstance(payload, dict):
            self.boot = dict(payload)
            self.boot_accepted = isinstance(reply, dict) and reply.get("status") == "Accepted"

    def on_Heartbeat(self, p: dict) -> dict:
        return {"currentTime": utc_now()}

    def on_StatusNotification(self, p: dict) -> dict:
        if isinstance(p.get("connectorId"), int):
            self.statuses[p["connectorId"]] = p.get("status", "")
        return {}

    def on_Authorize(self, p: dict) -> dict:
        return {"idTagInfo": self.id_tag_info(p.get("idTag"))}

    def on_StartTransaction(self, p: dict) -> dict:
        tx = next(self._tx_ids)
        self.transactions[tx] = dict(p)
        return {"transactionId": tx, "idTagInfo": self.id_tag_info(p.get("idTag"))}

    def on_StopTransaction(self, p: dict) -> dict:
        tx = p.get("transactionId")
        if isinstance(tx, int) and tx in self.transactions:
            self.transactions[tx]["stop"] = dict(p)
        return {"idTagInfo": self.id_tag_info(p["idTag"])} if p.get("idTag") else {}

    def on_MeterValues(self, p: dict) -> dict:
        return {}

    def on_DataTransfer(self, p: dict) -> dict:
        return {"status": "UnknownVendorId"}

    def on_DiagnosticsStatusNotification(self, p: dict) -> dict:
        return {}

    def on_FirmwareStatusNotification(self, p: dict) -> dict:
        return {}

    def on_SecurityEventNotification(self, p: dict) -> dict:
        return {}

    def on_LogStatusNotification(self, p: dict) -> dict:
        return {}

    def on_SignedFirmwareStatusNotification(self, p: dict) -> dict:
        return {}

    def on_SignCertificate(self, p: dict) -> dict:
        return {"status": "Rejected"}
