"""What the reference 2.0.1 CSMS keeps: its token database entries, transactions, reports and the stations it knows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


class UnknownStation(LookupError):
    """No charging station with that identity is connected."""


class UnknownAction(ValueError):
    """Not a CSMS -> Charging Station action of OCPP 2.0.1."""


@dataclass
class TokenRecord:
    status: str = "Accepted"  # Accepted | Blocked | Expired | Invalid
    type: str | None = None  # IdTokenEnumType; None: any type
    group: str | None = None  # groupIdToken
    cache_expiry: str | None = None

    @classmethod
    def from_value(cls, value: Any) -> "TokenRecord":
        if value is None:
            return cls()
        if isinstance(value, TokenRecord):
            return value
        if isinstance(value, str):
            return cls(status=value)
        if isinstance(value, Mapping):
            return cls(status=str(value.get("status", "Accepted")), type=value.get("type"), group=value.get("group"),
                       cache_expiry=value.get("cacheExpiryDateTime"))
        raise ValueError(f"token entry must be a status string or a mapping, got {value!r}")


@dataclass
class CsmsTransaction:
    transaction_id: str
    station_id: str
    evse: int | None
    events: list[dict] = field(default_factory=list)  # every TransactionEvent of it, in arrival order
    ended: bool = False
    stopped_reason: str | None = None


@dataclass
class Station:
    identity: str
    connected: bool = False
    registration: str | None = None
    boot: dict | None = None
    last_heartbeat: str | None = None
    statuses: dict[tuple[int, int], str] = field(default_factory=dict)  # (evse, connector) -> connectorStatus
    received: list[tuple[str, dict]] = field(default_factory=list)  # every CALL from the station
    reports: dict[int, list[dict]] = field(default_factory=dict)  # requestId -> NotifyReport payloads
    subprotocol: str | None = None
    session: Any = None
    granted: set[str] = field(default_factory=set)  # what the station may send while Pending (asked for)
    variables: dict[str, str] = field(default_factory=dict)  # "Component.Variable[instance]" -> value last reported

    def to_dict(self, transactions: Any) -> dict:
        return {
            "identity": self.identity,
            "connected": self.connected,
            "registration": self.registration,
            "boot": self.boot,
            "lastHeartbeat": self.last_heartbeat,
            "statuses": {f"{e}/{c}": s for (e, c), s in sorted(self.statuses.items())},
            "reports": {str(k): len(v) for k, v in self.reports.items()},
            "transactions": [
                {"transactionId": t.transaction_id, "evseId": t.evse, "ended": t.ended,
                 "stoppedReason": t.stopped_reason}
                for t in transactions if t.station_id == self.identity
            ],
        }
