"""The peer on loopback: the suite's CSMS server (a real `Link`) and a raw `websockets` client playing the charger.

Every wait is bounded: the peer's own waits by `within`, the raw charger's by `RawCharger.recv(within=...)`.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any, AsyncIterator

import pytest
from ocpp.v16 import call as call16
from websockets.asyncio.client import connect

from conformance.errors import ExpectationFailed, NoResponse, UnexpectedCallError
from conformance.iut import descriptor_from_dict
from conformance.link import Link
from conformance.peer import SILENT, CallErrorReply
from conformance.wire import Kind

RESPONSE_S = 1.0
DESCRIPTOR = {
    "name": "peer-under-test",
    "sut": "charge_point",
    "ocpp_version": "1.6",
    "identity": "RAWCP01",
    "listen": {"host": "127.0.0.1", "port": 0, "path": "/ocpp"},
    "connectors": {"count": 1},
    "timeouts": {"response": RESPONSE_S, "connect": 2, "expect": 1, "tolerance": 1, "case": 10, "manual": 1},
    "driver": {"type": "manual"},
}


class RawCharger:
    """A charge point written straight on websockets: sends exactly what a test says, reads with a bound."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    async def send(self, frame: Any) -> None:
        await self.ws.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))

    async def call(self, action: str, payload: dict) -> str:
        uid = str(uuid.uuid4())
        await self.send([2, uid, action, payload])
        return uid

    async def recv_raw(self, within: float = 2.0) -> str | bytes:
        return await asyncio.wait_for(self.ws.recv(), within)

    async def recv(self, within: float = 2.0) -> list:
        return json.loads(await self.recv_raw(within))

    async def reply_to_call(self, within: float = 2.0) -> list:
        """The next CALL from the suite (skipping nothing else: the test decides what arrives)."""
        frame = await self.recv(within)
        assert frame[0] == 2, f"expected a CALL from the suite, got {frame}"
        return frame


@pytest.fixture
async def link() -> AsyncIterator[Link]:
    link = Link(descriptor_from_dict(DESCRIPTOR), interactive=False)
    link.wire.begin_segment("peer-test")
    await link.start()
    try:
        yield link
    finally:
        await link.stop()


@pytest.fixture
async def charger(link: Link) -> AsyncIterator[RawCharger]:
    async with connect(link.endpoint.url, subprotocols=["ocpp1.6"], open_timeout=2, close_timeout=1) as ws:
        await link.peer.wait_connected(2)
        yield RawCharger(ws)


def _frames(link: Link, **where: Any) -> list:
    return [r for r in link.wire.records if r.kind is Kind.FRAME and all(getattr(r, k) == v for k, v in where.items())]


# ---------------------------------------------------------------------------------------------
# call()
# ---------------------------------------------------------------------------------------------
async def test_call_returns_the_result_payload(link: Link, charger: RawCharger) -> None:
    pending = asyncio.ensure_future(link.peer.call("GetConfiguration", {"key": ["HeartbeatInterval"]}))
    frame = await charger.reply_to_call()
    assert frame[2:] == ["GetConfiguration", {"key": ["HeartbeatInterval"]}]
    await charger.send([3, frame[1], {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]}])
    conf = await pending
    assert conf.configuration_key[0]["value"] == "300"  # snake_case attribute of a camelCase payload
    assert conf.error_code is None


async def test_call_accepts_an_ocpp_dataclass(link: Link, charger: RawCharger) -> None:
    pending = asyncio.ensure_future(link.peer.call(call16.Reset(type="Hard")))
    frame = await charger.reply_to_call()
    assert frame[2:] == ["Reset", {"type": "Hard"}]
    await charger.send([3, frame[1], {"status": "Accepted"}])
    assert (await pending).status == "Accepted"


async def test_call_raises_no_response_on_timeout(link: Link, charger: RawCharger) -> None:
    pending = asyncio.ensure_future(link.peer.call("ClearCache", {}, within=0.3))
    await charger.reply_to_call()  # read, never answer
    with pytest.raises(NoResponse, match=r"no answer to ClearCache .* within 0.3 s"):
        await pending


