"""Reference OCPP 1.6 Central System: the Core profile as a real CSMS does it, plus named faults.

A WebSocket server on `<path>/<identity>` negotiating `ocpp1.6`; it keeps a token database (Accepted, Blocked,
Expired, unknown = Invalid, with parentIdTag and expiryDate), tracks every charge point's connectors and
transactions, and offers an operator API to send any Central System command to a connected charge point.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import http
import itertools
import logging
import re
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from . import faults as fault_registry
from .observe import Observable
from .rpc import Raw, RpcEndpoint, RpcError, check_payload

LOGGER = logging.getLogger("conformance.ocpp16.simulators.csms")

SUBPROTOCOL = "ocpp1.6"

# Central System -> Charge Point actions of 1.6 (Core and the other profiles, plus the security white paper).
CSMS_ACTIONS = frozenset(
    {
        "CancelReservation",
        "CertificateSigned",
        "ChangeAvailability",
        "ChangeConfiguration",
        "ClearCache",
        "ClearChargingProfile",
        "DataTransfer",
        "DeleteCertificate",
        "ExtendedTriggerMessage",
        "GetCompositeSchedule",
        "GetConfiguration",
        "GetDiagnostics",
        "GetInstalledCertificateIds",
        "GetLocalListVersion",
        "GetLog",
        "InstallCertificate",
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "ReserveNow",
        "Reset",
        "SendLocalList",
        "SetChargingProfile",
        "SignedUpdateFirmware",
        "TriggerMessage",
        "UnlockConnector",
        "UpdateFirmware",
    }
)


class UnknownStation(LookupError):
    """No charge point with that identity is connected."""


class UnknownAction(ValueError):
    """Not a Central System -> Charge Point action of OCPP 1.6."""


def action_name(action: str) -> str:
    """`remote-start-transaction`, `remote_start_transaction` or `RemoteStartTransaction` -> `RemoteStartTransaction`."""
    if re.fullmatch(r"[A-Z][A-Za-z]*", action):
        return action
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", action.strip()) if part)


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


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
                expiry = _iso(expiry)
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
    session: "_CsmsRpc | None" = None
    configuration: dict[str, dict] = field(default_factory=dict)  # key -> {"value", "readonly"} as last reported

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


class _CsmsRpc(RpcEndpoint):
    """The Central System's side of one charge point connection."""

    def __init__(self, csms: "ReferenceCsms", station: Station, connection: ServerConnection) -> None:
        super().__init__(
            station.identity,
            connection,
            response_timeout=csms.response_timeout,
            faults=csms.faults,
            late_reply_delay=csms.late_reply_delay,
            logger=csms.logger,
        )
        self.csms = csms
        self.station = station
        self.opened_at = datetime.now(timezone.utc)

    def _queued_offline(self, timestamp: str | None) -> bool:
        """True for a transaction message stamped before this connection opened (the charger queued it offline)."""
        stamped = _parse_time(timestamp)
        if stamped is not None and stamped.tzinfo is None:
            stamped = stamped.replace(tzinfo=timezone.utc)
        return stamped is not None and stamped < self.opened_at

    async def _dispatch(self, unique_id: str, action: str, payload: dict) -> str | None:
        self.station.received.append((action, payload))
        reply = await super()._dispatch(unique_id, action, payload)
        self.csms._wake()
        return reply

    @on(Action.boot_notification)
    def on_boot_notification(self, raw_payload: dict, **_: Any):
        csms, station = self.csms, self.station
        status = csms.boot_status_for(station.identity)
        station.boot = raw_payload
        station.registration = status
        interval = 0 if "boot-interval-zero" in csms.faults else csms.heartbeat_interval
        return call_result.BootNotification(current_time=csms.current_time(), interval=interval, status=status)

    @on(Action.heartbeat)
    def on_heartbeat(self, **_: Any):
        self.station.last_heartbeat = _iso(datetime.now(timezone.utc))
        if "heartbeat-no-currenttime" in self.csms.faults:
            return Raw({})
        return call_result.Heartbeat(current_time=self.csms.current_time())

    @on(Action.status_notification)
    def on_status_notification(self, raw_payload: dict, **_: Any):
        if raw_payload.get("status") == "Faulted" and "faulted-status-callerror" in self.csms.faults:
            raise RpcError("PropertyConstraintViolation", "status Faulted is not handled")
        self.station.connectors[raw_payload["connectorId"]] = {
            k: raw_payload[k] for k in ("status", "errorCode", "timestamp", "info", "vendorErrorCode") if k in raw_payload
        }
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, id_tag: str, **_: Any):
        info = self.csms.id_tag_info(id_tag)
        if info["status"] == "Accepted" and "valid-tag-rejected" in self.csms.faults:
            info = {"status": "Invalid"}
        return call_result.Authorize(id_tag_info=info)

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
        if "offline-messages-rejected" in csms.faults and self._queued_offline(raw_payload.get("timestamp")):
            info = {"status": "Invalid"}
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
        if id_tag:
            info = csms.id_tag_info(id_tag)
            if "offline-messages-rejected" in csms.faults and self._queued_offline(raw_payload.get("timestamp")):
                info = {"status": "Invalid"}
            return call_result.StopTransaction(id_tag_info=info)
        return call_result.StopTransaction()

    @on(Action.meter_values)
    def on_meter_values(self, raw_payload: dict, **_: Any):
        tx = self.csms.transactions.get(raw_payload.get("transactionId"))
        if tx is not None:
            tx.meter_values.extend(raw_payload["meterValue"])
        return call_result.MeterValues()

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, message_id: str | None = None, data: str | None = None, **_: Any):
        csms = self.csms
        if "datatransfer-not-implemented" in csms.faults:
            raise RpcError("NotImplemented", "DataTransfer is not implemented")
        if vendor_id != csms.vendor_id and "datatransfer-unknown-vendor-accepted" not in csms.faults:
            return call_result.DataTransfer(status="UnknownVendorId")
        if vendor_id == csms.vendor_id and message_id is not None and message_id not in csms.data_transfer_message_ids:
            return call_result.DataTransfer(status="UnknownMessageId")
        return call_result.DataTransfer(status="Accepted", data=data)

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status(self, status: str, **_: Any):
        self.station.diagnostics_status = status
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    def on_firmware_status(self, status: str, **_: Any):
        self.station.firmware_status = status
        return call_result.FirmwareStatusNotification()


