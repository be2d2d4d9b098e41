"""Hostile implementations under test, written directly on `websockets`: a charge point and a CSMS that misbehave
on purpose (garbage, binary frames, 10 MB frames, wrong types, silence, dropped connections).

Each runs on its own event loop in a daemon thread, so a test can start one, run the suite against it in a
child process, and stop it. Every wait here is bounded; stopping interrupts the reconnect back-off at once.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import uuid
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any, Awaitable, Callable

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed, InvalidHandshake

HUGE = 10 * 2**20  # the "10 MB frame"
SUBPROTOCOL = "ocpp1.6"
RECONNECT_DELAY = 0.1  # a charger's back-off between connection attempts
NAG_INTERVAL = 0.5  # some peers also misbehave unprompted (see NAGS), so every case sees it

CHARGE_POINT_BEHAVIOURS = ("garbage", "binary", "invalid_utf8", "huge", "wrong_types", "silent", "close_mid_call",
                           "never_connects", "stalls_handshake")
CSMS_BEHAVIOURS = ("garbage", "binary", "invalid_utf8", "huge", "wrong_types", "silent", "close_mid_call",
                   "nothing_listening", "stalls_handshake", "refuses_handshake")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _call(action: str, payload: Any) -> str:
    return json.dumps([2, str(uuid.uuid4()), action, payload])


def _result(frame: Any, payload: Any) -> str:
    return json.dumps([3, _uid(frame), payload])


def _uid(frame: Any) -> str:
    try:
        value = json.loads(frame)
        return value[1] if isinstance(value, list) and len(value) > 1 and isinstance(value[1], str) else "-1"
    except (ValueError, TypeError):
        return "-1"


def _is_call(frame: Any) -> bool:
    try:
        value = json.loads(frame)
    except (ValueError, TypeError):
        return False
    return isinstance(value, list) and bool(value) and value[0] == 2


def _action(frame: Any) -> str | None:
    try:
        value = json.loads(frame)
    except (ValueError, TypeError):
        return None
    return value[2] if isinstance(value, list) and len(value) > 2 and isinstance(value[2], str) else None


def _huge_result(frame: Any) -> str:
    return json.dumps([3, _uid(frame), {"status": "Accepted", "padding": "A" * HUGE}])


async def _abort(ws: Any) -> None:
    """Drop the TCP connection without a closing handshake, as a crashing peer or a pulled cable does."""
    ws.transport.abort()


# ---------------------------------------------------------------------------------------------
# what each hostile behaviour does: (on_open, on_frame); on_frame gets every frame the suite sends
# ---------------------------------------------------------------------------------------------
async def _nothing(ws: Any, *_: Any) -> None:
    return None


def _boot_frame() -> str:
    return _call("BootNotification", {"chargePointVendor": "Hostile", "chargePointModel": "H-1"})


async def _boot(ws: Any) -> None:
    await ws.send(_boot_frame())
    for connector in (1, 2):
        await ws.send(_call("StatusNotification", {"connectorId": connector, "errorCode": "NoError",
                                                   "status": "Available", "timestamp": now()}))


def _charge_point_script(behaviour: str) -> tuple[Callable, Callable]:
    if behaviour == "garbage":
        async def open_(ws: Any) -> None:
            await ws.send("this is not JSON {")

        async def frame(ws: Any, msg: Any) -> None:
            await ws.send("}{ neither is this")
        return open_, frame
    if behaviour == "binary":
        async def open_(ws: Any) -> None:
            await ws.send(b"\x00\x01\xfe\xffbinary")

        async def frame(ws: Any, msg: Any) -> None:
            await ws.send(b"\x02\x03binary answer")
        return open_, frame
    if behaviour == "invalid_utf8":
        async def open_(ws: Any) -> None:
            await ws.send(b'[2,"bad-utf8","Heartbeat",{"x":"\xff\xfe"}]', text=True)
        return open_, _nothing
    if behaviour == "huge":
        async def open_(ws: Any) -> None:
            await ws.send(_call("BootNotification", {"chargePointVendor": "V" * HUGE, "chargePointModel": "H-1"}))

        async def frame(ws: Any, msg: Any) -> None:
            if _is_call(msg):
                await ws.send(_huge_result(msg))
        return open_, frame
    if behaviour == "wrong_types":
        async def open_(ws: Any) -> None:
            await ws.send(_call("BootNotification", {"chargePointVendor": 42, "chargePointModel": ["H-1"]}))

        async def frame(ws: Any, msg: Any) -> None:
            if _is_call(msg):
                await ws.send(_result(msg, {"status": 7, "configurationKey": "not-a-list"}))
        return open_, frame
    if behaviour == "silent":
        return _boot, _nothing
    if behaviour == "close_mid_call":
        async def frame(ws: Any, msg: Any) -> None:
            if _is_call(msg):
                await _abort(ws)
        return _boot, frame
    raise ValueError(f"unknown charge point behaviour {behaviour!r}")


def _csms_script(behaviour: str) -> tuple[Callable, Callable]:
    if behaviour == "garbage":
        async def open_(ws: Any) -> None:
            await ws.send("<html>not OCPP</html>")

        async def frame(ws: Any, msg: Any) -> None:
            await ws.send("[3, broken json")
        return open_, frame
    if behaviour == "binary":
        async def open_(ws: Any) -> None:
            await ws.send(b"\xff\xfe\x00binary")

        async def frame(ws: Any, msg: Any) -> None:
            await ws.send(b"\x03\x00binary answer")
        return open_, frame
    if behaviour == "invalid_utf8":
        async def frame(ws: Any, msg: Any) -> None:
            if _is_call(msg):
                await ws.send(b'[3,"' + _uid(msg).encode() + b'",{"currentTime":"\xc3\x28"}]', text=True)
        return _nothing, frame
    if behaviour == "huge":
        async def frame(ws: Any, msg: Any) -> None:  # 10 MB for each boot; the rest answered sanely, keeping reports small
            if _action(msg) == "BootNotification":
                await ws.send(_huge_result(msg))
            elif _is_call(msg):
                await ws.send(_result(msg, {"currentTime": now()} if _action(msg) == "Heartbeat" else {}))
        return _nothing, frame
    if behaviour == "wrong_types":
        async def frame(ws: Any, msg: Any) -> None:
            if not _is_call(msg):
                return
            action = _action(msg)
            if action == "BootNotification":
                await ws.send(_result(msg, {"status": "Accepted", "currentTime": 42, "interval": "300"}))
            elif action == "Heartbeat":
                await ws.send(_result(msg, {"currentTime": now()}))
            else:
                await ws.send(_result(msg, {}))
        return _nothing, frame
    if behaviour == "silent":
        return _nothing, _nothing
    if behaviour == "close_mid_call":
        async def frame(ws: Any, msg: Any) -> None:
            if _is_call(msg):
                await _abort(ws)
        return _nothing, frame
    raise ValueError(f"unknown CSMS behaviour {behaviour!r}")


# What a peer sends unprompted every NAG_INTERVAL: junk, or (a charger stuck in a boot loop) BootNotification, so
# every case sees the misbehaviour whatever the cases before it consumed.
NAGS: dict[tuple[str, str], Callable[[], Any]] = {
    ("charge_point", "garbage"): lambda: "this is not JSON either",
    ("charge_point", "binary"): lambda: b"\x00\x00unprompted binary",
    ("charge_point", "silent"): _boot_frame,
    ("charge_point", "close_mid_call"): _boot_frame,
    ("csms", "garbage"): lambda: "this is not JSON either",
    ("csms", "binary"): lambda: b"\x00\x00unprompted binary",
}


async def _nag(ws: Any, frame: Callable[[], Any]) -> None:
    try:
        while True:
            await asyncio.sleep(NAG_INTERVAL)  # the misbehaviour itself, not a synchronisation
            await ws.send(frame())
    except ConnectionClosed:
        pass


async def _converse(ws: Any, on_open: Callable, on_frame: Callable, stats: dict[str, int],
                    nag: Callable[[], Any] | None = None) -> None:
    stats["connections"] += 1
    nagging = asyncio.ensure_future(_nag(ws, nag)) if nag is not None else None
    try:
        await on_open(ws)
        async for msg in ws:
            stats["received"] += 1
            await on_frame(ws, msg)
    except ConnectionClosed:
        pass
    finally:
        if nagging is not None:
            nagging.cancel()


# ---------------------------------------------------------------------------------------------
# running one in a thread
# ---------------------------------------------------------------------------------------------
class HostilePeer:
    """A hostile IUT on its own thread: `with HostilePeer(...) as peer:` starts it, leaving the block stops it."""

    def __init__(self, main: Callable[[asyncio.Event, dict[str, int], threading.Event], Awaitable[None]],
                 name: str) -> None:
        self._main = main
        self.name = name
        self.stats: dict[str, int] = {"connections": 0, "received": 0}
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name=f"hostile-{name}", daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await self._main(self._stop, self.stats, self._ready)

        try:
            asyncio.run(main())
        except BaseException as exc:  # reported by stop(), so a broken fixture is not mistaken for a suite bug
            self.error = exc
        finally:
            self._ready.set()

    def __enter__(self) -> "HostilePeer":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"hostile peer {self.name} did not start within 10 s")
        if self.error is not None:
            raise RuntimeError(f"hostile peer {self.name} failed to start: {self.error!r}")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stop(self, timeout: float = 10) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # loop already finished
                pass
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError(f"hostile peer {self.name} did not stop within {timeout:g} s")
        if self.error is not None:
            raise RuntimeError(f"hostile peer {self.name} crashed: {self.error!r}")


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


def hostile_charge_point(behaviour: str, url: str) -> HostilePeer:
    """A charge point that keeps (re)connecting to `url` and misbehaves as `behaviour` says."""
    if behaviour == "never_connects":
        async def idle(stop: asyncio.Event, stats: dict[str, int], ready: threading.Event) -> None:
            ready.set()
            await stop.wait()
        return HostilePeer(idle, behaviour)
    if behaviour == "stalls_handshake":
        async def stall(stop: asyncio.Event, stats: dict[str, int], ready: threading.Event) -> None:
            ready.set()
            host_port = url.split("/")[2]
            host, port = host_port.rsplit(":", 1)
            held: list[asyncio.StreamWriter] = []
            try:
                while not stop.is_set() and not held:
                    try:  # half an HTTP upgrade request, then nothing
                        _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 2)
                        writer.write(b"GET /ocpp/HOSTILE01 HTTP/1.1\r\nHost: " + host_port.encode() + b"\r\n")
                        held.append(writer)
                        stats["connections"] += 1
                    except (OSError, TimeoutError):
                        await _pause(stop, RECONNECT_DELAY)
                await stop.wait()
            finally:
                for writer in held:
                    writer.transport.abort()
        return HostilePeer(stall, behaviour)
    on_open, on_frame = _charge_point_script(behaviour)

    async def main(stop: asyncio.Event, stats: dict[str, int], ready: threading.Event) -> None:
        ready.set()
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                try:
                    async with connect(url, subprotocols=[SUBPROTOCOL], open_timeout=2, max_size=None,
                                       ping_interval=None, close_timeout=1, compression=None) as ws:
                        talk = asyncio.ensure_future(
                            _converse(ws, on_open, on_frame, stats, NAGS.get(("charge_point", behaviour))))
                        await asyncio.wait({talk, stopping}, return_when=asyncio.FIRST_COMPLETED)
                        talk.cancel()
                except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed):
                    pass
                await _pause(stop, RECONNECT_DELAY)
        finally:
            stopping.cancel()

    return HostilePeer(main, behaviour)


def hostile_csms(behaviour: str, port: int) -> HostilePeer:
    """A CSMS on ws://127.0.0.1:`port`/ocpp (any identity) that misbehaves as `behaviour` says."""
    if behaviour == "nothing_listening":
        async def idle(stop: asyncio.Event, stats: dict[str, int], ready: threading.Event) -> None:
            ready.set()
            await stop.wait()
        return HostilePeer(idle, behaviour)
    if behaviour == "stalls_handshake":
        async def mute(stop: asyncio.Event, stats: dict[str, int], ready: threading.Event) -> None:
            held: list[asyncio.StreamWriter] = []

            async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                stats["connections"] += 1
                held.append(writer)  # accept the TCP connection, never answer the HTTP upgrade

            server = await asyncio.start_server(accept, "127.0.0.1", port)
            ready.set()
            try:
                await stop.wait()
            finally:
                for writer in held:
                    writer.transport.abort()
                server.close()
        return HostilePeer(mute, behaviour)

    def not_found(connection: Any, request: Any) -> Any:
        peer.stats["connections"] += 1
        return connection.respond(HTTPStatus.NOT_FOUND, "unknown charge point\n")

    refusing = behaviour == "refuses_handshake"
    on_open, on_frame = (_nothing, _nothing) if refusing else _csms_script(behaviour)

    def select(connection: Any, offered: Any) -> str | None:
        return SUBPROTOCOL if SUBPROTOCOL in offered else None

    async def main(stop: asyncio.Event, stats: dict[str, int], ready: threading.Event) -> None:
        async def handler(ws: Any) -> None:
            await _converse(ws, on_open, on_frame, stats, NAGS.get(("csms", behaviour)))

        async with serve(handler, "127.0.0.1", port, select_subprotocol=select,
                         process_request=not_found if refusing else None,
                         max_size=None, ping_interval=None, close_timeout=1, compression=None):
            ready.set()
            await stop.wait()

    peer = HostilePeer(main, behaviour)  # not_found counts refusals in its stats
    return peer
