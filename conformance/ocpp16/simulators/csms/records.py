"""What the reference Central System keeps: its token database entries, transactions and the charge points it knows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

from conformance.ocpp16.simulators.rpc import RpcEndpoint
from conformance.timestamps import iso


class UnknownStation(LookupError):
    """No charge point with that identity is connected."""


class UnknownAction(ValueError):
    """Not a Central System -> Charge Point action of OCPP 1.6."""


@dataclass
class IdTagRecord:
    status: str = "Accepted"  # Accepted | Blocked | Expired | Invalid
    expiry_date: str | None = None
    parent_id_tag: str | None = None

    @classmethod
    def from_value(cls, value: Any) -> "IdTagRecord":
        if value is None:
            return cls()
        if isinstance(value, IdTagRecord):
            return value
        if isinstance(value, str):
            return cls(status=value)
        if isinstance(value, Mapping):
            expiry = value.get("expiryDate", value.get("expiry_date"))
            if isinstance(expiry, datetime):
                expiry = iso(expiry)
            return cls(
                status=str(value.get("status", "Accepted")),
                expiry_date=expiry,
                parent_id_tag=value.get("parentIdTag", value.get("parent_id_tag")),
            )
        raise ValueError(f"id tag entry must be a status string or a mapping, got {value!r}")


@dataclass
class CsmsTransaction:
    transaction_id: int
    station_id: str
    connector_id: int
    id_tag: str
    meter_start: int
    start_time: str
    status: str  # idTagInfo status answered in StartTransaction.conf
    active: bool = True
    meter_stop: int | None = None
    stop_time: str | None = None
    stop_reason: str | None = None
    stop_id_tag: str | None = None
    meter_values: list[dict] = field(default_factory=list)


@dataclass
class Station:
    identity: str
    connected: bool = False
    registration: str | None = None
    boot: dict | None = None
    last_heartbeat: str | None = None
    connectors: dict[int, dict] = field(default_factory=dict)
    received: list[tuple[str, dict]] = field(default_factory=list)  # every CALL from the charge point
    diagnostics_status: str | None = None
    firmware_status: str | None = None
    subprotocol: str | None = None
    session: "RpcEndpoint | None" = None
    configuration: dict[str, dict] = field(default_factory=dict)  # key -> {"value", "readonly"} as last reported
    # security white paper
    security_events: list[dict] = field(default_factory=list)
    log_status: dict | None = None
    signed_firmware_status: dict | None = None
    pending_certificate: str | None = None  # signed in answer to SignCertificate, sent with CertificateSigned
    certificate_signed_status: str | None = None

    def to_dict(self, transactions: Iterable[CsmsTransaction]) -> dict:
        return {
            "identity": self.identity,
            "connected": self.connected,
            "registration": self.registration,
            "boot": self.boot,
            "lastHeartbeat": self.last_heartbeat,
            "connectors": {str(k): v for k, v in sorted(self.connectors.items())},
            "configuration": dict(sorted(self.configuration.items())),
            "transactions": [
                {
                    "transactionId": t.transaction_id,
                    "connectorId": t.connector_id,
                    "idTag": t.id_tag,
                    "active": t.active,
                    "meterStart": t.meter_start,
                    "meterStop": t.meter_stop,
                    "stopReason": t.stop_reason,
                }
                for t in transactions
                if t.station_id == self.identity
            ],
        }
