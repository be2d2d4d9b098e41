"""WebSocket endpoints of the suite: a server when the suite is the CSMS, a client when it is the charge point.

Both record the opening handshake (requested and negotiated subprotocol, path identity, whether Basic auth was
sent, and over TLS the version, cipher suite and the peer's certificate) as a wire event, hand it to the judge, and
attach accepted connections to the link's `Peer`. The server also records every TLS handshake it refused (a client
offering only TLS 1.1, a certificate it does not trust), which the asyncio server would otherwise drop silently.
Either endpoint can change its security settings during a case (a new password, another certificate, another
security profile) and back.
"""

from __future__ import annotations

import asyncio
import ssl
from http import HTTPStatus
from typing import Any, Callable
from urllib.parse import unquote

from conformance.credentials import basic_token, is_hex_key, password_bytes, split_basic
from conformance.errors import IutDeviation, Unreachable
from conformance.peer import Peer
from conformance.tls_contexts import failure_reason, observe_handshakes, session_facts

MAX_FRAME = 32 * 2**20  # big enough to record (and judge) an oversized frame instead of dropping the link


def parse_basic_auth(header: str | None) -> tuple[str | None, str | None]:
    """(user, password as text) of an Authorization header; use `credentials.split_basic` for the password bytes."""
    user, password = split_basic(header)
    return user, None if password is None else password.decode("utf-8", "replace")


def basic_auth_header(identity: str, password: str | bytes) -> str:
    return "Basic " + basic_token(identity, password)


def _ssl_object(ws: Any) -> Any:
    transport = getattr(ws, "transport", None)
    return transport.get_extra_info("ssl_object") if transport is not None else None


def _peer_der(ws: Any) -> bytes | None:
    ssl_object = _ssl_object(ws)
    return ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None