async def test_call_raises_unexpected_call_error_on_callerror(link: Link, charger: RawCharger) -> None:
    pending = asyncio.ensure_future(link.peer.call("ClearCache", {}))
    frame = await charger.reply_to_call()
    await charger.send([4, frame[1], "NotSupported", "no cache here", {}])
    with pytest.raises(UnexpectedCallError, match="CALLERROR NotSupported"):
        await pending


async def test_call_with_error_ok_returns_the_error_code(link: Link, charger: RawCharger) -> None:
    pending = asyncio.ensure_future(link.peer.call("ClearCache", {}, error_ok=True))
    frame = await charger.reply_to_call()
    await charger.send([4, frame[1], "NotSupported", "", {}])
    assert (await pending).error_code == "NotSupported"


async def test_call_fails_at_once_when_the_connection_drops_mid_call(link: Link, charger: RawCharger) -> None:
    pending = asyncio.ensure_future(link.peer.call("ClearCache", {}, within=5))
    await charger.reply_to_call()
    charger.ws.transport.abort()
    with pytest.raises(NoResponse, match=r"connection closed by network \(code 1006\) before ClearCache"):
        await pending


async def test_call_without_a_connection_is_no_response(link: Link) -> None:
    with pytest.raises(NoResponse, match="could not send ClearCache: the IUT is not connected"):
        await link.peer.call("ClearCache", {})


# ---------------------------------------------------------------------------------------------
# expectations
# ---------------------------------------------------------------------------------------------
async def test_expect_finds_a_frame_that_arrived_before_it_was_called(link: Link, charger: RawCharger) -> None:
    await charger.call("Heartbeat", {})
    await charger.recv()  # the answer: by now the CALL is on the wire
    rec = await link.peer.expect("Heartbeat", within=0.5)
    assert rec.action == "Heartbeat" and rec.from_iut


async def test_expect_matches_a_subset_and_skips_unrelated_frames(link: Link, charger: RawCharger) -> None:
    waiting = asyncio.ensure_future(link.peer.expect("StatusNotification", within=2, connectorId=1, status="Faulted"))
    await charger.call("Heartbeat", {})
    await charger.call("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"})
    await charger.call("StatusNotification", {"connectorId": 1, "errorCode": "OtherError", "status": "Faulted"})
    rec = await waiting
    assert rec.payload["status"] == "Faulted"


async def test_expect_reports_the_nearest_candidates_on_timeout(link: Link, charger: RawCharger) -> None:
    await charger.call("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"})
    await charger.recv()
    with pytest.raises(ExpectationFailed) as failure:
        await link.peer.expect("StatusNotification", within=0.3, connectorId=1, status="Faulted",
                               requirement="The charger reports the fault.")
    text = str(failure.value)
    assert "expected StatusNotification(connectorId=1, status='Faulted')" in text
    assert "nearest candidates" in text and "status='Available' (expected 'Faulted')" in text
    assert "requirement: The charger reports the fault." in text and "last frames" in text


async def test_an_expectation_consumes_its_frame(link: Link, charger: RawCharger) -> None:
    await charger.call("Heartbeat", {})
    await charger.recv()
    await link.peer.expect("Heartbeat", within=0.5)
    with pytest.raises(ExpectationFailed, match="already matched by an earlier expectation"):
        await link.peer.expect("Heartbeat", within=0.2)


async def test_expect_no_passes_when_nothing_comes_and_fails_when_it_does(link: Link, charger: RawCharger) -> None:
    await link.peer.expect_no("StartTransaction", during=0.2)
    watching = asyncio.ensure_future(link.peer.expect_no("StartTransaction", during=2))
    await charger.call("StartTransaction", {"connectorId": 1, "idTag": "X", "meterStart": 0,
                                            "timestamp": "2024-01-01T00:00:00Z"})
    with pytest.raises(ExpectationFailed, match="the IUT sent StartTransaction .* although it must not"):
        await watching


