"""Self-tests of the reference simulators, against minimal peers built directly on `websockets` (raw frames).

The peers here deliberately do not use the suite's own peer: the simulators are the suite's reference and are
checked by something independent of it. Every wait is bounded; the file runs in seconds.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import itertools
import json
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from conformance.ocpp16.simulators.charge_point import ReferenceChargePoint
from conformance.ocpp16.simulators.control import charge_point_handler, csms_handler
from conformance.ocpp16.simulators.csms import ReferenceCsms
from conformance.ocpp16.simulators.faults import FAULTS, check_faults
from conformance.simulation import ControlServer

ROOT = Path(__file__).resolve().parents[1]
Frame = Any  # a parsed JSON frame, or the raw text when it is not JSON


# ============================================================================ raw peers
def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class FrameLog:
    """Frames received from the simulator, with bounded waits on them."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self._cond = asyncio.Condition()
        self._ids = itertools.count(1)

    def mark(self) -> int:
        return len(self.frames)

    async def _add(self, frame: Frame) -> None:
        self.frames.append(frame)
        await self._poke()

    async def _poke(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    async def wait(self, predicate: Callable[[Frame], bool], *, since: int = 0, timeout: float = 5) -> Frame:
        def find() -> Frame | None:
            return next((f for f in self.frames[since:] if predicate(f)), None)

        async def waiter() -> Frame:
            async with self._cond:
                await self._cond.wait_for(lambda: find() is not None)
            return find()

        try:
            return await asyncio.wait_for(waiter(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"no matching frame within {timeout} s; received: {self.frames[since:]}") from None

    async def wait_call(self, action: str, *, since: int = 0, timeout: float = 5, **subset: Any) -> Frame:
        def match(f: Frame) -> bool:
            return (isinstance(f, list) and len(f) == 4 and f[0] == 2 and f[2] == action
                    and all(f[3].get(k) == v for k, v in subset.items()))

        return await self.wait(match, since=since, timeout=timeout)

    def calls(self, action: str | None = None, *, since: int = 0) -> list[Frame]:
        return [f for f in self.frames[since:] if isinstance(f, list) and f and f[0] == 2 and action in (None, f[2])]

    async def assert_silent(self, predicate: Callable[[Frame], bool], *, since: int, seconds: float) -> None:
        """Bounded negative check: no matching frame within `seconds`."""
        try:
            frame = await self.wait(predicate, since=since, timeout=seconds)
        except AssertionError:
            return
        raise AssertionError(f"unexpected frame {frame}")

    async def _response(self, unique_id: str, since: int, timeout: float) -> Frame:
        return await self.wait(lambda f: isinstance(f, list) and len(f) > 1 and f[0] in (3, 4) and f[1] == unique_id,
                               since=since, timeout=timeout)


class RawCsms(FrameLog):
    """A Central System on raw frames: answers the charger's calls with plain valid replies (overridable)."""

    def __init__(self, *, boot_status: str = "Accepted", interval: int = 300) -> None:
        super().__init__()
        self.boot_status = boot_status
        self.interval = interval
        self.ws: Any = None
        self.offered: list[list[str]] = []
        self.connections = 0
        self.overrides: dict[str, Callable[[dict], Any]] = {}  # action -> payload -> reply (None: stay silent)
        self.auth: dict[str, dict] = {}
        self._tx = itertools.count(100)
        self._server: Any = None
        self.port = 0

    async def start(self, port: int = 0) -> "RawCsms":
        def choose(connection: Any, offered: Any) -> str | None:
            return "ocpp1.6" if "ocpp1.6" in offered else None

        self._server = await serve(self._handler, "127.0.0.1", port, subprotocols=["ocpp1.6"],
                                   select_subprotocol=choose, ping_interval=None, compression=None)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    async def stop(self) -> None:
        self._server.close(close_connections=True)
        await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _handler(self, ws: Any) -> None:
        self.ws = ws
        self.connections += 1
        self.offered.append(list(ws.request.headers.get_all("Sec-WebSocket-Protocol")))
        await self._add(("connected", self.connections))
        try:
            async for text in ws:
                try:
                    frame = json.loads(text)
                except ValueError:
                    frame = text
                await self._add(frame)
                if isinstance(frame, list) and len(frame) == 4 and frame[0] == 2:
                    reply = self.answer(frame[2], frame[3])
                    if reply is not None:
                        await ws.send(json.dumps([3, frame[1], reply]))
        except ConnectionClosed:
            pass
        finally:
            if self.ws is ws:
                self.ws = None
            await self._add(("disconnected", self.connections))

    def answer(self, action: str, payload: dict) -> dict | None:
        if action in self.overrides:
            return self.overrides[action](payload)
        if action == "BootNotification":
            return {"status": self.boot_status, "currentTime": utc_now(), "interval": self.interval}
        if action == "Heartbeat":
            return {"currentTime": utc_now()}
        if action == "Authorize":
            return {"idTagInfo": self.auth.get(payload["idTag"], {"status": "Accepted"})}
        if action == "StartTransaction":
            return {"transactionId": next(self._tx), "idTagInfo": self.auth.get(payload["idTag"], {"status": "Accepted"})}
        if action == "StopTransaction":
            return {"idTagInfo": {"status": "Accepted"}} if "idTag" in payload else {}
        if action == "DataTransfer":
            return {"status": "Accepted"}
        return {}

    async def call(self, action: str, payload: dict, *, timeout: float = 5) -> Frame:
        """Send a CALL; return the response frame ([3, id, payload] or [4, id, code, description, details])."""
        unique_id = f"t{next(self._ids)}"
        since = self.mark()
        await self.ws.send(json.dumps([2, unique_id, action, payload]))
        return await self._response(unique_id, since, timeout)

    async def send_raw(self, text: str) -> None:
        await self.ws.send(text)


class RawChargePoint(FrameLog):
    """A charge point on raw frames, for testing the reference CSMS."""

    def __init__(self, url: str, *, subprotocols: list[str] | None = None, headers: dict | None = None) -> None:
        super().__init__()
        self.url = url
        self.subprotocols = ["ocpp1.6"] if subprotocols is None else subprotocols
        self.headers = headers
        self.ws: Any = None
        self.replies: dict[str, dict] = {}  # action -> reply to the CSMS's calls (default {"status": "Accepted"})
        self._reader: asyncio.Task | None = None

    async def __aenter__(self) -> "RawChargePoint":
        self.ws = await connect(self.url, subprotocols=self.subprotocols or None, additional_headers=self.headers,
                                proxy=None, open_timeout=5, ping_interval=None, compression=None)
        self._reader = asyncio.ensure_future(self._read())
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await asyncio.wait_for(self.ws.close(), 5)
        if self._reader:
            self._reader.cancel()

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                try:
                    frame = json.loads(text)
                except ValueError:
                    frame = text
                await self._add(frame)
                if isinstance(frame, list) and len(frame) == 4 and frame[0] == 2:
                    reply = self.replies.get(frame[2], {"status": "Accepted"})
                    await self.ws.send(json.dumps([3, frame[1], reply]))
        except ConnectionClosed:
            pass
        await self._add(("closed", self.ws.close_code))

    async def call(self, action: str, payload: dict, *, timeout: float = 5) -> Frame:
        unique_id = f"c{next(self._ids)}"
        since = self.mark()
        await self.ws.send(json.dumps([2, unique_id, action, payload]))
        return await self._response(unique_id, since, timeout)

    async def send_raw(self, text: str) -> None:
        await self.ws.send(text)

    async def boot(self) -> Frame:
        return await self.call("BootNotification", {"chargePointVendor": "Test", "chargePointModel": "Raw"})


async def http_request(port: int, method: str, path: str, body: Any = None, timeout: float = 10) -> tuple[int, Any]:
    """One HTTP/1.1 request to the control API on 127.0.0.1 (raw asyncio streams)."""
    data = b"" if body is None else json.dumps(body).encode()

    async def exchange() -> tuple[int, Any]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
        await writer.drain()
        raw = await reader.read()
        writer.close()
        head, _, payload = raw.partition(b"\r\n\r\n")
        return int(head.split(b" ")[1]), json.loads(payload or b"null")

    return await asyncio.wait_for(exchange(), timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ============================================================================ fixtures
@pytest.fixture
async def raw_csms():
    peer = await RawCsms().start()
    yield peer
    await peer.stop()


@pytest.fixture
async def make_cp():
    """Factory: a started reference charge point with short timings; all are stopped afterwards."""
    started: list[ReferenceChargePoint] = []

    async def make(url: str, **kwargs: Any) -> ReferenceChargePoint:
        kwargs.setdefault("identity", "CP1")
        kwargs.setdefault("response_timeout", 2)
        kwargs.setdefault("boot_retry_interval", 0.5)
        kwargs.setdefault("reconnect_delay", 0.1)
        kwargs.setdefault("reconnect_max_delay", 0.3)
        kwargs.setdefault("power_off_time", 0.05)
        cp = ReferenceChargePoint(csms_url=url, **kwargs)
        started.append(cp)
        await cp.start()
        return cp

    yield make
    for cp in started:
        await asyncio.wait_for(cp.stop(), 10)
        assert cp.own_schema_errors == [], cp.own_schema_errors


@pytest.fixture
async def csms():
    server = ReferenceCsms(
        port=0,
        id_tags={
            "VALID": "Accepted",
            "VALID2": {"status": "Accepted"},
            "BLOCKED": "Blocked",
            "EXPIRED": {"status": "Accepted", "expiryDate": "2020-01-01T00:00:00Z"},
            "CHILD": {"status": "Accepted", "parentIdTag": "PARENT"},
        },
        heartbeat_interval=60,
        response_timeout=2,
    )
    await server.start()
    yield server
    await server.stop()
    assert server.own_schema_errors == [], server.own_schema_errors


async def booted(peer: RawCsms, cp: ReferenceChargePoint) -> None:
    await peer.wait_call("StatusNotification", connectorId=len(cp.connectors) - 1)
    await cp.wait_registered(5)


async def start_transaction(peer: RawCsms, cp: ReferenceChargePoint, connector: int = 1, tag: str = "TAG1") -> int:
    mark = peer.mark()
    await cp.plug_in(connector)
    await cp.present_id_tag(tag, connector)
    await peer.wait_call("StartTransaction", since=mark, connectorId=connector)
    await peer.wait_call("StatusNotification", since=mark, connectorId=connector, status="Charging")
    return cp.transaction_id(connector)


# ============================================================================ charge point
async def test_cp_boots_first_then_reports_every_connector(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, connectors=2)
    await booted(raw_csms, cp)
    calls = raw_csms.calls()
    assert calls[0][2] == "BootNotification"
    assert calls[0][3]["chargePointVendor"] and calls[0][3]["chargePointModel"]
    statuses = [(c[3]["connectorId"], c[3]["status"], c[3]["errorCode"]) for c in calls[1:4]]
    assert statuses == [(0, "Available", "NoError"), (1, "Available", "NoError"), (2, "Available", "NoError")]
    assert raw_csms.offered == [["ocpp1.6"]]


async def test_cp_plug_in_then_id_tag_runs_a_transaction(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    await cp.plug_in(1)
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Preparing")
    await cp.present_id_tag("TAG1")
    start = await raw_csms.wait_call("StartTransaction", since=mark, connectorId=1, idTag="TAG1")
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Charging")
    actions = [c[2] for c in raw_csms.calls(since=mark)]
    assert actions[:4] == ["StatusNotification", "Authorize", "StartTransaction", "StatusNotification"]
    assert isinstance(start[3]["meterStart"], int)

    mark = raw_csms.mark()
    await cp.present_id_tag("TAG1")
    stop = await raw_csms.wait_call("StopTransaction", since=mark)
    assert stop[3]["transactionId"] == 100 and stop[3]["reason"] == "Local" and stop[3]["idTag"] == "TAG1"
    assert stop[3]["meterStop"] >= start[3]["meterStart"]
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Finishing")
    await cp.unplug(1)
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Available")


async def test_cp_rejected_authorization_starts_nothing(raw_csms: RawCsms, make_cp) -> None:
    raw_csms.auth["BAD"] = {"status": "Invalid"}
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    await cp.plug_in(1)
    await cp.present_id_tag("BAD")
    await raw_csms.wait_call("Authorize", since=mark, idTag="BAD")
    await raw_csms.assert_silent(lambda f: isinstance(f, list) and f[0] == 2 and f[2] == "StartTransaction", since=mark, seconds=0.5)


async def test_cp_identification_first_times_out_without_cable(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, config={"ConnectionTimeOut": 1})
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    await cp.present_id_tag("TAG1", 1)
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Preparing")
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Available", timeout=4)
    assert not raw_csms.calls("StartTransaction", since=mark)


async def test_cp_remote_start_and_stop(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    assert (await raw_csms.call("RemoteStartTransaction", {"idTag": "TAG1", "connectorId": 0}))[2] == {"status": "Rejected"}
    assert (await raw_csms.call("RemoteStartTransaction", {"idTag": "TAG1", "connectorId": 3}))[2] == {"status": "Rejected"}
    await cp.plug_in(2)
    mark = raw_csms.mark()
    assert (await raw_csms.call("RemoteStartTransaction", {"idTag": "TAG1", "connectorId": 2}))[2] == {"status": "Accepted"}
    start = await raw_csms.wait_call("StartTransaction", since=mark, connectorId=2, idTag="TAG1")
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=2, status="Charging")
    tx_id = cp.transaction_id(2)
    assert tx_id == 100 and start
    assert (await raw_csms.call("RemoteStopTransaction", {"transactionId": 999}))[2] == {"status": "Rejected"}
    mark = raw_csms.mark()
    assert (await raw_csms.call("RemoteStopTransaction", {"transactionId": tx_id}))[2] == {"status": "Accepted"}
    stop = await raw_csms.wait_call("StopTransaction", since=mark, transactionId=tx_id)
    assert stop[3]["reason"] == "Remote" and "idTag" not in stop[3]


async def test_cp_hard_reset_with_transaction_reboots_and_reports_the_stop(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    tx_id = await start_transaction(raw_csms, cp)
    mark = raw_csms.mark()
    assert (await raw_csms.call("Reset", {"type": "Hard"}))[2] == {"status": "Accepted"}
    await raw_csms.wait(lambda f: f == ("connected", 2), since=mark)
    boot = await raw_csms.wait_call("BootNotification", since=mark)
    stop = await raw_csms.wait_call("StopTransaction", since=mark, transactionId=tx_id)
    assert stop[3]["reason"] == "HardReset"
    after_reconnect = raw_csms.frames.index(("connected", 2))
    assert raw_csms.calls(since=after_reconnect)[0] == boot  # nothing before BootNotification


async def test_cp_soft_reset_stops_first_then_reboots(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    tx_id = await start_transaction(raw_csms, cp)
    mark = raw_csms.mark()
    assert (await raw_csms.call("Reset", {"type": "Soft"}))[2] == {"status": "Accepted"}
    stop = await raw_csms.wait_call("StopTransaction", since=mark, transactionId=tx_id, reason="SoftReset")
    await raw_csms.wait_call("BootNotification", since=mark)
    assert raw_csms.frames.index(stop) < raw_csms.frames.index(("connected", 2))


async def test_cp_get_configuration(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, password="0123456789abcdef0123456789abcdef")
    await booted(raw_csms, cp)
    everything = (await raw_csms.call("GetConfiguration", {}))[2]["configurationKey"]
    keys = {item["key"]: item for item in everything}
    assert "AuthorizationKey" not in keys
    assert keys["NumberOfConnectors"] == {"key": "NumberOfConnectors", "readonly": True, "value": "2"}
    assert keys["HeartbeatInterval"]["readonly"] is False
    some = (await raw_csms.call("GetConfiguration", {"key": ["HeartbeatInterval", "NoSuchKey", "AuthorizationKey"]}))[2]
    assert [k["key"] for k in some["configurationKey"]] == ["HeartbeatInterval"]
    assert some["unknownKey"] == ["NoSuchKey", "AuthorizationKey"]


async def test_cp_change_configuration(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)

    async def change(key: str, value: str) -> str:
        return (await raw_csms.call("ChangeConfiguration", {"key": key, "value": value}))[2]["status"]

    assert await change("MeterValueSampleInterval", "15") == "Accepted"
    assert cp.config["MeterValueSampleInterval"] == "15"
    assert await change("NumberOfConnectors", "4") == "Rejected"  # read-only
    assert await change("HeartbeatInterval", "often") == "Rejected"  # not an integer
    assert await change("HeartbeatInterval", "-5") == "Rejected"  # out of range
    assert await change("WebSocketPingInterval", "-1") == "Rejected"
    assert await change("StopTransactionOnInvalidId", "maybe") == "Rejected"
    assert await change("MeterValuesSampledData", "Energy.Active.Import.Register,Bogus") == "Rejected"
    assert await change("ConformanceUnsupportedKey", "1") == "NotSupported"


async def test_cp_heartbeat_follows_the_boot_interval(make_cp) -> None:
    peer = await RawCsms(interval=1).start()
    try:
        cp = await make_cp(peer.url)
        await booted(peer, cp)
        first = await peer.wait_call("Heartbeat", timeout=3)
        await peer.wait_call("Heartbeat", since=peer.frames.index(first) + 1, timeout=3)
        assert cp.config["HeartbeatInterval"] == "1"
    finally:
        await peer.stop()


async def test_cp_rpc_error_handling(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    assert (await raw_csms.call("FooBar", {}))[2] == "NotImplemented"  # not an OCPP 1.6 action
    assert (await raw_csms.call("Heartbeat", {}))[2] == "NotSupported"  # a 1.6 action, but the charger's own
    assert (await raw_csms.call("Reset", {}))[2] == "OccurenceConstraintViolation"
    assert (await raw_csms.call("Reset", {"type": 1}))[2] == "TypeConstraintViolation"
    assert (await raw_csms.call("Reset", {"type": "Warm"}))[2] == "PropertyConstraintViolation"
    assert (await raw_csms.call("Reset", {"type": "Soft", "extra": 1}))[2] == "FormationViolation"
    assert (await raw_csms.call("DataTransfer", {"vendorId": "x" * 300}))[2] == "PropertyConstraintViolation"

    mark = raw_csms.mark()
    await raw_csms.send_raw("this is not JSON")
    error = await raw_csms.wait(lambda f: isinstance(f, list) and f[0] == 4, since=mark)
    assert error[1] == "-1" and error[2] == "FormationViolation" and error[4] == {}

    mark = raw_csms.mark()
    await raw_csms.send_raw('[2, "abc", "Heartbeat"]')  # readable id, wrong structure
    error = await raw_csms.wait(lambda f: isinstance(f, list) and f[0] == 4, since=mark)
    assert error[1] == "abc" and error[2] == "ProtocolError"

    mark = raw_csms.mark()
    await raw_csms.send_raw('[3, "never-sent", {}]')  # a response nobody asked for: ignored
    await raw_csms.assert_silent(lambda f: isinstance(f, list) and f[0] == 4, since=mark, seconds=0.3)
    assert (await raw_csms.call("TriggerMessage", {"requestedMessage": "Heartbeat"}))[2] == {"status": "Accepted"}
    await raw_csms.wait_call("Heartbeat", since=mark)


async def test_cp_data_transfer_and_clear_cache(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, known_id_tags=["CACHED"])
    await booted(raw_csms, cp)
    assert (await raw_csms.call("DataTransfer", {"vendorId": "com.unknown"}))[2] == {"status": "UnknownVendorId"}
    assert (await raw_csms.call("DataTransfer", {"vendorId": cp.vendor_id, "messageId": "Nope"}))[2] == {"status": "UnknownMessageId"}
    assert (await raw_csms.call("DataTransfer", {"vendorId": cp.vendor_id, "messageId": "Echo", "data": "hi"}))[2] == {"status": "Accepted", "data": "hi"}
    assert cp.cache
    assert (await raw_csms.call("ClearCache", {}))[2] == {"status": "Accepted"}
    assert not cp.cache
    assert await cp.data_transfer("org.peer", "Hello", "x") == {"status": "Accepted"}


async def test_cp_trigger_message(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    for message in ("StatusNotification", "MeterValues", "DiagnosticsStatusNotification", "FirmwareStatusNotification"):
        mark = raw_csms.mark()
        assert (await raw_csms.call("TriggerMessage", {"requestedMessage": message, "connectorId": 1}))[2] == {"status": "Accepted"}
        await raw_csms.wait_call(message, since=mark)
    assert (await raw_csms.call("TriggerMessage", {"requestedMessage": "Heartbeat", "connectorId": 7}))[2] == {"status": "Rejected"}


async def test_cp_change_availability(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    assert (await raw_csms.call("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}))[2] == {"status": "Accepted"}
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=2, status="Unavailable")
    await start_transaction(raw_csms, cp, connector=1)
    mark = raw_csms.mark()
    assert (await raw_csms.call("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}))[2] == {"status": "Scheduled"}
    await cp.present_id_tag("TAG1", 1)
    await raw_csms.wait_call("StopTransaction", since=mark)
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Unavailable")


async def test_cp_unlock_connector(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    assert (await raw_csms.call("UnlockConnector", {"connectorId": 9}))[2] == {"status": "NotSupported"}
    assert (await raw_csms.call("UnlockConnector", {"connectorId": 2}))[2] == {"status": "Unlocked"}
    await cp.make_unlock_fail(2)
    assert (await raw_csms.call("UnlockConnector", {"connectorId": 2}))[2] == {"status": "UnlockFailed"}
    tx_id = await start_transaction(raw_csms, cp, connector=1)
    mark = raw_csms.mark()
    assert (await raw_csms.call("UnlockConnector", {"connectorId": 1}))[2] == {"status": "Unlocked"}
    stop = await raw_csms.wait_call("StopTransaction", since=mark, transactionId=tx_id)
    assert stop[3]["reason"] == "UnlockCommand"


async def test_cp_lock_failure_and_faults(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    await cp.make_lock_fail(1)
    mark = raw_csms.mark()
    await cp.plug_in(1)
    await cp.present_id_tag("TAG1", 1)
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, errorCode="ConnectorLockFailure")
    assert not raw_csms.calls("StartTransaction", since=mark)
    mark = raw_csms.mark()
    await cp.raise_fault(2, "GroundFailure")
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=2, status="Faulted", errorCode="GroundFailure")
    await cp.clear_fault(2)
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=2, status="Available", errorCode="NoError")


async def test_cp_ev_side_disconnect_stops_and_suspends(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    await start_transaction(raw_csms, cp, connector=1)
    mark = raw_csms.mark()
    await cp.suspend_ev(1)
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="SuspendedEV")
    await cp.resume_ev(1)
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Charging")
    await cp.unplug(1)
    stop = await raw_csms.wait_call("StopTransaction", since=mark)
    assert stop[3]["reason"] == "EVDisconnected"
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Available")


async def test_cp_ev_side_disconnect_keeps_the_cable_locked_when_configured(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, config={"UnlockConnectorOnEVSideDisconnect": False})
    await booted(raw_csms, cp)
    await start_transaction(raw_csms, cp, connector=1)
    mark = raw_csms.mark()
    await cp.unplug(1)
    await raw_csms.wait_call("StopTransaction", since=mark, reason="EVDisconnected")
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Finishing")
    await cp.present_id_tag("TAG1", 1)  # the owner comes back: unlocked
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Available")


async def test_cp_ev_side_disconnect_without_stop_suspends(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, config={"StopTransactionOnEVSideDisconnect": False})
    await booted(raw_csms, cp)
    await start_transaction(raw_csms, cp, connector=1)
    mark = raw_csms.mark()
    await cp.unplug(1)
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="SuspendedEV")
    await cp.plug_in(1)
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Charging")
    assert not raw_csms.calls("StopTransaction", since=mark)


async def test_cp_group_member_stops_the_transaction(raw_csms: RawCsms, make_cp) -> None:
    raw_csms.auth.update({"CHILD1": {"status": "Accepted", "parentIdTag": "GROUP"},
                          "CHILD2": {"status": "Accepted", "parentIdTag": "GROUP"}})
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    tx_id = await start_transaction(raw_csms, cp, connector=1, tag="CHILD1")
    mark = raw_csms.mark()
    await cp.present_id_tag("CHILD2")
    stop = await raw_csms.wait_call("StopTransaction", since=mark, transactionId=tx_id)
    assert stop[3]["idTag"] == "CHILD2" and stop[3]["reason"] == "Local"


async def test_cp_local_pre_authorize_uses_the_cache(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, config={"LocalPreAuthorize": True}, known_id_tags=["CACHED"])
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    await cp.plug_in(1)
    await cp.present_id_tag("CACHED", 1)
    await raw_csms.wait_call("StartTransaction", since=mark, idTag="CACHED")
    assert not raw_csms.calls("Authorize", since=mark)


async def test_cp_invalid_start_without_stop_suspends_energy(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, config={"StopTransactionOnInvalidId": False})
    await booted(raw_csms, cp)
    raw_csms.overrides["StartTransaction"] = lambda p: {"transactionId": 7, "idTagInfo": {"status": "Blocked"}}
    mark = raw_csms.mark()
    await cp.plug_in(1)
    await cp.present_id_tag("TAG1", 1)
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="SuspendedEVSE")
    assert not raw_csms.calls("StopTransaction", since=mark)


async def test_cp_clock_aligned_meter_values(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    assert (await raw_csms.call("ChangeConfiguration", {"key": "ClockAlignedDataInterval", "value": "1"}))[2] == {"status": "Accepted"}
    values = await raw_csms.wait_call("MeterValues", since=mark, timeout=3)
    sample = values[3]["meterValue"][0]
    assert sample["sampledValue"][0]["context"] == "Sample.Clock"
    assert parse_time(sample["timestamp"]).microsecond == 0  # the aligned instant
    assert (await raw_csms.call("ChangeConfiguration", {"key": "ClockAlignedDataInterval", "value": "0"}))[2] == {"status": "Accepted"}


async def test_cp_availability_survives_a_power_cycle(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    assert (await raw_csms.call("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}))[2] == {"status": "Accepted"}
    mark = raw_csms.mark()
    await cp.power_cycle()
    await raw_csms.wait(lambda f: f == ("connected", 2), since=mark)
    for connector in (0, 1, 2):
        await raw_csms.wait_call("StatusNotification", since=mark, connectorId=connector, status="Unavailable")


async def test_cp_queues_transaction_messages_while_offline(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, config={"MeterValueSampleInterval": 1}, known_id_tags=["TAG1", "TAG2"])
    await booted(raw_csms, cp)
    tx_id = await start_transaction(raw_csms, cp, connector=1)
    await cp.go_offline()
    await raw_csms.wait(lambda f: f == ("disconnected", 1))
    offline_since = datetime.now(timezone.utc)
    await cp.wait_for(lambda: "MeterValues" in [i.action for i in cp._outbox], timeout=3)
    await cp.present_id_tag("TAG1", 1)  # stop while offline
    await cp.plug_in(2)
    await cp.present_id_tag("TAG2", 2)  # start while offline: authorized from the cache
    await cp.wait_for(lambda: cp.status_of(2) == "Charging", timeout=3)
    assert cp.transaction_id(2) is None  # no id from the Central System yet
    mark = raw_csms.mark()
    await cp.come_online()
    await raw_csms.wait(lambda f: f == ("connected", 2), since=mark)
    start2 = await raw_csms.wait_call("StartTransaction", since=mark, connectorId=2)
    replayed = [c for c in raw_csms.calls(since=mark) if c[2] in ("MeterValues", "StopTransaction", "StartTransaction")]
    assert replayed[0][2] == "MeterValues" and replayed[0][3]["transactionId"] == tx_id
    stop = next(c for c in replayed if c[2] == "StopTransaction")
    assert stop[3]["transactionId"] == tx_id and stop[3]["reason"] == "Local"
    assert replayed.index(stop) < replayed.index(start2)
    assert parse_time(stop[3]["timestamp"]) < datetime.now(timezone.utc) and parse_time(start2[3]["timestamp"]) >= offline_since - timedelta(seconds=1)
    assert not raw_csms.calls("BootNotification", since=mark)  # a reconnect is not a reboot
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=2, status="Charging")
    await cp.wait_for(lambda: cp.transaction_id(2) is not None, timeout=3)
    new_id = cp.transaction_id(2)
    mark = raw_csms.mark()
    assert (await raw_csms.call("RemoteStopTransaction", {"transactionId": new_id}))[2] == {"status": "Accepted"}
    await raw_csms.wait_call("StopTransaction", since=mark, transactionId=new_id)


async def test_cp_offline_start_of_an_invalid_tag_is_stopped_after_reconnect(raw_csms: RawCsms, make_cp) -> None:
    raw_csms.auth["UNKNOWN"] = {"status": "Invalid"}
    cp = await make_cp(raw_csms.url, config={"AllowOfflineTxForUnknownId": True, "StopTransactionOnInvalidId": True})
    await booted(raw_csms, cp)
    await cp.go_offline()
    await raw_csms.wait(lambda f: f == ("disconnected", 1))
    await cp.plug_in(1)
    await cp.present_id_tag("UNKNOWN", 1)
    await cp.wait_for(lambda: cp.status_of(1) == "Charging", timeout=3)
    mark = raw_csms.mark()
    await cp.come_online()
    await raw_csms.wait_call("StartTransaction", since=mark, idTag="UNKNOWN")
    stop = await raw_csms.wait_call("StopTransaction", since=mark)
    assert stop[3]["reason"] == "DeAuthorized"


async def test_cp_power_cycle_boots_first_then_stops_with_power_loss(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    tx_id = await start_transaction(raw_csms, cp, connector=1)
    mark = raw_csms.mark()
    await cp.power_cycle()
    assert not cp.online  # the power is off when the action returns
    await raw_csms.wait(lambda f: f == ("connected", 2), since=mark)
    stop = await raw_csms.wait_call("StopTransaction", since=mark, transactionId=tx_id)
    assert stop[3]["reason"] == "PowerLoss"
    after = raw_csms.frames.index(("connected", 2))
    assert raw_csms.calls(since=after)[0][2] == "BootNotification"
    await raw_csms.wait_call("StatusNotification", since=after, connectorId=1, status="Finishing")  # cable still in


async def test_cp_operator_reboot_stops_then_boots(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    tx_id = await start_transaction(raw_csms, cp, connector=2)
    mark = raw_csms.mark()
    await cp.reboot()
    assert not cp.online
    stop = await raw_csms.wait_call("StopTransaction", since=mark, transactionId=tx_id)
    assert stop[3]["reason"] == "Reboot"
    await raw_csms.wait(lambda f: f == ("connected", 2), since=mark)
    await raw_csms.wait_call("BootNotification", since=raw_csms.frames.index(("connected", 2)))


async def test_cp_pending_boot_only_answers_and_retries(make_cp) -> None:
    peer = await RawCsms(boot_status="Pending", interval=1).start()
    try:
        cp = await make_cp(peer.url)
        await peer.wait_call("BootNotification")
        assert (await peer.call("GetConfiguration", {"key": ["HeartbeatInterval"]}))[0] == 3
        assert (await peer.call("RemoteStartTransaction", {"idTag": "X"}))[2] == {"status": "Rejected"}
        await peer.wait(lambda f: len(peer.calls("BootNotification")) >= 2, timeout=3)  # retried after the interval
        assert {c[2] for c in peer.calls()} == {"BootNotification"}
        mark = peer.mark()
        assert (await peer.call("TriggerMessage", {"requestedMessage": "BootNotification"}))[2] == {"status": "Accepted"}
        peer.boot_status = "Accepted"
        await peer.wait_call("BootNotification", since=mark, timeout=1)  # at once, not after the interval
        await peer.wait_call("StatusNotification", since=mark, connectorId=2)
        await cp.wait_registered(3)
    finally:
        await peer.stop()


async def test_cp_rejected_boot_does_not_answer(make_cp) -> None:
    peer = await RawCsms(boot_status="Rejected", interval=30).start()
    try:
        await make_cp(peer.url)
        await peer.wait_call("BootNotification")
        mark = peer.mark()
        unique = "r1"
        await peer.send_raw(json.dumps([2, unique, "GetConfiguration", {}]))
        await peer.assert_silent(lambda f: isinstance(f, list) and f[0] in (3, 4), since=mark, seconds=0.5)
    finally:
        await peer.stop()


async def test_cp_basic_auth_header(raw_csms: RawCsms, make_cp) -> None:
    seen: list[str] = []
    server = await serve(lambda ws: ws.wait_closed(), "127.0.0.1", 0, subprotocols=["ocpp1.6"],
                         process_request=lambda conn, req: seen.append(req.headers.get("Authorization")) or None)
    try:
        port = server.sockets[0].getsockname()[1]
        cp = await make_cp(f"ws://127.0.0.1:{port}/ocpp", identity="CP 7", password="0123456789abcdef0123")
        await cp.connected.wait()
        assert seen[0] == "Basic " + base64.b64encode(b"CP 7:0123456789abcdef0123").decode()
        assert cp.url.endswith("/ocpp/CP%207")
    finally:
        server.close()
        await server.wait_closed()


# ---------------------------------------------------------------------------- charge point faults
async def test_cp_fault_heartbeat_schema_invalid(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, faults=["heartbeat-schema-invalid"])
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    await raw_csms.call("TriggerMessage", {"requestedMessage": "Heartbeat"})
    heartbeat = await raw_csms.wait_call("Heartbeat", since=mark)
    assert heartbeat[3] != {}


@pytest.mark.parametrize("fault,action,expected", [
    (None, "FooBar", "NotImplemented"),
    ("wrong-callerror-code", "FooBar", "NotSupported"),
    ("wrong-callerror-code", "Heartbeat", "NotImplemented"),
    ("formatviolation-on-16", "Reset", "FormatViolation"),
])
async def test_cp_fault_error_codes(raw_csms: RawCsms, make_cp, fault: str | None, action: str, expected: str) -> None:
    cp = await make_cp(raw_csms.url, faults=[fault] if fault else [])
    await booted(raw_csms, cp)
    payload = {"type": "Warm"} if action == "Reset" else {}
    assert (await raw_csms.call(action, payload))[2] == expected


async def test_cp_fault_silent_on_garbage(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, faults=["silent-on-garbage"])
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    await raw_csms.send_raw("{{{")
    await raw_csms.assert_silent(lambda f: isinstance(f, list) and f[0] == 4, since=mark, seconds=0.5)


async def test_cp_fault_no_reply_and_late_reply(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, faults=["no-reply"])
    await booted(raw_csms, cp)
    with pytest.raises(AssertionError):
        await raw_csms.call("GetConfiguration", {}, timeout=0.5)
    await cp.stop()
    late = await make_cp(raw_csms.url, identity="CP2", faults=["late-reply"], late_reply_delay=0.8)
    await late.wait_registered(5)
    with pytest.raises(AssertionError):
        await raw_csms.call("GetConfiguration", {}, timeout=0.5)
    started = asyncio.get_running_loop().time()
    assert (await raw_csms.call("ClearCache", {}, timeout=5))[0] == 3
    assert asyncio.get_running_loop().time() - started > 0.5


async def test_cp_fault_no_subprotocol(raw_csms: RawCsms, make_cp) -> None:
    await make_cp(raw_csms.url, faults=["no-subprotocol"])
    await raw_csms.wait(lambda f: f == ("connected", 1))
    assert raw_csms.offered == [[]]


async def test_cp_fault_skip_status_notification(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, faults=["skip-status-notification"])
    await raw_csms.wait_call("StatusNotification", connectorId=0)
    await cp.wait_registered(5)
    mark = raw_csms.mark()
    await cp.plug_in(1)
    await cp.raise_fault(2)
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=2, status="Faulted")
    reported = [(c[3]["connectorId"], c[3]["status"]) for c in raw_csms.calls("StatusNotification")]
    assert reported == [(0, "Available"), (2, "Faulted")]  # no Available at boot, no Preparing for connector 1


async def test_cp_fault_boot_pending_ignored(make_cp) -> None:
    peer = await RawCsms(boot_status="Pending", interval=30).start()
    try:
        await make_cp(peer.url, faults=["boot-pending-ignored"])
        await peer.wait_call("StatusNotification", timeout=3)  # a request while Pending
    finally:
        await peer.stop()


def test_unknown_fault_names_are_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="heartbeat-schema-invalid"):
        ReferenceChargePoint(csms_url="ws://127.0.0.1:1/ocpp", identity="X", faults=["no-such-fault"])
    with pytest.raises(ValueError, match="invalid-tag-accepted"):
        ReferenceCsms(faults=["no-such-fault"])
    assert check_faults(["late-reply"], "csms") == {"late-reply"}
    assert all(f.side in ("charge_point", "csms", "both") and f.description for f in FAULTS.values())


# ============================================================================ CSMS
async def test_csms_accepts_a_boot_and_answers_heartbeat(csms: ReferenceCsms) -> None:
    async with RawChargePoint(csms.url + "/CS1") as cp:
        assert cp.ws.subprotocol == "ocpp1.6"
        boot = (await cp.boot())[2]
        assert boot["status"] == "Accepted" and boot["interval"] == 60
        assert abs(parse_time(boot["currentTime"]) - datetime.now(timezone.utc)) < timedelta(seconds=5)
        heartbeat = (await cp.call("Heartbeat", {}))[2]
        assert set(heartbeat) == {"currentTime"}
        status = await cp.call("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"})
        assert status[2] == {}
        assert csms.stations["CS1"].connectors[1]["status"] == "Available"
        assert (await cp.call("DataTransfer", {"vendorId": "com.nobody"}))[2] == {"status": "UnknownVendorId"}
        assert (await cp.call("DiagnosticsStatusNotification", {"status": "Idle"}))[2] == {}
        assert (await cp.call("FirmwareStatusNotification", {"status": "Idle"}))[2] == {}


async def test_csms_authorizes_per_token_status(csms: ReferenceCsms) -> None:
    async with RawChargePoint(csms.url + "/CS1") as cp:
        await cp.boot()

        async def info(tag: str) -> dict:
            return (await cp.call("Authorize", {"idTag": tag}))[2]["idTagInfo"]

        valid = await info("VALID")
        assert valid["status"] == "Accepted" and parse_time(valid["expiryDate"]) > datetime.now(timezone.utc)
        assert (await info("valid"))["status"] == "Accepted"  # idTag is case-insensitive
        assert (await info("BLOCKED"))["status"] == "Blocked"
        assert (await info("EXPIRED"))["status"] == "Expired"
        assert (await info("NOBODY")) == {"status": "Invalid"}
        assert (await info("CHILD"))["parentIdTag"] == "PARENT"
        await csms.add_id_tag("NEW", "Accepted")
        assert (await info("NEW"))["status"] == "Accepted"
        await csms.remove_id_tag("NEW")
        assert (await info("NEW"))["status"] == "Invalid"


async def test_csms_transactions(csms: ReferenceCsms) -> None:
    async with RawChargePoint(csms.url + "/CS1") as cp:
        await cp.boot()
        start = {"connectorId": 1, "idTag": "VALID", "meterStart": 10, "timestamp": utc_now()}
        first = (await cp.call("StartTransaction", start))[2]
        assert first["idTagInfo"]["status"] == "Accepted" and first["transactionId"] > 0
        again = (await cp.call("StartTransaction", dict(start, connectorId=2)))[2]
        assert again["idTagInfo"]["status"] == "ConcurrentTx" and again["transactionId"] != first["transactionId"]
        meter = {"connectorId": 1, "transactionId": first["transactionId"],
                 "meterValue": [{"timestamp": utc_now(), "sampledValue": [{"value": "12"}]}]}
        assert (await cp.call("MeterValues", meter))[2] == {}
        stop = {"transactionId": first["transactionId"], "meterStop": 20, "timestamp": utc_now(), "idTag": "VALID", "reason": "Local"}
        assert (await cp.call("StopTransaction", stop))[2]["idTagInfo"]["status"] == "Accepted"
        no_tag = {"transactionId": again["transactionId"], "meterStop": 20, "timestamp": utc_now()}
        assert (await cp.call("StopTransaction", no_tag))[2] == {}
        tx = csms.transactions[first["transactionId"]]
        assert not tx.active and tx.meter_stop == 20 and tx.meter_values


async def test_csms_rpc_error_handling(csms: ReferenceCsms) -> None:
    async with RawChargePoint(csms.url + "/CS1") as cp:
        await cp.boot()
        assert (await cp.call("FooBar", {}))[2] == "NotImplemented"
        assert (await cp.call("Reset", {"type": "Hard"}))[2] == "NotSupported"  # 1.6 action, wrong direction
        assert (await cp.call("Authorize", {"idTag": "x" * 21}))[2] == "PropertyConstraintViolation"
        assert (await cp.call("Authorize", {}))[2] == "OccurenceConstraintViolation"
        assert (await cp.call("Heartbeat", {"x": 1}))[2] == "FormationViolation"
        mark = cp.mark()
        await cp.send_raw("[2,")
        error = await cp.wait(lambda f: isinstance(f, list) and f[0] == 4, since=mark)
        assert error[:3] == [4, "-1", "FormationViolation"]


@pytest.mark.parametrize("offered", [[], ["ocpp2.0.1"]])
async def test_csms_refuses_a_client_without_ocpp16(csms: ReferenceCsms, offered: list[str]) -> None:
    async with RawChargePoint(csms.url + "/CS1", subprotocols=offered) as cp:
        assert cp.ws.subprotocol is None  # handshake completed without a subprotocol ...
        closed = await cp.wait(lambda f: isinstance(f, tuple) and f[0] == "closed")
        assert closed[1] == 1002  # ... then closed at once


async def test_csms_unknown_identity_and_basic_auth() -> None:
    server = ReferenceCsms(port=0, accept_unknown_chargers=False, basic_auth={"SECURE": "s3cret-password-123"})
    await server.start()
    try:
        with pytest.raises(InvalidStatus) as refused:
            await connect(server.url + "/STRANGER", subprotocols=["ocpp1.6"], proxy=None, open_timeout=5)
        assert refused.value.response.status_code == 404
        with pytest.raises(InvalidStatus) as unauthorized:
            await connect(server.url + "/SECURE", subprotocols=["ocpp1.6"], proxy=None, open_timeout=5)
        assert unauthorized.value.response.status_code == 401
        wrong = {"Authorization": "Basic " + base64.b64encode(b"SECURE:nope").decode()}
        with pytest.raises(InvalidStatus):
            await connect(server.url + "/SECURE", subprotocols=["ocpp1.6"], additional_headers=wrong, proxy=None, open_timeout=5)
        right = {"Authorization": "Basic " + base64.b64encode(b"SECURE:s3cret-password-123").decode()}
        async with RawChargePoint(server.url + "/SECURE", headers=right) as cp:
            assert (await cp.boot())[2]["status"] == "Accepted"
    finally:
        await server.stop()


async def test_csms_operator_commands_and_octt_http_convention(csms: ReferenceCsms) -> None:
    control = ControlServer(csms_handler(csms))
    port = await control.start()
    try:
        async with RawChargePoint(csms.url + "/CS9") as cp:
            await cp.boot()
            await cp.call("StartTransaction", {"connectorId": 1, "idTag": "VALID", "meterStart": 0, "timestamp": utc_now()})
            status, body = await http_request(port, "POST", "/api/octt/1.6/CS9/remote-start-transaction",
                                              {"idTag": "VALID", "connectorId": 1})
            assert (status, body) == (200, {"status": "Accepted"})
            call = await cp.wait_call("RemoteStartTransaction", idTag="VALID", connectorId=1)
            assert call
            cp.replies["GetConfiguration"] = {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "60"}]}
            status, body = await http_request(port, "POST", "/CS9/get-configuration", {"key": ["HeartbeatInterval"]})
            assert status == 200 and body["configurationKey"][0]["value"] == "60"
            # RemoteStopTransaction without transactionId: the station's running transaction
            assert (await http_request(port, "POST", "/api/octt/1.6/CS9/remote-stop-transaction", {}))[0] == 200
            stop_call = await cp.wait_call("RemoteStopTransaction")
            assert stop_call[3]["transactionId"] == csms.running_transaction("CS9").transaction_id
            assert (await http_request(port, "POST", "/api/octt/1.6/NOPE/reset", {"type": "Soft"}))[0] == 404
            assert (await http_request(port, "POST", "/api/octt/1.6/CS9/make-coffee", {}))[0] == 501
            assert (await http_request(port, "POST", "/CS9/reset", {"type": "Warm"}))[0] == 400
            status, snapshot = await http_request(port, "GET", "/status")
            assert status == 200 and snapshot["stations"][0]["identity"] == "CS9"
            mark = cp.mark()
            assert await http_request(port, "POST", "/CS9/clear-cache?wait=0", {}) == (202, {"sent": True})
            await cp.wait_call("ClearCache", since=mark)
            assert (await http_request(port, "POST", "/add-id-tag", {"idTag": "HTTPTAG", "status": "Blocked"}))[0] == 200
            assert csms.id_tag_info("HTTPTAG")["status"] == "Blocked"
            reply = await csms.send_command("CS9", "TriggerMessage", {"requestedMessage": "Heartbeat"})
            assert reply == {"status": "Accepted"}
    finally:
        await control.stop()


# ---------------------------------------------------------------------------- CSMS faults
async def csms_with(*faults: str) -> ReferenceCsms:
    server = ReferenceCsms(port=0, faults=faults, heartbeat_interval=60, response_timeout=2, late_reply_delay=0.8)
    await server.start()
    return server


async def test_csms_faults_change_replies() -> None:
    server = await csms_with("invalid-tag-accepted", "heartbeat-no-currenttime", "currenttime-skewed", "boot-interval-zero")
    try:
        async with RawChargePoint(server.url + "/CS1") as cp:
            boot = (await cp.boot())[2]
            assert boot["interval"] == 0
            assert parse_time(boot["currentTime"]) - datetime.now(timezone.utc) > timedelta(minutes=55)
            assert (await cp.call("Heartbeat", {}))[2] == {}
            assert (await cp.call("Authorize", {"idTag": "NOBODY"}))[2]["idTagInfo"]["status"] == "Accepted"
    finally:
        await server.stop()


async def test_csms_fault_wrong_subprotocol() -> None:
    server = await csms_with("wrong-subprotocol")
    try:
        with pytest.raises(InvalidHandshake):
            await connect(server.url + "/CS1", subprotocols=["ocpp1.6"], proxy=None, open_timeout=5)
    finally:
        await server.stop()


async def test_csms_fault_accept_no_subprotocol() -> None:
    server = await csms_with("accept-no-subprotocol")
    try:
        async with RawChargePoint(server.url + "/CS1", subprotocols=["ocpp2.0.1"]) as cp:
            assert cp.ws.subprotocol is None
            assert (await cp.call("Heartbeat", {}))[0] == 3  # still open and talking
    finally:
        await server.stop()


async def test_csms_faults_no_reply_late_reply_and_error_codes() -> None:
    server = await csms_with("no-reply")
    try:
        async with RawChargePoint(server.url + "/CS1") as cp:
            with pytest.raises(AssertionError):
                await cp.call("Heartbeat", {}, timeout=0.5)
    finally:
        await server.stop()
    server = await csms_with("late-reply", "wrong-callerror-code", "formatviolation-on-16")
    try:
        async with RawChargePoint(server.url + "/CS1") as cp:
            with pytest.raises(AssertionError):
                await cp.call("Heartbeat", {}, timeout=0.5)
            assert (await cp.call("FooBar", {}, timeout=5))[2] == "NotSupported"
            assert (await cp.call("Heartbeat", {"x": 1}, timeout=5))[2] == "FormatViolation"
    finally:
        await server.stop()


# ============================================================================ reference CSMS <-> reference charge point
async def test_reference_simulators_talk_to_each_other(csms: ReferenceCsms, make_cp) -> None:
    cp = await make_cp(csms.url, identity="PAIR1")
    await csms.wait_for_station("PAIR1", 5)
    await cp.plug_in(1)
    await cp.present_id_tag("VALID", 1)
    await cp.wait_for(lambda: cp.status_of(1) == "Charging", 5)
    tx_id = cp.transaction_id(1)
    assert csms.transactions[tx_id].active
    assert (await csms.send_command("PAIR1", "RemoteStopTransaction", {}))["status"] == "Accepted"
    await csms.wait_for(lambda: not csms.transactions[tx_id].active, 5)
    assert csms.transactions[tx_id].stop_reason == "Remote"
    reply = await csms.send_command("PAIR1", "GetConfiguration", {"key": ["NumberOfConnectors"]})
    assert reply["configurationKey"][0]["value"] == "2"
    await cp.present_id_tag("BLOCKED", 2)
    await csms.wait_for(lambda: any(a == "Authorize" and p["idTag"] == "BLOCKED" for a, p in csms.stations["PAIR1"].received), 5)
    assert cp.transaction_id(2) is None


# ============================================================================ drivers, control API, CLI
async def test_charge_point_control_api(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url)
    await booted(raw_csms, cp)
    control = ControlServer(charge_point_handler(cp))
    port = await control.start()
    try:
        mark = raw_csms.mark()
        assert (await http_request(port, "POST", "/plug-in", {"connectorId": 1}))[0] == 200
        await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Preparing")
        assert (await http_request(port, "POST", "/present-id-tag", {"idTag": "TAG1", "connectorId": 1}))[0] == 200
        await raw_csms.wait_call("StartTransaction", since=mark, idTag="TAG1")
        assert (await http_request(port, "POST", "/fly-away", {}))[0] == 501
        assert (await http_request(port, "POST", "/plug-in", {}))[0] == 400
        assert (await http_request(port, "POST", "/plug-in", {"connectorId": 5}))[0] == 400
        status, snapshot = await http_request(port, "GET", "/status")
        assert status == 200 and snapshot["connectors"][1]["plugged"] is True
    finally:
        await control.stop()


async def test_start_simulator_from_the_reference_descriptors() -> None:
    from conformance.iut import load_descriptor
    from conformance.ocpp16.simulators.driver import (
        SimulatorChargePointDriver,
        SimulatorCsmsDriver,
        start_simulator,
        stop_simulator,
    )
    from conformance.wire import Wire

    # charge point: it must connect where the suite (here a raw CSMS) listens
    peer = await RawCsms().start()
    descriptor = dataclasses.replace(load_descriptor(ROOT / "fixtures/iut/reference-charge-point.yaml"), listen_port=peer.port)
    wire = Wire()
    simulator, driver = await start_simulator(descriptor, wire=wire)
    try:
        assert isinstance(driver, SimulatorChargePointDriver) and driver.can("plug_in")
        await peer.wait_call("BootNotification", timeout=5)
        await driver.plug_in(1)
        await peer.wait_call("StatusNotification", connectorId=1, status="Preparing")
        assert [r.data["outcome"] for r in wire.records if r.event == "driver"] == ["started", "done"]
        assert simulator.identity == "REFCP001"
    finally:
        await stop_simulator(simulator)
        await peer.stop()

    # CSMS: it must listen at the descriptor's endpoint with the descriptor's id tags
    port = free_port()
    descriptor = dataclasses.replace(load_descriptor(ROOT / "fixtures/iut/reference-csms.yaml"), endpoint=f"ws://127.0.0.1:{port}/ocpp")
    simulator, driver = await start_simulator(descriptor)
    try:
        assert isinstance(driver, SimulatorCsmsDriver)
        async with RawChargePoint(f"ws://127.0.0.1:{port}/ocpp/{descriptor.identity}") as cp:
            await cp.boot()
            tags = descriptor.id_tags
            for tag, status in [(tags.valid, "Accepted"), (tags.invalid, "Invalid"), (tags.blocked, "Blocked"), (tags.expired, "Expired")]:
                assert (await cp.call("Authorize", {"idTag": tag}))[2]["idTagInfo"]["status"] == status
            child = (await cp.call("Authorize", {"idTag": tags.child_id_tag}))[2]["idTagInfo"]
            assert child["parentIdTag"] == tags.parent_id_tag
            await driver.send_command("RemoteStartTransaction", {"idTag": tags.valid, "connectorId": 1})
            await cp.wait_call("RemoteStartTransaction", idTag=tags.valid)
            await simulator.wait_for(lambda: bool(driver.results), 5)
            assert driver.results[0]["reply"] == {"status": "Accepted"}
    finally:
        await stop_simulator(simulator)


async def test_start_simulator_takes_faults_for_its_side_only() -> None:
    from conformance.iut import load_descriptor
    from conformance.ocpp16.simulators.driver import build_charge_point, build_csms

    cp_desc = load_descriptor(ROOT / "fixtures/iut/reference-charge-point.yaml")
    both = dict(cp_desc.driver, faults=["boot-pending-ignored", "invalid-tag-accepted", "late-reply"])
    cp = build_charge_point(dataclasses.replace(cp_desc, driver=both))
    assert cp.faults == {"boot-pending-ignored", "late-reply"}
    assert cp.late_reply_delay == cp_desc.timeouts.response + cp_desc.timeouts.tolerance + 1
    csms_desc = load_descriptor(ROOT / "fixtures/iut/reference-csms.yaml")
    csms_driver = dict(csms_desc.driver, faults=both["faults"])
    assert build_csms(dataclasses.replace(csms_desc, driver=csms_driver)).faults == {"invalid-tag-accepted", "late-reply"}
    with pytest.raises(ValueError, match="unknown fault"):
        build_csms(dataclasses.replace(csms_desc, driver=dict(csms_driver, faults=["nope"])))
    with pytest.raises(ValueError, match="driver.options"):
        build_csms(dataclasses.replace(csms_desc, driver=dict(csms_driver, options={"colour": "red"})))


def test_simulate_cli_runs_and_reports_bad_faults_in_one_line() -> None:
    command = [sys.executable, "-c", "import sys; from conformance.cli import main; sys.exit(main(sys.argv[1:]))"]
    ok = subprocess.run(command + ["simulate", "csms", "--port", "0", "--control-port", "0", "--duration", "0.5"],
                        cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    assert "CSMS listening on ws://127.0.0.1:" in ok.stdout and "control API http://127.0.0.1:" in ok.stdout
    bad = subprocess.run(command + ["simulate", "charge-point", "--csms", "ws://127.0.0.1:9/ocpp", "--identity", "X",
                                    "--fault", "no-such-fault", "--duration", "0.1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "no-such-fault" in bad.stderr and "Traceback" not in bad.stderr
