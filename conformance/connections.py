"""Watching a charging station under test (re)connect, as the suite's CSMS sees it on the wire: its next WebSocket
connection, the handshakes the suite refused and why. Version-neutral: the security cases of every version use it."""

from __future__ import annotations

import asyncio
from typing import Any

from conformance.errors import ExpectationFailed
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
