"""The reference OCPP 1.6 Central System: the Core profile as a real CSMS does it, plus named faults.

A WebSocket server on `<path>/<identity>` (or a path with `{identity}` in it) negotiating `ocpp1.6` (HTTP Basic authentication where configured); it
keeps a token database (Accepted, Blocked, Expired, unknown = Invalid, with parentIdTag and expiryDate), tracks every
charge point's connectors and transactions, and offers an operator API to send any Central System command to a
connected charge point. One class per functional area (this package's other modules) makes up `ReferenceCsms`."""

from __future__ import annotations

import asyncio
import http
import itertools
import logging
import ssl
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from conformance.iut import IDENTITY_PLACEHOLDER as IDENTITY
from conformance.ocpp16.simulators import faults as fault_registry
from conformance.ocpp16.simulators.csms.authorization import AuthorizationHandlers, TokenDatabase
from conformance.ocpp16.simulators.csms.boot import BootHandlers, Registration
from conformance.ocpp16.simulators.csms.commands import OperatorCommands
from conformance.ocpp16.simulators.csms.data_transfer import DataTransferHandlers
from conformance.ocpp16.simulators.csms.firmware import FileService, FirmwareHandlers
from conformance.ocpp16.simulators.csms.local_auth_list import KnownLocalList, LocalAuthListCommands
from conformance.ocpp16.simulators.csms.records import CsmsTransaction, IdTagRecord, Station
from conformance.ocpp16.simulators.csms.reservation import ReservationLedger
from conformance.ocpp16.simulators.csms.security import CsmsTls, Security, SecurityHandlers
from conformance.ocpp16.simulators.csms.smart_charging import SmartChargingCommands
from conformance.ocpp16.simulators.csms.transactions import TransactionHandlers, TransactionLedger
from conformance.ocpp16.simulators.rpc import RpcEndpoint, endpoint_settings
from conformance.protocol import OCPP16
from conformance.simulation import Observable

LOGGER = logging.getLogger("conformance.ocpp16.simulators.csms")


SUBPROTOCOL = OCPP16.subprotocol


class CsmsRpc(BootHandlers, AuthorizationHandlers, TransactionHandlers, DataTransferHandlers, FirmwareHandlers,
              SecurityHandlers, RpcEndpoint):
    """The Central System's side of one charge point connection."""

    def __init__(self, csms: "ReferenceCsms", station: Station, connection: ServerConnection) -> None:
        super().__init__(station.identity, connection, **endpoint_settings(csms))
        self.csms = csms
        self.station = station
        self.opened_at = datetime.now(timezone.utc)

    async def _dispatch(self, unique_id: str, action: str, payload: dict) -> str | None:
        self.station.received.append((action, payload))
        reply = await super()._dispatch(unique_id, action, payload)
        self.csms._wake()
        return reply


class ReferenceCsms(Registration, TokenDatabase, TransactionLedger, LocalAuthListCommands, OperatorCommands,
                    SmartChargingCommands, FileService, ReservationLedger, Security, Observable):
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
        tls: CsmsTls | None = None,
        security_profile: int | None = None,
        heartbeat_interval: int = 300,
        boot_status: str = "Accepted",
        response_timeout: float = 30.0,
        late_reply_delay: float | None = None,
        accepted_expiry: timedelta = timedelta(days=1),
        vendor_id: str = "org.ocpp-conformance",
        data_transfer_message_ids: Iterable[str] = ("Echo",),
        first_transaction_id: int = 1,
        firmware: str | None = None,
        uploads_dir: str | None = None,
        file_address: str | None = None,
        logger: logging.Logger = LOGGER,
    ) -> None:
        self.host = host
        self.port = port
        # Charge points connect to <path>/<identity>, or, when the path holds {identity}, to the path with the
        # identity in its place (CSMSs whose URLs go on after the identity, e.g. /ws/ocpp/{identity}/).
        if IDENTITY in path:
            self.path = "/" + path.lstrip("/")
            self._before, _, self._after = self.path.partition(IDENTITY)
        else:
            self.path = "/" + path.strip("/") if path.strip("/") else ""
            self._before, self._after = self.path + "/", ""
        self.faults = fault_registry.check_faults(faults, "csms")
        self.id_tags: dict[str, IdTagRecord] = {k: IdTagRecord.from_value(v) for k, v in (id_tags or {}).items()}
        self.accept_unknown_chargers = accept_unknown_chargers
        self.known_stations = set(stations) | set((basic_auth or {}).keys())
        self.basic_auth: dict[str, str | bytes] = dict(basic_auth or {})
        self.ssl_context = ssl_context
        if security_profile is None:  # what the TLS context and the credentials given imply
            security_profile = (2 if basic_auth else 3) if ssl_context is not None else (1 if basic_auth else 0)
        self._init_security(tls, security_profile)
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
        self.local_lists: dict[str, KnownLocalList] = {}  # station identity -> its list as the CSMS knows it
        self._list_turns: dict[str, asyncio.Lock] = {}  # one list command at a time per charge point
        self._versions_to_pick: set[int] = set()  # SendLocalList bodies whose version is picked when they are sent
        self._init_reservations()
        self._server: Server | None = None
        self._init_observable()
        self._own_errors: list[str] = []
        # its file servers: the firmware it offers, where diagnostics uploads land, the address in its URLs
        self._init_file_service(firmware, uploads_dir, file_address)

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
        try:
            await self._start_file_service()
            await self._start_security()
        except BaseException:
            await self.stop()
            raise
        return self.port

    async def stop(self) -> None:
        await self._stop_security()
        await self._stop_file_service()
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

    def _identity_from_path(self, raw_path: str) -> str | None:
        path = urlsplit(raw_path).path
        if not path.startswith(self._before) or not path.endswith(self._after):
            return None
        rest = path[len(self._before):len(path) - len(self._after)]
        if not rest or "/" in rest:
            return None
        return unquote(rest)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        identity = self._identity_from_path(request.path)
        if identity is None:
            return connection.respond(http.HTTPStatus.NOT_FOUND, f"no OCPP endpoint at {request.path}; use {self._before}<identity>{self._after}\n")
        known = identity in self.known_stations or identity in self.stations
        if not self.accept_unknown_chargers and not known and "unknown-charger-accepted" not in self.faults:
            # J16 §3.2: an unknown identity SHOULD get HTTP 404 and the handshake aborted.
            return connection.respond(http.HTTPStatus.NOT_FOUND, f"unknown charge point {identity}\n")
        if "refuse-unsupported-subprotocol" in self.faults:
            offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
            if SUBPROTOCOL not in offered:
                return connection.respond(http.HTTPStatus.BAD_REQUEST, f"unsupported subprotocol(s) {offered}\n")
        return self._security_refusal(connection, request, identity)  # credentials, per the security profile

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
        session = CsmsRpc(self, station, ws)
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

    def snapshot(self) -> dict:
        return {
            "url": self.url,
            "faults": sorted(self.faults),
            "stations": [s.to_dict(self.transactions.values()) for s in self.stations.values()],
            "files": self.file_service_snapshot(),
        }

    async def wait_for_station(self, station_id: str, timeout: float, registration: str | None = "Accepted") -> Station:
        def ready() -> bool:
            s = self.stations.get(station_id)
            return bool(s and s.connected and (registration is None or s.registration == registration))

        await self.wait_for(ready, timeout)
        return self.stations[station_id]