class CsmsServer:
    """The suite as Central System: the charge point under test connects here."""

    def __init__(self, *, descriptor: Any, peer: Peer, ssl_context: ssl.SSLContext | None = None) -> None:
        self.descriptor = descriptor
        self.peer = peer
        self.wire = peer.wire
        self.ssl_context = self._observed(ssl_context)
        self._server: Any = None
        self.port: int | None = None
        self.accept_subprotocols: list[str] | None = None  # None: only the descriptor's version
        self.profile = descriptor.security.profile
        password = descriptor.security.password if self.profile in (1, 2) else None
        self.password: bytes | None = password_bytes(password) if password else None
        self.also_accepted: set[bytes] = set()  # passwords still taken (a case that could not put a password back)
        self.also_paths: set[str] = set()  # other endpoint paths served for a case (a network profile it gave)
        self.peer_certificates: dict[int, bytes] = {}  # connection number -> the client's certificate (DER)
        self.tls_outcomes: list[dict] = []  # every finished TLS handshake: outcome, and reason or session facts
        self.tls_begun = 0  # TLS handshakes begun (a client that refuses the suite's certificate may just hang up)
        self._begun_waiters: list[asyncio.Future] = []

    @property
    def url(self) -> str:
        scheme = "wss" if self.ssl_context else "ws"
        path = self.descriptor.listen_path.rstrip("/")
        return f"{scheme}://{self.descriptor.listen_host}:{self.port}{path}/{self.descriptor.identity}"

    def _observed(self, ctx: ssl.SSLContext | None) -> ssl.SSLContext | None:
        return observe_handshakes(ctx, self._tls_outcome) if ctx is not None else None

    def _tls_outcome(self, ssl_object: Any, stage: str, error: BaseException | None) -> None:
        if stage == "begun":
            self.tls_begun += 1
            for waiter in self._begun_waiters:
                if not waiter.done():
                    waiter.set_result(None)
            return
        if error is not None:
            outcome = {"outcome": "refused", "reason": failure_reason(error)}
        else:
            outcome = {"outcome": "established", **session_facts(ssl_object)}
        self.tls_outcomes.append(outcome)
        self.wire.event("tls", **outcome)

    async def wait_tls_begun(self, before: int, within: float) -> bool:
        """Until a TLS handshake begins after the count `before`, or `within` seconds; whether one did."""
        if self.tls_begun > before:
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._begun_waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, within)
        except TimeoutError:
            pass
        finally:
            self._begun_waiters.remove(waiter)
        return self.tls_begun > before

    def tls_mark(self) -> tuple[int, int]:
        """A point in the count of TLS handshakes (begun, finished), for `note_broken_off`."""
        return self.tls_begun, len(self.tls_outcomes)

    def note_broken_off(self, mark: tuple[int, int]) -> int:
        """How many TLS handshakes begun since `mark` the suite neither established nor refused: the client broke
        them off (it refused the certificate or the version and hung up). Noted on the wire as evidence."""
        broken = (self.tls_begun - mark[0]) - (len(self.tls_outcomes) - mark[1])
        if broken > 0:
            self.wire.event("tls", outcome="broken off", count=broken,
                            reason="the client closed the connection during the TLS handshake")
        return max(broken, 0)

    async def start(self) -> None:
        await self._listen(self.descriptor.listen_port)

    async def reconfigure(self, *, ssl_context: ssl.SSLContext | None | bool = False, profile: int | None = None,
                          password: str | bytes | None | bool = False) -> None:
        """Serve from now on with other settings, on the same port: `ssl_context` (None: no TLS), the security
        `profile` the charger must use (Basic auth for 1 and 2), its `password`. The current connection is closed,
        so the charger comes back under the new settings. Arguments left out keep their value."""
        if profile is not None:
            self.profile = profile
        if password is not False:
            self.password = password_bytes(password) if password else None
        if ssl_context is not False:
            await self.peer.close(1001, "the Central System restarts")
            await self._close_server()
            self.ssl_context = self._observed(ssl_context)  # type: ignore[arg-type]
            await self._listen(self.port or self.descriptor.listen_port)
            self.wire.event("note", central_system=f"listening again at {self.url} (security profile {self.profile})")

    async def _listen(self, port: int) -> None:
        from websockets.asyncio.server import serve

        try:
            self._server = await serve(
                self._handle,
                self.descriptor.listen_host,
                port,
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
        await self._close_server()

    async def _close_server(self) -> None:
        if self._server is not None:
            self._server.close()
            try:
                await asyncio.wait_for(self._server.wait_closed(), 5)
            except TimeoutError:
                pass
            self._server = None

    def _expected_path(self) -> str:
        return self.descriptor.listen_path.rstrip("/") + "/"

    def _process_request(self, connection: Any, request: Any) -> Any:
        from conformance.rules import Handshake

        path = request.path.split("?", 1)[0]
        offered = _offered(request.headers)
        user, password = split_basic(request.headers.get("Authorization"))
        identity = None
        for prefix in (self._expected_path(), *(p.rstrip("/") + "/" for p in self.also_paths)):
            if path.startswith(prefix):
                identity = unquote(path[len(prefix):])
                break
        status = 101
        reason = ""
        if identity != self.descriptor.identity:
            status, reason = 404, f"unknown charge point path {path!r}; expected {self._expected_path()}{self.descriptor.identity}"
        elif self.password is not None and self.profile in (1, 2):
            reason = self._credentials_problem(request.headers.get("Authorization"), user, password)
            if reason:
                status = 401
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

    def _credentials_problem(self, header: str | None, user: str | None, password: bytes | None) -> str:
        """Why the Basic credentials of a connection are refused ("" when they are right); never shows a password."""
        if header is None:
            return "no Authorization header (security profile 1 and 2 use HTTP Basic authentication)"
        if user is None or password is None:
            return "the Authorization header is not 'Basic' with base64 of '<identity>:<password>'"
        if user != self.descriptor.identity:
            return f"the Basic-auth user is {user!r}, not the charge point's identity {self.descriptor.identity!r}"
        if password == self.password or password in self.also_accepted:
            return ""
        try:
            text = password.decode("ascii")
        except UnicodeDecodeError:
            text = ""
        if is_hex_key(text) and password_bytes(text) == self.password:
            return ("wrong password: it is the AuthorizationKey's hexadecimal text, not the bytes it represents "
                    "(white paper: AuthorizationKey is the hex representation of the password)")
        return "wrong password"

    def _select_subprotocol(self, connection: Any, offered: Any) -> str | None:
        acceptable = self.accept_subprotocols or [self.descriptor.subprotocol]
        for proto in offered:
            if proto in acceptable:
                return proto
        return None

    def _judge_handshake(self, hs: Any, connection_no: int | None, reason: str = "", tls: dict | None = None) -> None:
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
            **({"tls": tls} if tls else {}),
        )
        rec.violations.extend(violations)

    async def _handle(self, ws: Any) -> None:
        number = self.wire.new_connection_number()
        remote = ws.remote_address
        self.wire.event("connect", connection=number, remote=f"{remote[0]}:{remote[1]}" if remote else "?")
        der = _peer_der(ws)
        if der:
            self.peer_certificates[number] = der
        hs = ws._ocpp_handshake
        hs.negotiated = ws.subprotocol
        self._judge_handshake(hs, number, tls=session_facts(_ssl_object(ws)) or None)
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
    """The suite as charge point: connects to the CSMS under test.

    Its security settings (profile, password, client certificate) start as the descriptor says and may change during a
    case, as a charger's do (a new AuthorizationKey, a renewed certificate, an upgraded profile); `tls_for(profile,
    client_cert)` makes the TLS context for a profile."""

    def __init__(self, *, descriptor: Any, peer: Peer, ssl_context: ssl.SSLContext | None = None,
                 tls_for: Callable[[int, Any], ssl.SSLContext | None] | None = None) -> None:
        self.descriptor = descriptor
        self.peer = peer
        self.wire = peer.wire
        self.ssl_context = ssl_context
        self._tls_for = tls_for
        self.profile = descriptor.security.profile
        password = descriptor.security.password
        self.password: bytes | None = password_bytes(password) if password else None
        self.client_cert: Any = None  # (certificate, key) replacing the descriptor's client certificate
        self.peer_certificates: dict[int, bytes] = {}  # connection number -> the CSMS's certificate (DER)

    @property
    def url(self) -> str:
        return self.descriptor.url

    def configure(self, *, profile: int | None = None, password: str | bytes | None | bool = False,
                  client_cert: Any = False) -> None:
        """Use other security settings from the next connection on (arguments left out keep their value;
        `client_cert=None` goes back to the descriptor's certificate)."""
        if profile is not None:
            self.profile = profile
        if password is not False:
            self.password = password_bytes(password) if password else None
        if client_cert is not False:
            self.client_cert = client_cert
        if self._tls_for is not None:
            self.ssl_context = self._tls_for(self.profile, self.client_cert)

    async def connect(
        self,
        *,
        subprotocols: list[str] | None = None,
        identity: str | None = None,
        password: str | bytes | None | bool = True,
        attach: bool = True,
        ssl_context: ssl.SSLContext | None | bool = True,
        basic_user: str | None = None,
    ) -> Any:
        """Open a connection; returns the websockets connection (already attached to the peer when `attach`).

        `password=True` uses the current password for security profiles 1 and 2; `ssl_context=True` the current TLS
        context; `basic_user` puts another user name than the identity in the Basic credentials. A TLS handshake the CSMS fails (a certificate the suite cannot verify, no common TLS version) raises
        `TlsFailure`, an HTTP refusal `HandshakeRefused`, anything else on the way `Unreachable`."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidHandshake, InvalidStatus, NegotiationError

        from conformance.rules import Handshake

        identity = identity or self.descriptor.identity
        offered = subprotocols if subprotocols is not None else [self.descriptor.subprotocol]
        url = self.descriptor.url_for(identity)
        if password is True:
            password = self.password if self.profile in (1, 2) else None
        context = self.ssl_context if ssl_context is True else ssl_context or None
        headers = {"Authorization": basic_auth_header(basic_user or identity, password)} if password else {}
        number = self.wire.new_connection_number()
        self.wire.event("connect", connection=number, url=url, offered=offered, basic_auth=bool(password),
                        tls=context is not None)
        try:
            ws = await connect(
                url,
                subprotocols=offered or None,
                additional_headers=headers,
                ssl=context,
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
        except (OSError, TimeoutError, InvalidHandshake, EOFError) as exc:
            tls_error = _tls_cause(exc) if context is not None else None
            if tls_error is not None:
                self.wire.event("handshake", connection=number, path=url, offered=offered, tls_refused=tls_error)
                raise TlsFailure(tls_error, url) from None
            self.wire.event("handshake", connection=number, path=url, offered=offered, error=str(exc) or type(exc).__name__)
            raise Unreachable(
                f"cannot connect to the CSMS at {url} ({str(exc) or type(exc).__name__}) — check endpoint in "
                f"{self.descriptor.path or 'the IUT descriptor'} and that the CSMS is running"
            ) from None
        der = _peer_der(ws)
        if der:
            self.peer_certificates[number] = der
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
        tls = session_facts(_ssl_object(ws))
        rec = self.wire.event("handshake", connection=number, path=url, offered=offered, negotiated=ws.subprotocol,
                              status=101, **({"tls": tls} if tls else {}))
        rec.violations.extend(self.peer.judge.handshake(hs))
        if attach:
            if self.peer.connected:
                await self.peer.close(1000, "reconnecting")
            self.peer.attach(ws, number)
        return ws

    async def disconnect(self) -> None:
        await self.peer.close(1000, "charge point disconnecting")


def _tls_cause(exc: BaseException) -> str | None:
    """Why a connection over TLS failed in the TLS layer, or None when it failed for another reason (refused TCP
    connection, timeout). A server that rejects the client's certificate under TLS 1.3 does so after the client's
    handshake: the client then sees its first read fail, or the connection closed, before any HTTP answer."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLError):
            return failure_reason(cause)
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, EOFError, asyncio.IncompleteReadError)):
        return "the Central System closed the connection during the TLS or HTTP handshake"
    text = str(exc)
    if "did not receive a valid HTTP response" in text or "connection closed" in text.lower():
        return "the Central System closed the connection during the TLS or HTTP handshake"
    return None


class TlsFailure(IutDeviation):
    """The TLS handshake with the CSMS under test failed: a certificate the suite cannot verify (expired, from an
    unknown CA, for another host name, a weak key), no TLS version or cipher suite in common, or the CSMS refusing the
    suite's client certificate. A deviation of the CSMS (failed), never an environment problem."""

    def __init__(self, reason: str, url: str) -> None:
        self.reason = reason
        self.url = url
        super().__init__(f"the TLS handshake with the Central System at {url} failed: {reason}",
                         "  requirement: the Central System presents a valid server certificate for its host name and "
                         "speaks TLS 1.2 or higher with the white paper's cipher suites (A00.FR.3xx/4xx, A00.FR.5xx)",
                         category="behaviour")


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