async def test_expect_call_error_returns_the_matching_callerror(link: Link, charger: RawCharger) -> None:
    sent = await link.peer.send_raw(json.dumps([2, "bad-1", "ChangeConfiguration", {"key": "HeartbeatInterval"}]))
    await charger.recv()
    await charger.send([4, "bad-1", "FormationViolation", "value missing", {}])
    rec = await link.peer.expect_call_error({"FormationViolation", "OccurenceConstraintViolation"}, to=sent, within=1)
    assert rec.error_code == "FormationViolation"


async def test_expect_call_error_rejects_a_callresult_and_a_wrong_code(link: Link, charger: RawCharger) -> None:
    sent = await link.peer.send_raw(json.dumps([2, "bad-2", "ClearCache", {"x": 1}]))
    await charger.recv()
    await charger.send([3, "bad-2", {"status": "Accepted"}])
    with pytest.raises(UnexpectedCallError, match="answered with a CALLRESULT"):
        await link.peer.expect_call_error("FormationViolation", to=sent, within=1)
    sent = await link.peer.send_raw(json.dumps([2, "bad-3", "ClearCache", {"x": 1}]))
    await charger.recv()
    await charger.send([4, "bad-3", "InternalError", "", {}])
    with pytest.raises(UnexpectedCallError, match="got CALLERROR InternalError"):
        await link.peer.expect_call_error("FormationViolation", to=sent, within=1)


async def test_expect_call_error_times_out_as_no_response(link: Link, charger: RawCharger) -> None:
    sent = await link.peer.send_raw(json.dumps([2, "bad-4", "ClearCache", {"x": 1}]))
    with pytest.raises(NoResponse, match="nothing answered"):
        await link.peer.expect_call_error("FormationViolation", to=sent, within=0.3)


async def test_expect_call_error_gives_up_when_the_connection_closes(link: Link, charger: RawCharger) -> None:
    sent = await link.peer.send_raw(json.dumps([2, "bad-5", "ClearCache", {"x": 1}]))
    await charger.recv()
    charger.ws.transport.abort()
    # The answer can only come on the closed connection: the wait ends with the close, naming it.
    with pytest.raises(NoResponse, match=r"the connection was closed by network \(code 1006\) before it answered"):
        await link.peer.expect_call_error("FormationViolation", to=sent, within=5)


# ---------------------------------------------------------------------------------------------
# answering the IUT: default responders and overrides
# ---------------------------------------------------------------------------------------------
async def test_default_responders_answer(link: Link, charger: RawCharger) -> None:
    uid = await charger.call("BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"})
    reply = await charger.recv()
    assert reply[:2] == [3, uid] and reply[2]["status"] == "Accepted" and reply[2]["interval"] > 0
    uid = await charger.call("Heartbeat", {})
    reply = await charger.recv()
    assert reply[:2] == [3, uid] and "currentTime" in reply[2]
    uid = await charger.call("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"})
    assert await charger.recv() == [3, uid, {}]
    assert link.responder.boot_accepted and link.responder.statuses == {1: "Available"}


async def test_malformed_calls_are_answered_with_callerrors(link: Link, charger: RawCharger) -> None:
    uid = await charger.call("Heartbeat", {"unexpected": True})  # schema: no additional properties
    reply = await charger.recv()
    assert reply[:3] == [4, uid, "FormationViolation"]
    uid = await charger.call("NoSuchAction", {})
    reply = await charger.recv()
    assert reply[:3] == [4, uid, "NotImplemented"]


async def test_respond_overrides_for_a_scope_only(link: Link, charger: RawCharger) -> None:
    with link.peer.respond("Heartbeat", {"currentTime": "2020-01-01T00:00:00.000Z"}):
        await charger.call("Heartbeat", {})
        assert (await charger.recv())[2] == {"currentTime": "2020-01-01T00:00:00.000Z"}
    await charger.call("Heartbeat", {})
    assert (await charger.recv())[2]["currentTime"] != "2020-01-01T00:00:00.000Z"


