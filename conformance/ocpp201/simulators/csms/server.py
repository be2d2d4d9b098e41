"""The reference OCPP 2.0.1 CSMS: the Core of Part 2 as a real CSMS does it, plus named faults.

A WebSocket server on `<path>/<identity>` (or a path with `{identity}` in it) that negotiates `ocpp2.0.1` from the
subprotocols a station offers, completing the handshake without one and closing at once when it offers none it
supports (Part 4 §3.2); HTTP Basic authentication where configured. It keeps a token database, every station's
registration, connector statuses, reports and transactions, and offers an operator API to send any CSMS request to a
connected station. One class per functional area (this package's other modules) makes up `ReferenceCsms201`."""

from __future__ import annotations

import asyncio
import http
import logging
import ssl
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from cryptography import x509
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from conformance import certificates as certs
from conformance.credentials import password_bytes, split_basic
from conformance.iut import IDENTITY_PLACEHOLDER as IDENTITY
from conformance.ocpp201.simulators import faults as fault_registry
from conformance.ocpp201.simulators.csms.commands import OperatorCommands
from conformance.ocpp201.simulators.csms.records import CsmsTransaction, Station, TokenRecord
from conformance.ocpp201.simulators.csms.registration import Registration, RegistrationHandlers
from conformance.ocpp201.simulators.csms.transactions import TokenDatabase, TransactionHandlers
from conformance.ocpp201.simulators.rpc import RpcEndpoint, RpcError, callerror_frame, endpoint_settings
from conformance.protocol import OCPP201
from conformance.simulation import Observable

LOGGER = logging.getLogger("conformance.ocpp201.simulators.csms")
SUBPROTOCOL = OCPP201.subprotocol


class CsmsRpc(RegistrationHandlers, TransactionHandlers, RpcEndpoint):
    """The CSMS's side of one station's connection."""

    def __init__(self, csms: "ReferenceCsms201", station: Station, connection: ServerConnection) -> None:
        super().__init__(station.identity, connection, **endpoint_settings(csms))
        self.csms = csms
        self.station = station
        self.opened_at = datetime.now(timezone.utc)

    async def _dispatch(self, unique_id: str, action: str, payload: Any) -> str | None:
        self.station.received.append((action, payload if isinstance(payload, dict) else {}))
        if "custom-data-refused" in self.csms.faults and isinstance(payload, dict) and "customData" in payload:
            return callerror_frame(unique_id, "FormatViolation", "customData is not accepted")
        reply = await super()._dispatch(unique_id, action, payload)
        self.csms._wake()
        return reply

    def on_NotifyReport(self, payload: dict, unique_id: str) -> dict:
        if "notify-report-parts-refused" in self.csms.faults and payload.get("seqNo", 0) > 0:
            raise RpcError("GenericError", "only the first part of a report is taken")
        self.station.reports.setdefault(payload["requestId"], []).append(payload)
        if not payload.get("tbc", False):
            self.station.granted.discard("NotifyReport")
        return {}

    def on_SecurityEventNotification(self, payload: dict, unique_id: str) -> dict:
        return {}

    def on_FirmwareStatusNotification(self, payload: dict, unique_id: str) -> dict:
        return {}

    def on_LogStatusNotification(self, payload: dict, unique_id: str) -> dict:
        return {}

    def on_DataTransfer(self, payload: dict, unique_id: str) -> dict:
        if "data-transfer-callerror" in self.csms.faults:
            raise RpcError("NotSupported", "DataTransfer is not supported")
        if "data-transfer-rejected" in self.csms.faults:
            return {"status": "Rejected"}
        return {"status": "UnknownVendorId"}  # it implements no vendor extension