class ReferenceCsms(Observable):
    """A correct OCPP 1.6 Core Central System (unless told to misbehave through `faults`)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/ocpp",
        faults: Iterable[str] = (),
        id_tags: Mapping[str, Any] | None = None,
        accept_unknown_chargers: bool = True,
        stations: Iterable[str] = (),
        basic_auth: Mapping[str, str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        heartbeat_interval: int = 300,
        boot_status: str = "Accepted",
        response_timeout: float = 30.0,
        late_reply_delay: float | None = None,
        accepted_expiry: timedelta = timedelta(days=1),
        vendor_id: str = "org.ocpp-conformance",
        data_transfer_message_ids: Iterable[str] = ("Echo",),
        first_transaction_id: int = 1,
        logger: logging.Logger = LOGGER,
    ) -> None:
        self.host = host
        self.port = port
        self.path = "/" + path.strip("/") if path.strip("/") else ""
        self.faults = fault_registry.check_faults(faults, "csms")
        self.id_tags: dict[str, IdTagRecord] = {k: IdTagRecord.from_value(v) for k, v in (id_tags or {}).items()}
        self.accept_unknown_chargers = accept_unknown_chargers
        self.known_stations = set(stations) | set((basic_auth or {}).keys())
        self.basic_auth: dict[str, str] = dict(basic_auth or {})
        self.ssl_context = ssl_context
        self.heartbeat_interval = heartbeat_interval
        self.boot_status = boot_status
        self.boot_status_overrides: dict[str, str] = {}
        self.response_timeout = response_timeout
        self.late_reply_delay = late_reply_delay if late_reply_delay is not None else response_timeout + 2
        self.accepted_expiry = accepted_expiry
        self.vendor_id = vendor_id
        self.data_transfer_message_ids = set(data_transfer_message_ids)
        self.logger = logger
        self.stations: dict[str, Station] = {}
        self.transactions: dict[int, CsmsTransaction] = {}
        self._tx_ids = itertools.count(first_transaction_id)
        self._server: Server | None = None
        self._init_observable()
        self._own_errors: list[str] = []

    # =================================================================== lifecycle
    async def start(self) -> int:
        """Start listening; returns the actual port (useful with port=0)."""
        extra = {"ssl": self.ssl_context} if self.ssl_context is not None else {}
        self._server = await serve(
            self._handler,
            self.host,
            self.port,
            subprotocols=[SUBPROTOCOL],
            select_subprotocol=self._select_subprotocol,
            process_request=self._process_request,
            compression=None,
            ping_interval=None,
            close_timeout=2,
            max_size=2**22,
            logger=self.logger,
            **extra,
        )
        sockets = self._server.sockets
        self.port = sockets[0].getsockname()[1] if sockets else self.port
        return self.port

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close(close_connections=True)
        try:
            await asyncio.wait_for(self._server.wait_closed(), 5)
        except asyncio.TimeoutError:
            self.logger.warning("CSMS did not close all connections within 5 s")
        self._server = None

    @property
    def url(self) -> str:
        scheme = "wss" if self.ssl_context is not None else "ws"
        return f"{scheme}://{self.host}:{self.port}{self.path}"

    @property
    def own_schema_errors(self) -> list[str]:
        """Replies of ours that broke the 1.6 schema without a fault asking for it: must stay empty."""
        return self._own_errors

    # =================================================================== handshake
    def _identity_from_path(self, raw_path: str) -> str | None:
        path = urlsplit(raw_path).path
        prefix = self.path + "/"
        if not path.startswith(prefix):
            return None
        rest = path[len(prefix):]
        if not rest or "/" in rest:
            return None
        return unquote(rest)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        identity = self._identity_from_path(request.path)
        if identity is None:
            return connection.respond(http.HTTPStatus.NOT_FOUND, f"no OCPP endpoint at {request.path}; use {self.path}/<identity>\n")
        known = identity in self.known_stations or identity in self.stations
        if not self.accept_unknown_chargers and not known and "unknown-charger-accepted" not in self.faults:
            # J16 §3.2: an unknown identity SHOULD get HTTP 404 and the handshake aborted.
            return connection.respond(http.HTTPStatus.NOT_FOUND, f"unknown charge point {identity}\n")
        password = self.basic_auth.get(identity)
        if password is not None and "basic-auth-ignored" not in self.faults:
            if not self._credentials_ok(request.headers, identity, password):
                response = connection.respond(http.HTTPStatus.UNAUTHORIZED, "invalid or missing HTTP Basic credentials\n")
                response.headers["WWW-Authenticate"] = 'Basic realm="OCPP", charset="UTF-8"'
                return response
        return None

    @staticmethod
    def _credentials_ok(headers: Headers, identity: str, password: str) -> bool:
        value = headers.get("Authorization", "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, sep, given = decoded.partition(":")
        return bool(sep) and user == identity and given == password

    def _select_subprotocol(self, connection: ServerConnection, offered: Iterable[str]) -> str | None:
        offered = list(offered)
        if "wrong-subprotocol" in self.faults:
            for candidate in ("ocpp2.0.1", "ocpp1.5", "ocpp9.9"):
                if candidate not in offered:
                    return candidate
        if SUBPROTOCOL in offered:
            return SUBPROTOCOL
        # J16 §3.2: complete the handshake without Sec-WebSocket-Protocol, then close.
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        identity = self._identity_from_path(ws.request.path) or ""
        if ws.subprotocol != SUBPROTOCOL and "accept-no-subprotocol" not in self.faults:
            self.logger.info("%s: no supported subprotocol offered, closing", identity)
            await ws.close(1002, "no supported subprotocol (ocpp1.6 required)")
            return
        station = self.stations.setdefault(identity, Station(identity))
        if "transactions-lost-on-reconnect" in self.faults:
            for tx_id in [t.transaction_id for t in self.transactions.values() if t.station_id == identity and t.active]:
                del self.transactions[tx_id]
        old = station.session
        if old is not None:
            self.logger.info("%s: new connection replaces the old one", identity)
            try:
                await asyncio.wait_for(old._connection.close(1000, "replaced by a new connection"), 2)
            except Exception:
                pass
        session = _CsmsRpc(self, station, ws)
        session.own_schema_errors = self._own_errors
        station.session = session
        station.connected = True
        station.subprotocol = ws.subprotocol
        await self._notify()
        try:
            await session.start()
        finally:
            if station.session is session:
                station.session = None
                station.connected = False
            await self._notify()

    # =================================================================== token database
    def current_time(self) -> str:
        now = datetime.now(timezone.utc)
        if "currenttime-skewed" in self.faults:
            now += timedelta(hours=1)
        return _iso(now)

    def boot_status_for(self, identity: str) -> str:
        return self.boot_status_overrides.get(identity, self.boot_status)

    def id_tag_info(self, id_tag: str) -> dict:
        """idTagInfo for a token, following the database (unknown = Invalid)."""
        record = self.id_tags.get(id_tag)
        if record is None:
            for token, candidate in self.id_tags.items():
                if token.lower() == id_tag.lower():  # IdToken is case-insensitive (CiString20)
                    record = candidate
                    break
        if record is None:
            status = "Accepted" if "invalid-tag-accepted" in self.faults else "Invalid"
            return self._info(status, None, None)
        status = record.status
        expiry = _parse_time(record.expiry_date)
        if status == "Accepted" and expiry is not None and expiry < datetime.now(timezone.utc):
            status = "Expired"
        if status == "Blocked" and "blocked-tag-accepted" in self.faults:
            status = "Accepted"
        if status == "Expired" and "expired-tag-accepted" in self.faults:
            status, expiry = "Accepted", None
        return self._info(status, expiry, record.parent_id_tag)

    def _info(self, status: str, expiry: datetime | None, parent: str | None) -> dict:
        info: dict[str, Any] = {"status": status}
        if status == "Accepted":
            info["expiryDate"] = _iso(expiry if expiry is not None else datetime.now(timezone.utc) + self.accepted_expiry)
            if "accepted-expiry-in-past" in self.faults:
                info["expiryDate"] = _iso(datetime.now(timezone.utc) - timedelta(days=1))
        elif expiry is not None:
            info["expiryDate"] = _iso(expiry)
        if parent:
            info["parentIdTag"] = parent
        return info

    def next_transaction_id(self) -> int:
        if "transaction-id-reused" in self.faults:
            return 1
        return next(self._tx_ids)

    async def add_id_tag(self, id_tag: str, status: str = "Accepted", expiry_date: str | None = None, parent_id_tag: str | None = None) -> None:
        self.id_tags[id_tag] = IdTagRecord(status, expiry_date, parent_id_tag)

    async def remove_id_tag(self, id_tag: str) -> None:
        self.id_tags.pop(id_tag, None)

    # =================================================================== operator API
    def station(self, station_id: str) -> Station:
        station = self.stations.get(station_id)
        if station is None:
            raise UnknownStation(f"charge point {station_id!r} has never connected to this CSMS")
        return station

    def running_transaction(self, station_id: str, connector_id: int | None = None) -> CsmsTransaction | None:
        for tx in self.transactions.values():
            if tx.active and tx.station_id == station_id and (connector_id is None or tx.connector_id == connector_id):
                return tx
        return None

    async def send_command(self, station_id: str, action: str, payload: Mapping[str, Any] | None = None) -> dict:
        """Send a Central System command to a connected charge point; returns its CALLRESULT payload.

        Raises UnknownStation (not connected), UnknownAction (not a 1.6 CSMS command), ValueError (bad payload),
        rpc.CallError (the charge point answered CALLERROR), rpc.CallTimeout (no answer in time).
        """
        return await self.start_command(station_id, action, payload)

    def start_command(
        self, station_id: str, action: str, payload: Mapping[str, Any] | None = None, *, on_sent: asyncio.Event | None = None
    ) -> "asyncio.Future[dict]":
        """Check and launch a command at once (errors in the request are raised here); the future gives the reply."""
        session, name, body = self._prepare_command(station_id, action, payload)
        return asyncio.ensure_future(self._run_command(station_id, session, name, body, on_sent))

    def _prepare_command(self, station_id: str, action: str, payload: Mapping[str, Any] | None) -> tuple["_CsmsRpc", str, dict]:
        name = action_name(action)
        if name not in CSMS_ACTIONS:
            raise UnknownAction(f"{action!r} is not an OCPP 1.6 Central System command; known: {', '.join(sorted(CSMS_ACTIONS))}")
        station = self.stations.get(station_id)
        if station is None or station.session is None:
            raise UnknownStation(f"charge point {station_id!r} is not connected to this CSMS")
        body = dict(payload or {})
        if name == "RemoteStopTransaction" and "transactionId" not in body:
            tx = self.running_transaction(station_id, body.pop("connectorId", None))
            if tx is None:
                raise ValueError(f"charge point {station_id!r} has no running transaction to stop; give transactionId")
            body["transactionId"] = tx.transaction_id
        if name == "RemoteStartTransaction" and "idTag" not in body:
            valid = [t for t, r in self.id_tags.items() if r.status == "Accepted"]
            if not valid:
                raise ValueError("RemoteStartTransaction needs an idTag (the token database has no Accepted tag)")
            body["idTag"] = valid[0]
        problem = check_payload(name, body)
        if problem is not None:
            raise ValueError(f"{name} payload is not valid OCPP 1.6: {problem.message}")
        return station.session, name, self._faulty_command(name, body)

    def _faulty_command(self, name: str, body: dict) -> dict:
        """The command as a faulty Central System would send it (unchanged without faults)."""
        faults = self.faults
        if name == "RemoteStartTransaction" and "connectorId" in body and "remote-start-connector-zero" in faults:
            body["connectorId"] = 0
        if name == "RemoteStopTransaction" and "remote-stop-wrong-transaction" in faults:
            body["transactionId"] += 1
        if name == "Reset" and "reset-type-swapped" in faults:
            body["type"] = {"Hard": "Soft", "Soft": "Hard"}.get(body.get("type"), body.get("type"))
        if name == "UnlockConnector" and "unlock-wrong-connector" in faults:
            body["connectorId"] += 1
        if name == "GetConfiguration" and "get-configuration-key-list-dropped" in faults:
            body.pop("key", None)
        if name == "ChangeConfiguration" and "change-configuration-value-number" in faults:
            text = str(body.get("value", ""))
            if text.lower() in ("true", "false"):
                body["value"] = text.lower() == "true"
            elif re.fullmatch(r"-?\d+", text):
                body["value"] = int(text)
        return body

    async def _run_command(self, station_id: str, session: "_CsmsRpc", name: str, body: dict, on_sent: asyncio.Event | None) -> dict:
        if "commands-not-sent" in self.faults:
            self._wake()
            return {}
        try:
            # a faulty command may break the schema on purpose; a correct one was checked in _prepare_command
            reply = await session.call_raw(name, body, on_sent=on_sent, validate=False)
        finally:
            self._wake()
        self._remember_configuration(session.station, name, body, reply)
        if name == "ChangeConfiguration" and body.get("key") == "AuthorizationKey" and reply.get("status") == "Accepted":
            if station_id in self.basic_auth:
                self.basic_auth[station_id] = body["value"]  # the old password is no longer valid (J16 §6.2.2)
        return reply

    @staticmethod
    def _remember_configuration(station: Station, name: str, body: dict, reply: dict) -> None:
        """Keep what the charge point reported about its configuration (GetConfiguration, accepted changes)."""
        if name == "GetConfiguration":
            for entry in reply.get("configurationKey") or []:
                if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                    station.configuration[entry["key"]] = {"value": entry.get("value"), "readonly": entry.get("readonly")}
        elif name == "ChangeConfiguration" and reply.get("status") in ("Accepted", "RebootRequired"):
            known = station.configuration.get(body.get("key"), {"readonly": False})
            station.configuration[str(body.get("key"))] = {"value": body.get("value"), "readonly": known.get("readonly")}

    def snapshot(self) -> dict:
        return {
            "url": self.url,
            "faults": sorted(self.faults),
            "stations": [s.to_dict(self.transactions.values()) for s in self.stations.values()],
        }

    # =================================================================== observing

    async def wait_for_station(self, station_id: str, timeout: float, registration: str | None = "Accepted") -> Station:
        def ready() -> bool:
            s = self.stations.get(station_id)
            return bool(s and s.connected and (registration is None or s.registration == registration))

        await self.wait_for(ready, timeout)
        return self.stations[station_id]