async def test_respond_times_once_then_the_default(link: Link, charger: RawCharger) -> None:
    link.peer.respond("Authorize", lambda p: {"idTagInfo": {"status": "Blocked"}}, times=1)
    await charger.call("Authorize", {"idTag": "CONFVALID01"})
    assert (await charger.recv())[2] == {"idTagInfo": {"status": "Blocked"}}
    await charger.call("Authorize", {"idTag": "CONFVALID01"})
    assert (await charger.recv())[2]["idTagInfo"]["status"] == "Accepted"


async def test_respond_with_a_callerror(link: Link, charger: RawCharger) -> None:
    link.peer.respond("DataTransfer", CallErrorReply("NotSupported", "not here"))
    uid = await charger.call("DataTransfer", {"vendorId": "acme"})
    assert await charger.recv() == [4, uid, "NotSupported", "not here", {}]


async def test_respond_silent_never_answers(link: Link, charger: RawCharger) -> None:
    link.peer.respond("Heartbeat", SILENT, times=1)
    await charger.call("Heartbeat", {})
    with pytest.raises(TimeoutError):
        await charger.recv(within=0.3)
    uid = await charger.call("Heartbeat", {})  # the override was used up: answered again
    assert (await charger.recv())[:2] == [3, uid]


async def test_reset_overrides_restores_the_defaults(link: Link, charger: RawCharger) -> None:
    link.peer.respond("Heartbeat", SILENT)
    link.peer.reset_overrides()
    uid = await charger.call("Heartbeat", {})
    assert (await charger.recv())[:2] == [3, uid]


# ---------------------------------------------------------------------------------------------
# deliberate frames, bounded sends
# ---------------------------------------------------------------------------------------------
async def test_send_raw_frames_are_never_judged(link: Link, charger: RawCharger) -> None:
    garbage = await link.peer.send_raw("this is not JSON")
    unknown = await link.peer.send_raw(json.dumps([2, "raw-1", "NoSuchAction", {}]))
    binary = await link.peer.send_raw(b"\x00\x01")
    for rec in (garbage, unknown, binary):
        assert rec.deliberate and not rec.from_iut and rec.violations == [], rec.describe()
    assert garbage.parse_error  # read and described, only not held against anyone
    for _ in range(3):
        await charger.recv_raw()
    # The IUT's CALLERROR to the deliberate CALL answers an outstanding frame: no correlation violation.
    await charger.send([4, "raw-1", "NotImplemented", "", {}])
    answer = await link.peer.expect_call_error("NotImplemented", to=unknown, within=1)
    assert answer.violations == []
    assert not [v for v in link.wire.violations() if not v.by_iut], "the suite was blamed for its deliberate frames"


async def test_iut_frames_are_judged(link: Link, charger: RawCharger) -> None:
    await charger.send("not JSON")
    await charger.send(b"\x00binary")
    with pytest.raises(ExpectationFailed):  # bounded wait so both frames are recorded
        await link.peer.expect("Heartbeat", within=0.3)
    rules = [v.rule_id for r in _frames(link, from_iut=True) for v in r.violations]
    assert "RPC-001" in rules and "WS-010" in rules


async def test_a_send_to_an_iut_that_stops_reading_is_bounded(link: Link, charger: RawCharger) -> None:
    charger.ws.transport.pause_reading()  # the charger hangs: socket buffers fill up
    chunk = json.dumps([2, "big", "DataTransfer", {"vendorId": "x", "data": "A" * 2**20}])
    async with asyncio.timeout(60):  # a backstop for this test only: an unbounded send would hang here
        for _ in range(128):  # at most 128 MB queued; the kernel buffers hold far less
            await link.peer.send_raw(chunk)  # each send waits at most the response timeout
            if any(r.event == "note" and "stalled" in r.data for r in link.wire.records):
                break
    stalls = [r for r in link.wire.records if r.event == "note" and "stalled" in r.data]
    assert stalls, "the IUT never stopped the suite's writes; the test did not exercise flow control"
    assert "did not read" in stalls[0].data["stalled"]
