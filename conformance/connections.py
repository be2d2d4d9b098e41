"""Connections in the security cases of every version. A charger under test, as the suite's CSMS sees it on the
wire: its next WebSocket connection, the handshakes the suite refused and why. A CSMS under test: whether it refuses
a connection it must not accept."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any, AsyncIterator

from conformance.errors import ExpectationFailed, Unreachable
from conformance.tls_contexts import TLS12_SUITES, tls_problems, weak_client_context  # noqa: F401  (cases import them here)
from conformance.wire import Record


async def next_connection(link: Any, since: int, *, within: float, force_after: float | None = None) -> int:
    """Wait for the charger's next WebSocket connection after wire position `since` (upgraded and attached); when it
    has not reconnected by itself within `force_after` seconds, the suite closes the current connection to make it.
    Returns the new connection's number."""
    peer = link.peer
    loop = asyncio.get_running_loop()
    start = loop.time()
    forced = force_after is None
    while True:
        number = _upgraded_since(link, since)
        if number is not None:
            await _attached(link, number, max(0.5, within - (loop.time() - start)))
            return number
        elapsed = loop.time() - start
        if elapsed >= within:
            raise ExpectationFailed(f"the charge point did not connect again within {within:g} s",
                                    _refusals(link, since) + peer.last_frames(), category="no-response")
        if not forced and elapsed >= (force_after or 0):
            forced = True
            if peer.connected:
                await peer.close(1000, "the Central System closes the connection")
            continue
        limit = within - elapsed if forced else min(within, force_after or 0) - elapsed
        await wire_event(link, lambda r: r.event == "handshake", max(limit, 0.01))


def _upgraded_since(link: Any, since: int) -> int | None:
    """The latest connection upgraded after `since` (None: none)."""
    found = None
    for rec in link.wire.after(since):
        if rec.event == "handshake" and rec.data.get("status") == 101 and rec.data.get("negotiated"):
            found = rec.connection
    return found


async def _attached(link: Any, number: int, within: float) -> None:
    """Until the connection `number` is the peer's (the old one is closed first)."""
    peer = link.peer
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not (peer.connected and peer.connection_no == number):
        left = deadline - loop.time()
        if left <= 0:
            return
        waiting = peer._closed.wait() if peer.connected else peer._connected.wait()
        try:
            await asyncio.wait_for(waiting, left)
        except TimeoutError:
            return


async def wire_event(link: Any, match: Any, within: float) -> None:
    """Until the wire records something `match` accepts, or `within` seconds."""
    fut: asyncio.Future = asyncio.get_running_loop().create_future()

    def listener(rec: Record) -> None:
        if match(rec) and not fut.done():
            fut.set_result(None)

    unsubscribe = link.wire.subscribe(listener)
    try:
        await asyncio.wait_for(fut, within)
    except TimeoutError:
        pass
    finally:
        unsubscribe()


def _refusals(link: Any, since: int) -> str:
    lines = []
    for rec in link.wire.after(since):
        if rec.event == "tls" and rec.data.get("outcome") == "refused":
            lines.append(f"    #{rec.seq} TLS handshake refused: {rec.data.get('reason')}")
        elif rec.event == "handshake" and rec.data.get("status") not in (None, 101):
            lines.append(f"    #{rec.seq} WebSocket handshake refused with HTTP {rec.data.get('status')}: "
                         f"{rec.data.get('reason', '')}")
    return ("  attempts the suite refused:\n" + "\n".join(lines[-6:]) + "\n") if lines else ""


def connection_handshake(link: Any, connection: int) -> Record | None:
    for rec in link.wire.records:
        if rec.event == "handshake" and rec.connection == connection:
            return rec
    return None


def refusal_reasons(link: Any, since: int) -> list[str]:
    """Why the suite's Central System refused the connection attempts since `since` (TLS and HTTP), in order."""
    out = []
    for rec in link.wire.after(since):
        if rec.event == "tls" and rec.data.get("outcome") == "refused":
            out.append(f"TLS handshake refused (#{rec.seq}): {rec.data.get('reason')}")
        elif rec.event == "handshake" and rec.data.get("status") not in (None, 101):
            out.append(f"HTTP {rec.data.get('status')} (#{rec.seq}): {rec.data.get('reason', '')}")
    return out



@contextlib.asynccontextmanager
async def serving(link: Any, **settings: Any) -> AsyncIterator[Any]:
    """Serve with other security settings for the block (`ssl_context`, `profile`, `password`, as
    `CsmsServer.reconfigure` takes them), then as before."""
    server = link.endpoint
    before = {"ssl_context": server.ssl_context, "profile": server.profile, "password": server.password}
    await server.reconfigure(**settings)
    try:
        yield server
    finally:
        restore = {k: v for k, v in before.items() if k in settings}
        if "ssl_context" in restore:
            restore["ssl_context"] = _fresh(restore["ssl_context"], link, before["profile"])
        await server.reconfigure(**restore)

def _fresh(ctx: Any, link: Any, profile: int) -> Any:
    """The server context to go back to: a new one for the same profile (a context keeps its handshake observer)."""
    from conformance.pki import ssl_context_for

    return ssl_context_for(link.descriptor, profile=profile) if ctx is not None else None

