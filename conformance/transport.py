"""WebSocket endpoints of the suite: a server when the suite is the CSMS, a client when it is the charge point.

Both record the opening handshake (requested and negotiated subprotocol, path identity, whether Basic auth was
sent) as a wire event, hand it to the judge, and attach accepted connections to the link's `Peer`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ssl
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from conformance.errors import IutDeviation, Unreachable
from conformance.peer import Peer

MAX_FRAME = 32 * 2**20  # big enough to record (and judge) an oversized frame instead of dropping the link


def parse_basic_auth(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None, None
    user, _, password = decoded.partition(":")
    return user, password


def basic_auth_header(identity: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{identity}:{password}".encode()).decode("ascii")


class CsmsServer:
    """The suite as Central System: the charge point under test connects here."""

    def __init__(self, *, descriptor: Any, peer: Peer, ssl_context: ssl.SSLContext | None = None) -> None:
        self.descriptor = descriptor
        self.peer = peer
        self.wire = peer.wire
        self.ssl_context = ssl_context
        self._server: Any = None
        self.port: int | None = None
        self.accept_subprotocols: list[str] | None = None  # None: only the descriptor's version
        self.password: str | None = descriptor.security.password if descriptor.security.profile in (1, 2) else None

    @property
    def url(self) -> str:
        scheme = "wss" if self.ssl_context else "ws"
        path = self.descriptor.listen_path.rstrip("/")
        return f"{scheme}://{self.descriptor.listen_host}:{self.port}{path}/{self.descriptor.identity}"

    async def start(self) -> None:
        from websockets.asyncio.server import serve

        try:
            self._server = await serve(
                self._handle,
                self.descriptor.listen_host,
                self.descriptor.listen_port,
                process_request=self._process_request,
                select_subprotocol=self._select_subprotocol,
                ssl=self.ssl_context,
                max_size=MAX_FRAME,
                ping_interval=None,
                compression=None,
                open_timeout=self.descriptor.timeouts.connect,
                close_timeout=3,
            )
        except OSError as exc:
            raise Unreachable(
                f"cannot listen on {self.descriptor.listen_host}:{self.descriptor.listen_port} ({exc.strerror}) — "
                f"free the port or change listen.port in {self.descriptor.path or 'the IUT descriptor'}"
            ) from None
        self.port = self._server.sockets[0].getsockname()[1]
        self.wire.event("listen", url=self.url)

    async def stop(self) -> None:
        await self.peer.close(1001, "suite stopping")
        if self._server is not None:
            self._server.close()
            try:
                await asyncio.wait_for(self._server.wait_closed(), 5)
            except TimeoutError:
                pass

    def _expected_path(self) -> str:
        return self.descriptor.listen_path.rstrip("/") + "/"

    def _process_request(self, connection: Any, request: Any) -> Any:
        from conformance.rules import Handshake

        path = request.path.split("?", 1)[0]
        offered = _offered(request.headers)
        user, password = parse_basic_auth(request.headers.get("Authorization"))
        identity = unquote(path[len(self._expected_path()):]) if path.startswith(self._expected_path()) else None
        status = 101
        reason = ""
        if identity != self.descriptor.identity:
            status, reason = 404, f"unknown charge point path {path!r}; expected {self._expected_path()}{self.descriptor.identity}"
        elif self.password is not None and (user != self.descriptor.identity or password != self.password):
            status, reason = 401, "missing or wrong Basic credentials"
        connection._ocpp_handshake = Handshake(  # the handler completes it with the negotiated subprotocol
            path=request.path,
            expected_identity=self.descriptor.identity,
            offered=offered,
            negotiated=None,
            basic_auth_user=user,
            basic_auth_sent=request.headers.get("Authorization") is not None,
            iut_is_server=False,
            status=status,
        )
        if status != 101:
            self._judge_handshake(connection._ocpp_handshake, None, reason=reason)
            response = connection.respond(HTTPStatus(status), reason + "\n")
            if status == 401:
                response.headers["WWW-Authenticate"] = 'Basic realm="ocpp"'
            return response
        return None

    def _select_subprotocol(self, connection: Any, offered: Any) -> str | None:
        acceptable = self.accept_subprotocols or [self.descriptor.subprotocol]
        for proto in offered:
            if proto in acceptable:
                return proto
        return None

    def _judge_handshake(self, hs: Any, connection_no: int | None, reason: str = "") -> None:
        violations = self.peer.judge.handshake(hs)
        rec = self.wire.event(
            "handshake",
            connection=connection_no,
            path=hs.path,
            offered=hs.offered,
            negotiated=hs.negotiated,
            basic_auth=hs.basic_auth_sent,
            status=hs.status,
            **({"reason": reason} if reason else {}),
        )
        rec.violations.extend(violations)

    async def _handle(self, ws: Any) -> None:
        number = self.wire.new_connection_number()
        remote = ws.remote_address
        self.wire.event("connect", connection=number, remote=f"{remote[0]}:{remote[1]}" if remote else "?")
        hs = ws._ocpp_handshake
        hs.negotiated = ws.subprotocol
        self._judge_handshake(hs, number)
        if ws.subprotocol is None:
            # OCPP-J §3.2: no common subprotocol -> complete the handshake, then close at once.
            await ws.close(1002, "no supported OCPP subprotocol offered")
            self.wire.event("close", connection=number, code=1002, reason="no supported subprotocol", by="suite")
            return
        if self.peer.connected:
            await self.peer.close(1000, "superseded by a new connection")
        reader = self.peer.attach(ws, number)
        try:
            await reader
        except asyncio.CancelledError:
            pass


def _offered(headers: Any) -> list[str]:
    values = headers.get_all("Sec-WebSocket-Protocol") if hasattr(headers, "get_all") else []
    out: list[str] = []
    for value in values:
        out.extend(p.strip() for p in value.split(",") if p.strip())
    return out


class ChargePointClient:
    """The suite as charge point: connects to the CSMS under test."""

    def __init__(self, *, descriptor: Any, peer: Peer, ssl_context: ssl.SSLContext | None = None) -> None:
        self.descriptor = descriptor
        self.peer = peer
        self.wire = peer.wire
        self.ssl_context = ssl_context

    @property
    def url(self) -> str:
        return self.descriptor.url

    async def connect(
        self,
        *,
        subprotocols: list[str] | None = None,
        identity: str | None = None,
        password: str | None | bool = True,
        attach: bool = True,
    ) -> Any:
        """Open a connection; returns the websockets connection (already attached to the peer when `attach`).

        `password=True` uses the descriptor's password for security profiles 1 and 2."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidHandshake, InvalidStatus, NegotiationError

        from conformance.rules import Handshake

        identity = identity or self.descriptor.identity
        offered = subprotocols if subprotocols is not None else [self.descriptor.subprotocol]
        url = self.descriptor.url_for(identity)
        if password is True:
            password = self.descriptor.security.password if self.descriptor.security.profile in (1, 2) else None
        headers = {"Authorization": basic_auth_header(identity, password)} if password else {}
        number = self.wire.new_connection_number()
        self.wire.event("connect", connection=number, url=url, offered=offered, basic_auth=bool(password))
        try:
            ws = await connect(
                url,
                subprotocols=offered or None,
                additional_headers=headers,
                ssl=self.ssl_context,
                open_timeout=self.descriptor.timeouts.connect,
                max_size=MAX_FRAME,
                ping_interval=None,
                compression=None,
                close_timeout=3,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            self.wire.event("handshake", connection=number, path=url, offered=offered, negotiated=None, status=status)
            raise HandshakeRefused(status, url, str(self.descriptor.path or "the IUT descriptor")) from None
        except NegotiationError as exc:
            # The CSMS completed the handshake with something we did not offer: its fault, not the network's.
            chosen = str(exc).partition(":")[2].strip() or None
            hs = Handshake(path=url, expected_identity=None, offered=offered, negotiated=chosen,
                           basic_auth_user=identity if password else None, basic_auth_sent=bool(password),
                           iut_is_server=True, status=101)
            rec = self.wire.event("handshake", connection=number, path=url, offered=offered, negotiated=chosen, status=101,
                                  error=str(exc))
            rec.violations.extend(self.peer.judge.handshake(hs))
            raise IutDeviation(
                f"offered {offered}, the CSMS selected the subprotocol {chosen!r}",
                "  requirement: the server selects one of the subprotocols the client offered, or none (RFC 6455 §4.2.2)",
                category="framing",
            ) from None
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            self.wire.event("handshake", connection=number, path=url, offered=offered, error=str(exc) or type(exc).__name__)
            raise Unreachable(
                f"cannot connect to the CSMS at {url} ({str(exc) or type(exc).__name__}) — check endpoint in "
                f"{self.descriptor.path or 'the IUT descriptor'} and that the CSMS is running"
            ) from None
        hs = Handshake(
            path=url,
            expected_identity=None,
            offered=offered,
            negotiated=ws.subprotocol,
            basic_auth_user=identity if password else None,
            basic_auth_sent=bool(password),
            iut_is_server=True,
            status=101,
        )
        rec = self.wire.event("handshake", connection=number, path=url, offered=offered, negotiated=ws.subprotocol, status=101)
        rec.violations.extend(self.peer.judge.handshake(hs))
        if attach:
            if self.peer.connected:
                await self.peer.close(1000, "reconnecting")
            self.peer.attach(ws, number)
        return ws

    async def disconnect(self) -> None:
        await self.peer.close(1000, "charge point disconnecting")


class HandshakeRefused(Unreachable):
    """The CSMS answered the opening handshake with an HTTP error: the case cannot run (broken, unreachable)."""

    def __init__(self, status: int, url: str, where: str = "the IUT descriptor") -> None:
        self.status = status
        self.url = url
        hint = {
            401: f"check security.password in {where}",
            403: f"check that the CSMS accepts this identity and the credentials in {where}",
            404: f"check endpoint in {where} (write {{identity}} in it where the identity goes, if not at the end) "
                 "and that the identity is registered in the CSMS",
        }.get(status, f"check endpoint in {where} and the CSMS's log")
        super().__init__(f"the CSMS refused the WebSocket handshake at {url} with HTTP {status} — {hint}")
