"""Default answers to the IUT's CALLs: everything a case does not care about gets a correct, boring reply.

Each responder also keeps the state a case may want to read (the IUT's BootNotification, connector statuses,
transactions), so cases look at what happened instead of parsing the wire themselves.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Any

from conformance.peer import CallErrorReply
from conformance.wire import Record


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def in_days(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat(timespec="seconds").replace("+00:00", "Z")


class CsmsResponder16:
    """The suite playing an OCPP 1.6 Central System towards a charge point under test."""

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        tags = descriptor.id_tags
        self.heartbeat_interval = int(descriptor.configuration.get("HeartbeatInterval", 300))
        self.tag_status: dict[str, str] = {
            tags.valid: "Accepted",
            tags.valid_2: "Accepted",
            tags.invalid: "Invalid",
            tags.blocked: "Blocked",
            tags.expired: "Expired",
            tags.child_id_tag: "Accepted",
        }
        self.tag_parent: dict[str, str] = {tags.child_id_tag: tags.parent_id_tag}
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
        if handler is None:
            return CallErrorReply("NotImplemented", f"the suite's Central System does not handle {action}")
        reply = handler(payload)
        if action == "StartTransaction" and rec.unique_id:
            self.transaction_of_call[rec.unique_id] = reply["transactionId"]
        return reply

    def transaction_id_of(self, start: Record) -> int | None:
        """The transactionId the suite gave in answer to this StartTransaction (None if it answered otherwise)."""
        return self.transaction_of_call.get(start.unique_id or "")

    def on_BootNotification(self, p: dict) -> dict:
        self.boot = dict(p)
        self.boot_accepted = True
        return {"status": "Accepted", "currentTime": utc_now(), "interval": self.heartbeat_interval}

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

    def running_transaction(self, connector: int | None = None) -> int | None:
        for tx, start in reversed(list(self.transactions.items())):
            if "stop" not in start and (connector is None or start.get("connectorId") == connector):
                return tx
        return None


class ChargePointResponder16:
    """The suite playing an OCPP 1.6 charge point towards a Central System under test: answers its commands."""

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        self.connectors = descriptor.connectors
        self.configuration: dict[str, dict[str, Any]] = {
            "HeartbeatInterval": {"value": "300", "readonly": False},
            "MeterValueSampleInterval": {"value": "60", "readonly": False},
            "ClockAlignedDataInterval": {"value": "0", "readonly": False},
            "ConnectionTimeOut": {"value": "60", "readonly": False},
            "AuthorizeRemoteTxRequests": {"value": "true", "readonly": False},
            "LocalAuthorizeOffline": {"value": "true", "readonly": False},
            "LocalPreAuthorize": {"value": "false", "readonly": False},
            "AuthorizationCacheEnabled": {"value": "true", "readonly": False},
            "StopTransactionOnEVSideDisconnect": {"value": "true", "readonly": False},
            "StopTransactionOnInvalidId": {"value": "true", "readonly": False},
            "UnlockConnectorOnEVSideDisconnect": {"value": "true", "readonly": False},
            "NumberOfConnectors": {"value": str(self.connectors), "readonly": True},
            "SupportedFeatureProfiles": {"value": "Core", "readonly": True},
            "GetConfigurationMaxKeys": {"value": "50", "readonly": True},
            "MeterValuesSampledData": {"value": "Energy.Active.Import.Register", "readonly": False},
            "MeterValuesAlignedData": {"value": "Energy.Active.Import.Register", "readonly": False},
        }
        self.commands: list[tuple[str, dict]] = []

    async def answer(self, action: str, payload: dict, rec: Record) -> Any:
        self.commands.append((action, payload))
        handler = getattr(self, f"on_{action}", None)
        if handler is None:
            return CallErrorReply("NotImplemented", f"the suite's charge point does not handle {action}")
        return handler(payload)

    def on_GetConfiguration(self, p: dict) -> dict:
        keys = p.get("key")
        if not keys:
            return {"configurationKey": [{"key": k, **v} for k, v in self.configuration.items()]}
        known = [{"key": k, **self.configuration[k]} for k in keys if k in self.configuration]
        unknown = [k for k in keys if k not in self.configuration]
        out: dict[str, Any] = {"configurationKey": known} if known else {}
        if unknown:
            out["unknownKey"] = unknown
        return out

    def on_ChangeConfiguration(self, p: dict) -> dict:
        entry = self.configuration.get(p.get("key", ""))
        if entry is None:
            return {"status": "NotSupported"}
        if entry["readonly"]:
            return {"status": "Rejected"}
        entry["value"] = p.get("value", "")
        return {"status": "Accepted"}

    def on_RemoteStartTransaction(self, p: dict) -> dict:
        return {"status": "Rejected" if p.get("connectorId") == 0 else "Accepted"}

    def on_RemoteStopTransaction(self, p: dict) -> dict:
        return {"status": "Accepted"}

    def on_Reset(self, p: dict) -> dict:
        return {"status": "Accepted"}

    def on_UnlockConnector(self, p: dict) -> dict:
        c = p.get("connectorId", 0)
        return {"status": "Unlocked" if 1 <= c <= self.connectors else "NotSupported"}

    def on_ClearCache(self, p: dict) -> dict:
        return {"status": "Accepted"}

    def on_ChangeAvailability(self, p: dict) -> dict:
        return {"status": "Accepted"}

    def on_DataTransfer(self, p: dict) -> dict:
        return {"status": "UnknownVendorId"}

    def on_TriggerMessage(self, p: dict) -> dict:
        return {"status": "Accepted"}


def responder_for(descriptor: Any) -> Any:
    """The default responder of the role the suite plays towards `descriptor`'s IUT."""
    from conformance.wire import Role

    if descriptor.ocpp_version != "1.6":
        raise NotImplementedError(f"OCPP {descriptor.ocpp_version} responders are not available yet")
    return CsmsResponder16(descriptor) if descriptor.sut is Role.CHARGE_POINT else ChargePointResponder16(descriptor)
