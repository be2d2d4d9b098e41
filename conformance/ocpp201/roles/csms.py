"""The suite as an OCPP 2.0.1 CSMS towards a charging station under test: its default answers, and the state a case
reads (the BootNotification, connector statuses, transactions, reports) instead of parsing the wire itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.peer import CallErrorReply
from conformance.protocol import OCPP201
from conformance.timestamps import utc_now
from conformance.wire import Record


@dataclass
class StationTransaction:
    """A transaction of the station under test, as its TransactionEvents tell it."""

    transaction_id: str
    evse: int | None
    events: list[dict] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return any(e.get("eventType") == "Ended" for e in self.events)


class CsmsResponder201:
    """The suite playing an OCPP 2.0.1 CSMS towards a charging station under test."""

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        self.heartbeat_interval = int(descriptor.configuration.get("OCPPCommCtrlr.HeartbeatInterval", 300))
        tags = descriptor.id_tags
        self.token_status: dict[str, str] = {t.lower(): s for t, s in tags.statuses().items()}
        if tags.parent_id_tag:
            self.token_status.setdefault(tags.parent_id_tag.lower(), "Accepted")
        self.group_of = {t.lower(): tags.parent_id_tag for t in (tags.child_id_tag, tags.sibling_id_tag)
                         if t and tags.parent_id_tag}
        self.boot: dict[str, Any] | None = None
        self.boot_accepted = False
        self.registration: str | None = None
        self.statuses: dict[tuple[int, int], str] = {}  # (evse, connector) -> connectorStatus
        self.transactions: dict[str, StationTransaction] = {}
        self.reports: dict[int, list[dict]] = {}  # requestId -> NotifyReport payloads in arrival order

    # -- what the station is told ------------------------------------------------------------------------------------
    def id_token_info(self, id_token: Any) -> dict[str, Any]:
        token = str((id_token or {}).get("idToken", "")) if isinstance(id_token, dict) else ""
        info: dict[str, Any] = {"status": self.token_status.get(token.lower(), "Invalid")}
        group = self.group_of.get(token.lower())
        if group and info["status"] == "Accepted":
            info["groupIdToken"] = {"idToken": group, "type": self.descriptor.id_token_type(group)}
        return info

    async def answer(self, action: str, payload: dict, rec: Record) -> Any:
        handler = getattr(self, f"on_{action}", None)
        if handler is None:  # Part 4 §4.3 Table 8: a known action it does not handle is NotSupported
            if action in OCPP201.initiators:
                return CallErrorReply("NotSupported", f"the suite's CSMS does not support {action}")
            return CallErrorReply("NotImplemented", f"{action} is not an OCPP 2.0.1 action the CSMS knows")
        return handler(payload)

    def replied(self, action: str, payload: Any, reply: Any) -> None:
        """Whatever answered (default or a case's override), keep the state the answer created."""
        if action == "BootNotification" and isinstance(payload, dict):
            self.boot = dict(payload)
            self.registration = reply.get("status") if isinstance(reply, dict) else None
            self.boot_accepted = self.registration == "Accepted"

    def on_BootNotification(self, p: dict) -> dict:
        return {"status": "Accepted", "currentTime": utc_now(), "interval": self.heartbeat_interval}

    def on_Heartbeat(self, p: dict) -> dict:
        return {"currentTime": utc_now()}

    def on_StatusNotification(self, p: dict) -> dict:
        if isinstance(p.get("evseId"), int) and isinstance(p.get("connectorId"), int):
            self.statuses[(p["evseId"], p["connectorId"])] = p.get("connectorStatus", "")
        return {}

    def on_NotifyEvent(self, p: dict) -> dict:
        """A connector's AvailabilityState reported as an event counts as its status (G01)."""
        for event in p.get("eventData") or []:
            if not isinstance(event, dict):
                continue
            component, variable = event.get("component") or {}, event.get("variable") or {}
            evse = component.get("evse") or {}
            if (component.get("name") == "Connector" and variable.get("name") == "AvailabilityState"
                    and isinstance(evse.get("id"), int)):
                self.statuses[(evse["id"], evse.get("connectorId", 1))] = str(event.get("actualValue", ""))
        return {}

    def on_NotifyReport(self, p: dict) -> dict:
        if isinstance(p.get("requestId"), int):
            self.reports.setdefault(p["requestId"], []).append(dict(p))
        return {}

    def on_Authorize(self, p: dict) -> dict:
        return {"idTokenInfo": self.id_token_info(p.get("idToken"))}

    def on_TransactionEvent(self, p: dict) -> dict:
        info = p.get("transactionInfo") if isinstance(p.get("transactionInfo"), dict) else {}
        tx_id = info.get("transactionId")
        if isinstance(tx_id, str):
            tx = self.transactions.setdefault(tx_id, StationTransaction(tx_id, (p.get("evse") or {}).get("id")))
            tx.events.append(dict(p))
        return {"idTokenInfo": self.id_token_info(p["idToken"])} if isinstance(p.get("idToken"), dict) else {}

    def running(self, evse: int | None = None) -> list[StationTransaction]:
        """Transactions the station started and has not ended (on `evse`, if given)."""
        return [t for t in self.transactions.values() if not t.ended and (evse is None or t.evse == evse)]

    def on_MeterValues(self, p: dict) -> dict:
        return {}

    def on_DataTransfer(self, p: dict) -> dict:
        return {"status": "UnknownVendorId"}

    def on_SecurityEventNotification(self, p: dict) -> dict:
        return {}

    def on_FirmwareStatusNotification(self, p: dict) -> dict:
        return {}

    def on_LogStatusNotification(self, p: dict) -> dict:
        return {}

    def on_NotifyMonitoringReport(self, p: dict) -> dict:
        return {}

    def on_SignCertificate(self, p: dict) -> dict:
        return {"status": "Rejected"}