class ReferenceCsms201(Registration, TokenDatabase, OperatorCommands, Observable):
    """A correct OCPP 2.0.1 Core CSMS (unless told to misbehave through `faults`)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/ocpp",
        faults: Iterable[str] = (),
        tokens: Mapping[str, Any] | None = None,
        basic_auth: Mapping[str, str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        security_profile: int | None = None,
        heartbeat_interval: int = 300,
        boot_status: str = "Accepted",
        boot_retry_interval: int = 5,
        response_timeout: float = 30.0,
        late_reply_delay: float | None = None,
        logger: logging.Logger = LOGGER,
    ) -> None:
        self.host, self.port = host, port
        if IDENTITY in path:
            self.path = "/" + path.lstrip("/")
            self._before, _, self._after = self.path.partition(IDENTITY)
        else:
            self.path = "/" + path.strip("/") if path.strip("/") else ""
            self._before, self._after = self.path + "/", ""
        self.faults = fault_registry.check_faults(faults, "csms")
        self.tokens: dict[str, TokenRecord] = {k: TokenRecord.from_value(v) for k, v in (tokens or {}).items()}
        self.basic_auth = dict(basic_auth or {})
        self.ssl_context = ssl_context
        if security_profile is None:  # what the TLS context and the credentials imply
            security_profile = (2 if basic_auth else 3) if ssl_context is not None else (1 if basic_auth else 0)
        self.default_profile = security_profile
        self.security_profiles: dict[str, int] = {}  # station -> the profile it has been raised to (A05)
        self.heartbeat_interval = heartbeat_interval
        self.boot_status = boot_status
        self.boot_status_overrides: dict[str, str] = {}
        self.boot_retry_interval = boot_retry_interval
        self.response_timeout = response_timeout
        self.late_reply_delay = late_reply_delay if late_reply_delay is not None else response_timeout + 2
        self.logger = logger
        self.stations: dict[str, Station] = {}
        self.transactions: dict[str, CsmsTransaction] = {}
        self.last_seq_no: dict[str, int] = {}  # station -> seqNo of its latest TransactionEvent
        self._server: Server | None = None
        self._init_observable()
        self._own_errors: list[str] = []

    async def start(self) -> int:
        """Start listening; returns the port (useful with port 0)."""
        extra = {"ssl": self.ssl_context} if self.ssl_context is not None else {}
        self._server = await serve(self._handler, self.host, self.port, subprotocols=[SUBPROTOCOL],
                                   select_subprotocol=self._select_subprotocol, process_request=self._process_request,
                                   compression=None, ping_interval=None, close_timeout=2, max_size=2**22,
                                   logger=self.logger, **extra)
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
        return self._own_errors

    def _identity_from_path(self, raw_path: str) -> str | None:
        path = urlsplit(raw_path).path
        if not path.startswith(self._before) or not path.endswith(self._after):
            return None
        rest = path[len(self._before):len(path) - len(self._after)]
        return unquote(rest) if rest and "/" not in rest else None

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        identity = self._identity_from_path(request.path)
        if identity is None:
            return connection.respond(http.HTTPStatus.NOT_FOUND, f"no OCPP endpoint at {request.path}\n")
        if "refuse-unsupported-subprotocol" in self.faults:
            offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
            if SUBPROTOCOL not in offered:
                return connection.respond(http.HTTPStatus.BAD_REQUEST, f"unsupported subprotocol(s) {offered}\n")
        der = _peer_certificate(connection)
        if der is not None:  # a verified client certificate: security profile 3 (A00, A05)
            names = certs.common_names(x509.load_der_x509_certificate(der).subject)
            if names != [identity]:
                return connection.respond(http.HTTPStatus.FORBIDDEN,
                                          f"the client certificate's CN {names} is not the station's identity\n")
            return None
        if self.profile_of(identity) >= 3 and "old-security-profile-accepted" not in self.faults:
            return connection.respond(http.HTTPStatus.UNAUTHORIZED,
                                      "security profile 3: a client certificate is required\n")
        expected = self.basic_auth.get(identity)
        if expected is not None and "basic-auth-ignored" not in self.faults:
            user, password = split_basic(request.headers.get("Authorization"))
            if "basic-auth-user-not-checked" in self.faults:
                user = identity
            wanted = password_bytes(expected)
            if "basic-auth-password-as-hex" in self.faults:
                wanted = wanted.hex().encode()
            if user != identity or password != wanted:
                return connection.respond(http.HTTPStatus.UNAUTHORIZED, "wrong credentials\n")
        return None

    def _select_subprotocol(self, connection: ServerConnection, offered: Iterable[str]) -> str | None:
        offered = list(offered)
        if "wrong-subprotocol" in self.faults:
            for candidate in ("ocpp1.6", "ocpp2.1", "ocpp9.9"):
                if candidate not in offered:
                    return candidate
        if "first-subprotocol-selected" in self.faults and offered:
            return offered[0]
        return SUBPROTOCOL if SUBPROTOCOL in offered else None

    async def _handler(self, ws: ServerConnection) -> None:
        identity = self._identity_from_path(ws.request.path) or ""
        if ws.subprotocol != SUBPROTOCOL and "accept-no-subprotocol" not in self.faults:
            await ws.close(1002, "no supported subprotocol (ocpp2.0.1 required)")
            return
        station = self.stations.setdefault(identity, Station(identity))
        if _peer_certificate(ws) is not None and self.profile_of(identity) < 3:
            self.security_profiles[identity] = 3  # connected at the higher profile: the lower ones no longer count
        old = station.session
        if old is not None:
            try:
                await asyncio.wait_for(old.connection.close(1000, "replaced by a new connection"), 2)
            except Exception:
                pass
        session = CsmsRpc(self, station, ws)
        session.own_schema_errors = self._own_errors
        station.session, station.connected, station.subprotocol = session, True, ws.subprotocol
        await self._notify()
        try:
            await session.start()
        finally:
            if station.session is session:
                station.session, station.connected = None, False
            await self._notify()

    def profile_of(self, identity: str) -> int:
        return self.security_profiles.get(identity, self.default_profile)

    async def set_security_profile(self, identity: str, profile: int) -> None:
        """Operator action: the security profile a station connects with from now on (OCPP only raises it; this is
        the way back after a test)."""
        self.security_profiles[identity] = int(profile)

    def snapshot(self) -> dict:
        return {"url": self.url, "faults": sorted(self.faults),
                "stations": [s.to_dict(self.transactions.values()) for s in self.stations.values()]}

    async def wait_for_station(self, station_id: str, timeout: float, registration: str | None = "Accepted") -> Station:
        def ready() -> bool:
            s = self.stations.get(station_id)
            return bool(s and s.connected and (registration is None or s.registration == registration))

        await self.wait_for(ready, timeout)
        return self.stations[station_id]


def _peer_certificate(connection: Any) -> bytes | None:
    """The client certificate the station presented in the TLS handshake (DER), None without one."""
    transport = getattr(connection, "transport", None)
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    return ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