async def reconnect_charger(link: Any, *, within: float | None = None) -> int:
    """Close the charger's connection and wait for it to connect again; returns the new connection's number."""
    t = link.descriptor.timeouts
    since = link.wire.last_seq
    if link.peer.connected:
        await link.peer.close(1000, "the Central System closes the connection")
    return await next_connection(link, since, within=within or t.connect)


async def fresh_connection(link: Any, what: str) -> int:
    """A fresh connection of the charger: the current one closed, or the first one. A charger that cannot connect
    because the suite's CSMS refuses how it connects fails (the reasons are the evidence), so does one that was
    connected and does not come back; one that never tried is unreachable."""
    closed = link.last_close()  # not connected: the connection after the last one that closed is the fresh one
    connected = link.peer.connected
    since = link.wire.last_seq if connected else (closed.seq if closed is not None else 0)
    try:
        if connected:
            return await reconnect_charger(link)
        return await next_connection(link, since, within=link.descriptor.timeouts.connect)
    except ExpectationFailed as exc:
        reasons = refusal_reasons(link, since)
        if reasons:
            raise ExpectationFailed(f"the charger could not connect {what}: the suite's server refused it "
                                    f"({reasons[-1]})", exc.details, category="behaviour") from None
        if connected:  # it was connected and does not come back
            raise
        raise Unreachable(f"the charger made no connection attempt within {link.descriptor.timeouts.connect:g} s "
                          f"— point it at {link.endpoint_url}") from None


def server_pair(link: Any) -> tuple[Path, Path]:
    """The certificate and key the suite presents as Central System."""
    sec = link.descriptor.security
    if sec.generate:
        from conformance.pki import test_pki_for

        pki = test_pki_for(link.descriptor)
        return pki.server_cert, pki.server_key
    return sec.cert, sec.key

async def watch_attempts(link: Any, since: int, mark: tuple[int, int], *, first_within: float,
                         then: float) -> list[Record]:
    """The charger's connection attempts after wire position `since` and TLS count `mark` (`CsmsServer.tls_mark`) as
    the suite's server saw them (TLS handshakes established, refused or broken off, WebSocket handshakes): waits up to
    `first_within` for the first, then `then` more, in which no connection may succeed."""
    server = link.endpoint

    def attempt(rec: Record) -> bool:
        return rec.event in ("tls", "handshake")

    def seen() -> bool:
        return server.tls_begun > mark[0] or any(attempt(r) for r in link.wire.after(since))

    if not seen() and server.ssl_context is not None:
        await server.wait_tls_begun(mark[0], first_within)
    elif not seen():
        await wire_event(link, attempt, first_within)
    if seen():  # the window in which no connection may succeed
        await wire_event(link, lambda r: r.event == "handshake" and r.data.get("status") == 101, then)
    server.note_broken_off(mark)
    return [r for r in link.wire.after(since) if attempt(r)]


async def csms_refuses_tls_1_1(link: Any, *, who: str, requirement: str) -> None:
    """Connect to the CSMS under test offering only TLS 1.1 (with the suite's client certificate at security profile
    3): the CSMS must not complete the handshake. Fails with `requirement` when it does."""
    from conformance.pki import test_pki_for
    from conformance.transport import HandshakeRefused, TlsFailure

    pki = test_pki_for(link.descriptor)
    mutual = link.descriptor.security.profile == 3
    old = weak_client_context(pki.ca_cert, cert=pki.client_cert if mutual else None,
                              key=pki.client_key if mutual else None)
    try:
        ws = await link.endpoint.connect(attach=False, ssl_context=old)
    except TlsFailure as exc:
        link.wire.event("note", refused=f"TLS 1.1: {exc.reason}")
        return
    except HandshakeRefused as exc:
        raise AssertionError(f"[behaviour] {who} completed a TLS 1.1 handshake (and then answered HTTP "
                             f"{exc.status})\n  requirement: {requirement}") from None
    await ws.close()
    raise AssertionError(f"[behaviour] {who} accepted a connection over TLS 1.1\n  requirement: {requirement}")


UNSUPPORTED_SUBPROTOCOL = "ocpp0.9"  # a subprotocol no OCPP version uses


async def csms_closes_without_subprotocol(station: Any, *, who: str, within: float, source: str) -> None:
    """Offer the CSMS under test only a subprotocol no OCPP version uses: it MUST complete the WebSocket handshake
    without a Sec-WebSocket-Protocol header and then close the connection at once (`source`: where the spec says so).
    `station` is the suite's station of the version (its `connect_raw`)."""
    from conformance.transport import HandshakeRefused

    try:
        probe = await station.connect_raw(subprotocols=[UNSUPPORTED_SUBPROTOCOL])
    except HandshakeRefused as refused:  # an HTTP refusal is not "complete the handshake, then close"
        raise AssertionError(
            f"[framing] offered only {UNSUPPORTED_SUBPROTOCOL!r}, {who} refused the handshake with HTTP "
            f"{refused.status}; it MUST complete the handshake without a subprotocol and then close the connection "
            f"({source})") from None
    assert probe.subprotocol is None, (
        f"[framing] only {UNSUPPORTED_SUBPROTOCOL!r} was offered, yet {who} selected {probe.subprotocol!r}")
    try:
        await asyncio.wait_for(probe.wait_closed(), within)
    except TimeoutError:
        await probe.close()
        raise AssertionError(
            f"[framing] {who} kept the connection open for {within:g} s after agreeing to no subprotocol; it must "
            "close it immediately") from None
