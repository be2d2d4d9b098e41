"""What every reference simulator is built from, whatever its OCPP version: state a test can wait on instead of
sleeping (`Observable`), and the small JSON-over-HTTP/1.1 server of the simulators' control API (`ControlServer`,
one request per connection, on asyncio streams), with the helpers its request handlers share.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs, unquote, urlsplit

LOGGER = logging.getLogger("conformance.simulation")

class Observable:
    """State changes call `_wake()`; `wait_for(predicate, timeout)` returns once the predicate holds."""

    _changed: asyncio.Condition

    def _init_observable(self) -> None:
        self._changed = asyncio.Condition()

    def _wake(self) -> None:
        asyncio.ensure_future(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Wait until `predicate()` holds (checked on every state change); TimeoutError after `timeout`."""

        async def waiter() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(waiter(), timeout)


Handler = Callable[[str, str, dict[str, str], Any], Awaitable[tuple[int, Any]]]

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
            500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout"}
MAX_BODY = 1 << 20


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ControlServer:
    """Minimal JSON-over-HTTP/1.1 server: `handler(method, path, query, body) -> (status, json-able)`."""

    def __init__(self, handler: Handler, *, host: str = "127.0.0.1", port: int = 0, read_timeout: float = 10) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self.read_timeout = read_timeout
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            try:
                await asyncio.wait_for(self._server.wait_closed(), 5)
            except asyncio.TimeoutError:
                pass
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                method, path, query, body = await asyncio.wait_for(self._read_request(reader), self.read_timeout)
            except HttpError as exc:
                await self._respond(writer, exc.status, {"error": exc.message})
                return
            except (asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            try:
                status, payload = await self.handler(method, path, query, body)
            except HttpError as exc:
                status, payload = exc.status, {"error": exc.message}
            except Exception as exc:  # the control API must answer, whatever went wrong
                LOGGER.exception("control request %s %s failed", method, path)
                status, payload = 500, {"error": f"{type(exc).__name__}: {exc}"}
            await self._respond(writer, status, payload)
        finally:
            try:
                writer.close()
                await asyncio.wait_for(writer.wait_closed(), 2)
            except Exception:
                pass

    async def _read_request(self, reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str], Any]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise HttpError(400, "malformed request line")
        method, target = parts[0].upper(), parts[1]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            raise HttpError(400, "chunked bodies are not supported; send Content-Length")
        try:
            length = int(headers.get("content-length", "0") or 0)
        except ValueError:
            raise HttpError(400, "invalid Content-Length") from None
        if length > MAX_BODY:
            raise HttpError(413, f"body larger than {MAX_BODY} bytes")
        raw = await reader.readexactly(length) if length else b""
        body: Any = None
        if raw.strip():
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise HttpError(400, f"body is not valid JSON: {exc}") from None
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return method, unquote(parts.path), query, body

    @staticmethod
    async def _respond(writer: asyncio.StreamWriter, status: int, payload: Any) -> None:
        data = json.dumps(payload if payload is not None else {}).encode("utf-8")
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode("latin-1")
        try:
            writer.write(head + data)
            await asyncio.wait_for(writer.drain(), 5)
        except (ConnectionError, asyncio.TimeoutError):
            pass


def snake(kebab: str) -> str:
    return kebab.strip().replace("-", "_").lower()


def pick(body: dict, *names: str, default: Any = None) -> Any:
    for name in names:
        if name in body:
            return body[name]
    return default


def required(value: Any, name: str) -> Any:
    if value is None:
        raise ValueError(f"missing {name} in the request body")
    return value


def tcp_port(text: str) -> int:
    """argparse type: a TCP port number, so a typo is one usage line instead of a traceback from bind()."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a TCP port (0-65535; 0 picks a free one)")
    return port


def failure_reply(exc: BaseException, station_id: str | None = None, *, call_error: type, call_timeout: type,
                  unknown_station: type | None = None, unknown_action: type | None = None) -> tuple[int, Any]:
    """How the control API answers a simulator action that failed, given the version's exception classes: the
    peer's CALLERROR is passed on (502); a request the simulator cannot carry out is an HttpError (unknown station
    404, unknown action 501, bad request 400, no answer in time 504, not connected 503)."""
    if isinstance(exc, call_error):
        return 502, {"errorCode": exc.code, "errorDescription": exc.description, "errorDetails": exc.details}
    if unknown_station is not None and isinstance(exc, unknown_station):
        raise HttpError(404, str(exc)) from None
    if unknown_action is not None and isinstance(exc, unknown_action):
        raise HttpError(501, str(exc)) from None
    if isinstance(exc, ValueError):
        raise HttpError(400, str(exc)) from None
    if isinstance(exc, (call_timeout, asyncio.TimeoutError)):
        raise HttpError(504, str(exc)) from None
    raise HttpError(503, f"connection to {station_id} lost: {exc}" if station_id else str(exc)) from None


async def station_command(csms: Any, station_id: str, action: str, body: dict | None,
                          query: dict[str, str]) -> tuple[int, Any]:
    """A reference CSMS sends `action` to a connected station: 200 with the station's reply, or with `?wait=0` 202
    once the CALL is on the wire (the reply is then only in GET /status and the logs). What fails is raised."""
    if query.get("wait", "1").lower() not in ("0", "false", "no"):
        return 200, await csms.send_command(station_id, action, body or {})
    sent = asyncio.Event()
    future = csms.start_command(station_id, action, body or {}, on_sent=sent)
    future.add_done_callback(lambda f: f.cancelled() or f.exception())
    waiter = asyncio.ensure_future(sent.wait())
    try:
        await asyncio.wait({waiter, future}, timeout=csms.response_timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if future.done() and not future.cancelled() and future.exception() is not None:
        raise future.exception()
    return 202, {"sent": sent.is_set()}


def run_simulator(main: Callable[[], Awaitable[None]], *, verbose: bool, errors: tuple[type, ...] = (ValueError,),
                  ports: str = "--port / --control-port") -> int:
    """Entry point of an `ocpp-conformance simulate ...` role: run `main` until it ends or is interrupted; returns the
    exit code. A mistake of the user's (`errors`, a socket that cannot be opened) is one line naming the fix."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        return 0
    except errors as exc:
        print(f"ocpp-conformance simulate: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"ocpp-conformance simulate: cannot open a socket: {exc} — choose another {ports}, or stop what is "
              "using it", file=sys.stderr)
        return 2
    return 0


async def wait_for_end(duration: float | None) -> None:
    """Until SIGINT or SIGTERM, or `duration` seconds (None: no limit), whichever comes first."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        await asyncio.wait_for(stop.wait(), duration)
    except asyncio.TimeoutError:
        pass


def simulate_command(commands: Any, *, help: str, description: str) -> tuple[Any, Any]:
    """The CLI's `simulate` command and its subparsers of simulator roles, made on first use: each OCPP version adds
    its reference simulators as roles of the one command (`simulate charge-point`, `simulate charging-station`)."""
    existing = commands.choices.get("simulate")
    if existing is not None:
        return existing, existing.get_default("simulate_roles")
    parser = commands.add_parser("simulate", help=help, description=description,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    roles = parser.add_subparsers(dest="simulate_role")
    roles.required = True
    parser.set_defaults(simulate_roles=roles)
    return parser, roles
