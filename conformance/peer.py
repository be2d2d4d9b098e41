"""The suite's side of the link with one IUT, the same class in both roles.

A `Peer` outlives WebSocket connections: when a charger reboots and reconnects, the case keeps talking to the
same `charge_point` object. Every frame passes through `_record`, where the judge parses and judges it before
anything else sees it; expectations then read the wire log, so a frame that arrived before `expect()` was called
is still found.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, is_dataclass
from typing import Any, Callable, Iterable

from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case

from conformance import steps
from conformance.errors import ExpectationFailed, NoResponse, UnexpectedCallError
from conformance.protocol import protocol
from conformance.wire import Kind, MessageType, Record, Role, Violation, Wire, now_wall

# Payload values in expectations may be plain values, nested dicts (matched as subsets) or predicates.
Predicate = Callable[[Any], bool]


class CallErrorReply:
    """A reply override that answers with a CALLERROR."""

    def __init__(self, code: str, description: str = "", details: dict | None = None) -> None:
        self.code, self.description, self.details = code, description, details or {}


class _Silent:
    def __repr__(self) -> str:
        return "SILENT"


SILENT = _Silent()  # a reply override that never answers

Reply_ = dict | Callable[[dict], Any] | CallErrorReply | _Silent


class Result:
    """A CALLRESULT payload with attribute access in snake_case or camelCase (``conf.status``, ``conf.id_tag_info``)."""

    def __init__(self, action: str, payload: Any, record: Record | None) -> None:
        self.action = action
        self.payload = payload
        self.record = record

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        payload = self.__dict__.get("payload")
        if isinstance(payload, dict):
            for key in (name, _camel(name)):
                if key in payload:
                    return _wrap(self.action, payload[key])
        raise ExpectationFailed(
            f"{self.action}.conf has no field '{_camel(name)}'",
            f"  actual payload: {json.dumps(payload)[:500]}",
            category="schema",
        )

    def get(self, name: str, default: Any = None) -> Any:
        if isinstance(self.payload, dict):
            for key in (name, _camel(name)):
                if key in self.payload:
                    return _wrap(self.action, self.payload[key])
        return default

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]

    def __repr__(self) -> str:
        return f"Result({self.action}, {self.payload!r})"


def _wrap(action: str, value: Any) -> Any:
    return Result(action, value, None) if isinstance(value, dict) else value


def _camel(name: str) -> str:
    if "_" not in name:
        return name
    return snake_to_camel_case({name: None}).popitem()[0]


def to_action_payload(message: Any, payload: dict | None = None) -> tuple[str, dict]:
    """Accept an `ocpp` request dataclass (``call.Reset(type="Hard")``) or an action name plus camelCase payload."""
    if isinstance(message, str):
        return message, dict(payload or {})
    if is_dataclass(message):
        body = remove_nones(snake_to_camel_case(serialize_as_dict(message)))
        return type(message).__name__, body
    raise TypeError(f"cannot send {message!r}: give an ocpp call dataclass or an action name")


def matches(value: Any, expected: Any) -> bool:
    if callable(expected) and not isinstance(expected, type):
        try:
            return bool(expected(value))
        except Exception:
            return False
    if isinstance(expected, dict):
        return isinstance(value, dict) and all(k in value and matches(value[k], v) for k, v in expected.items())
    if isinstance(expected, (set, frozenset)):
        return value in expected
    return value == expected


def mismatches(payload: Any, subset: dict) -> list[str]:
    """Human-readable differences between a payload and an expected subset."""
    out = []
    if not isinstance(payload, dict):
        return [f"payload is {type(payload).__name__}, not an object"]
    for key, want in subset.items():
        if key not in payload:
            out.append(f"{key} missing (expected {_show(want)})")
        elif not matches(payload[key], want):
            out.append(f"{key}={payload[key]!r} (expected {_show(want)})")
    return out


def _show(want: Any) -> str:
    if callable(want) and not isinstance(want, type):
        return getattr(want, "__doc__", None) or getattr(want, "__name__", "a predicate")
    if isinstance(want, (set, frozenset)):
        return " or ".join(sorted(map(repr, want)))
    return repr(want)


@dataclass
class _Override:
    action: str
    reply: Any
    times: int | None  # None = until removed
    peer: "Peer"

    def __enter__(self) -> "_Override":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    def remove(self) -> None:
        if self in self.peer._overrides:
            self.peer._overrides.remove(self)


class Peer:
    """The suite playing `role` towards one IUT (which plays the other role)."""

    def __init__(
        self,
        *,
        role: Role,
        version: str,
        identity: str,
        wire: Wire,
        judge: Any,
        responders: Any,
        response_timeout: float,
        expect_timeout: float,
        tolerance: float,
    ) -> None:
        self.role = role
        self.iut_role = role.other
        self.version = version
        self.protocol = protocol(version)
        self.identity = identity
        self.wire = wire
        self.judge = judge
        self.responders = responders
        self.response_timeout = response_timeout
        self.expect_timeout = expect_timeout
        self.tolerance = tolerance
        self._ws: Any = None
        self._connection_no: int | None = None
        self._reader: asyncio.Task | None = None
        self._pending: dict[str, asyncio.Future] = {}
        self._call_lock = asyncio.Lock()
        self._overrides: list[_Override] = []
        self._waiters: list[tuple[Callable[[Record], bool], asyncio.Future]] = []
        self._close_waiters: dict[asyncio.Future, int] = {}  # waits that end when their connection closes
        self._iut_close_waiters: dict[asyncio.Future, int] = {}  # waits that end when the IUT closes their connection
        self.silent_since: Record | None = None  # the first of the suite's CALLs the IUT left unanswered since its last answer
        self._consumed: set[int] = set()
        self._mark = 0
        self._connected = asyncio.Event()
        self._closed = asyncio.Event()
        self._closed.set()
        self._handler_tasks: set[asyncio.Task] = set()
        self.close_info: dict[str, Any] = {}

    # ------------------------------------------------------------------------------------------
    # connection management (called by the transport)
    # ------------------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._ws is not None

    @property
    def connection_no(self) -> int | None:
        return self._connection_no

    def attach(self, ws: Any, connection_no: int) -> asyncio.Task:
        """Take over a freshly opened WebSocket connection and start reading it."""
        self._ws = ws
        self._connection_no = connection_no
        self.judge.connection_reset()
        self._connected.set()
        self._closed.clear()
        self._reader = asyncio.get_running_loop().create_task(self._read(ws, connection_no))
        return self._reader

    async def _read(self, ws: Any, connection_no: int) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for message in ws:
                rec = self._record(message, from_iut=True, connection_no=connection_no)
                self._dispatch(rec)
        except ConnectionClosed:
            pass
        except asyncio.CancelledError:
            raise
        finally:
            if self._ws is ws:
                self._on_closed(ws, connection_no)

    def _on_closed(self, ws: Any, connection_no: int) -> None:
        info = close_info(ws)
        self.close_info = info
        rec = self.wire.event("close", connection=connection_no, **info)
        rec.violations.extend(self._dropped_frame_violations(info, rec.seq))
        self._ws = None
        self._connected.clear()
        self._closed.set()
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(ConnectionLost(info))
        self._pending.clear()
        for fut, number in list(self._close_waiters.items()):
            if number == connection_no and not fut.done():
                fut.set_result(None)
        if info.get("by") != "suite":
            for fut, number in list(self._iut_close_waiters.items()):
                if number == connection_no and not fut.done():
                    fut.set_result(None)

    def _dropped_frame_violations(self, info: dict[str, Any], seq: int) -> list[Violation]:
        """A text frame that is not UTF-8 never reaches the recorder: the WebSocket layer closes the connection with
        1007 first. That close is the only evidence, so it carries the violation."""
        if info.get("by") != "suite" or info.get("code") != 1007:
            return []
        from conformance.rules.catalogue import RULES

        rule = RULES.get("WS-010")
        if rule is None or rule.id in getattr(self.judge, "waived", ()):
            return []
        message = (f"text frame that is not valid UTF-8 ({info.get('reason') or 'invalid data'}): the WebSocket "
                   "layer closed the connection with 1007 before the frame could be recorded")
        return [Violation(rule.id, rule.level, message, seq, True, rule.spec)]

    async def wait_connected(self, within: float) -> None:
        try:
            await asyncio.wait_for(self._connected.wait(), within)
        except TimeoutError:
            raise ExpectationFailed(
                f"the IUT ({self.identity}) did not (re)connect within {within:g} s",
                self.last_frames(),
                category="no-response",
            ) from None

    async def expect_close(self, within: float | None = None, requirement: str = "") -> dict[str, Any]:
        """Wait until the connection is closed (by either side, or lost); returns the close info."""
        within = within if within is not None else self.expect_timeout
        try:
            await asyncio.wait_for(self._closed.wait(), within)
        except TimeoutError:
            raise ExpectationFailed(
                f"expected the connection to be closed within {within:g} s, it stayed open",
                (f"  requirement: {requirement}\n" if requirement else "") + self.last_frames(),
            ) from None
        return self.close_info

    async def close(self, code: int = 1000, reason: str = "") -> None:
        ws = self._ws
        if ws is not None:
            try:
                await asyncio.wait_for(ws.close(code, reason), 5)
            except (TimeoutError, Exception):
                ws.transport.abort() if getattr(ws, "transport", None) else None
        if self._reader is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._reader), 5)
            except (TimeoutError, Exception):
                pass

    # ------------------------------------------------------------------------------------------
    # recording
    # ------------------------------------------------------------------------------------------
    def _record(self, message: str | bytes, *, from_iut: bool, connection_no: int | None, deliberate: bool = False) -> Record:
        binary = isinstance(message, (bytes, bytearray, memoryview))
        raw = bytes(message) if binary else message
        rec = Record(
            seq=self.wire.next_seq(),
            kind=Kind.FRAME,
            t_mono=time.monotonic(),
            t_wall=now_wall(),
            segment=self.wire.segment,
            connection=connection_no,
            sender=self.iut_role if from_iut else self.role,
            from_iut=from_iut,
            deliberate=deliberate,
            opcode="binary" if binary else "text",
            raw=raw,
            size=len(raw),
        )
        try:
            self.judge.process(rec)
        except Exception as exc:  # the judge must never stop the wire; a crash is the suite's problem
            rec.parse_error = rec.parse_error or f"judge error: {exc!r}"
        self.wire.append(rec)
        self._notify_waiters(rec)
        return rec

    async def _send_text(self, text: str | bytes, *, deliberate: bool = False) -> Record:
        ws = self._ws
        if ws is None:
            raise ConnectionLost({"code": None, "reason": "not connected", "by": "none"})
        rec = self._record(text, from_iut=False, connection_no=self._connection_no, deliberate=deliberate)
        from websockets.exceptions import ConnectionClosed

        try:
            # The frame is queued at once; only flow control can wait (an IUT that stops reading). Bound that wait:
            # the frame stays queued, and whatever expects an answer to it has its own bound.
            await asyncio.wait_for(ws.send(text), self.response_timeout)
        except TimeoutError:
            self.wire.event("note", connection=rec.connection,
                            stalled=f"the IUT did not read #{rec.seq} within {self.response_timeout:g} s (still queued)")
        except ConnectionClosed as exc:
            raise ConnectionLost({"code": getattr(exc, "code", None), "reason": str(exc), "by": "iut"}) from None
        return rec

    # ------------------------------------------------------------------------------------------
    # answering the IUT's CALLs
    # ------------------------------------------------------------------------------------------
    def _dispatch(self, rec: Record) -> None:
        if rec.message_type == MessageType.CALL and rec.unique_id is not None:
            task = asyncio.get_running_loop().create_task(self._answer(rec))
            self._handler_tasks.add(task)
            task.add_done_callback(self._handler_tasks.discard)
        elif rec.message_type in (MessageType.CALLRESULT, MessageType.CALLERROR) and rec.unique_id in self._pending:
            fut = self._pending.pop(rec.unique_id)
            self.silent_since = None  # an answer in time: the IUT is listening
            if not fut.done():
                fut.set_result(rec)

    def respond(self, action: str, reply: Reply_, *, times: int | None = None) -> _Override:
        """Answer the IUT's `action` CALLs with `reply` for the rest of the case (or `times` times, or a `with` block).

        `reply` is a camelCase payload dict, a function of the request payload returning one, a `CallErrorReply`, or
        `SILENT` (never answer)."""
        override = _Override(action, reply, times, self)
        self._overrides.insert(0, override)
        return override

    def reset_overrides(self) -> None:
        self._overrides.clear()

    def _override_for(self, action: str) -> _Override | None:
        for override in self._overrides:
            if override.action == action:
                if override.times is not None:
                    override.times -= 1
                    if override.times <= 0:
                        override.remove()
                return override
        return None

    async def _answer(self, rec: Record) -> None:
        uid = rec.unique_id
        try:
            if rec.parse_error or rec.action is None:
                reply: Any = CallErrorReply(self.protocol.format_violation_code, rec.parse_error or "malformed CALL")
            elif any(v.rule_id.startswith("SCH") and v.level == "MUST" for v in rec.violations):
                reply = CallErrorReply(self.protocol.format_violation_code, "payload does not conform to the schema")
            else:
                override = self._override_for(rec.action)
                if override is not None:
                    reply = override.reply
                    if callable(reply) and not isinstance(reply, (CallErrorReply, _Silent)):
                        reply = reply(rec.payload)
                        if asyncio.iscoroutine(reply):
                            reply = await reply
                else:
                    reply = await self.responders.answer(rec.action, rec.payload, rec)
            if reply is SILENT:
                if self.judge is not None and uid is not None:
                    self.judge.left_unanswered(self.iut_role, uid)
                return
            if isinstance(reply, CallErrorReply):
                frame = [4, uid, reply.code, reply.description, reply.details]
            else:
                frame = [3, uid, reply if reply is not None else {}]
            await self._send_text(json.dumps(frame, separators=(",", ":")))
            observe = getattr(self.responders, "replied", None)
            if observe is not None and rec.action:
                observe(rec.action, rec.payload, reply)  # overrides count too, e.g. a Pending boot
        except ConnectionLost:
            pass
        except Exception as exc:  # a responder bug must not kill the link; record it as a suite problem
            self.wire.event("note", connection=self._connection_no, suite_error=f"responder for {rec.action} failed: {exc!r}")
            try:
                await self._send_text(json.dumps([4, uid, "InternalError", "suite responder error", {}]))
            except Exception:
                pass

    # ------------------------------------------------------------------------------------------
    # sending CALLs to the IUT
    # ------------------------------------------------------------------------------------------
    async def call(
        self,
        message: Any,
        payload: dict | None = None,
        *,
        within: float | None = None,
        error_ok: bool = False,
        requirement: str = "",
    ) -> Result:
        """Send a CALL and return its CALLRESULT payload.

        Raises `NoResponse` when the IUT does not answer within the response timeout, and `UnexpectedCallError` on a
        CALLERROR (unless `error_ok`, then the result has ``.error_code``)."""
        action, body = to_action_payload(message, payload)
        within = within if within is not None else self.response_timeout
        with steps.step(steps.call_title(action, body)):
            return await self._call(action, body, within, error_ok, requirement)

    async def _call(self, action: str, body: dict, within: float, error_ok: bool, requirement: str) -> Result:
        async with self._call_lock:
            unique_id = str(uuid.uuid4())
            fut: asyncio.Future = asyncio.get_running_loop().create_future()
            self._pending[unique_id] = fut
            text = json.dumps([2, unique_id, action, body], separators=(",", ":"), ensure_ascii=False)
            try:
                sent = await self._send_text(text)
            except ConnectionLost as exc:
                self._pending.pop(unique_id, None)
                raise NoResponse(
                    f"could not send {action}: the IUT is not connected ({exc.info.get('reason') or 'closed'})",
                    self.last_frames(),
                ) from None
            try:
                reply: Record = await asyncio.wait_for(fut, within)
            except TimeoutError:
                self._pending.pop(unique_id, None)
                self.silent_since = self.silent_since or sent
                raise NoResponse(
                    f"no answer to {action} (#{sent.seq}) within {within:g} s",
                    _req(requirement) + self.last_frames(),
                ) from None
            except ConnectionLost as exc:
                raise NoResponse(
                    f"connection closed by {exc.info.get('by')} (code {exc.info.get('code')}{_reason(exc.info)}) before "
                    f"{action} (#{sent.seq}) was answered",
                    _req(requirement) + self.last_frames(),
                ) from None
        steps.note(steps.frame_title(reply))
        if reply.message_type == MessageType.CALLERROR:
            if error_ok:
                result = Result(action, reply.payload, reply)
                result.__dict__["error_code"] = reply.error_code
                return result
            raise UnexpectedCallError(
                f"{action} (#{sent.seq}) was answered with CALLERROR {reply.error_code}",
                _req(requirement) + f"  actual: {reply.text(500)}\n" + self.last_frames(),
            )
        result = Result(action, reply.payload, reply)
        result.__dict__["error_code"] = None
        return result

    async def probe(self, action: str, payload: dict, within: float) -> Record | None:
        """Ask an IUT that went silent whether it answers at all: a CALL never judged against it (its silence was
        judged in the case that met it). Returns the answer, or None when none came within `within`."""
        async with self._call_lock:
            unique_id = str(uuid.uuid4())
            fut: asyncio.Future = asyncio.get_running_loop().create_future()
            self._pending[unique_id] = fut
            try:
                await self._send_text(json.dumps([2, unique_id, action, payload], separators=(",", ":")), deliberate=True)
                return await asyncio.wait_for(fut, within)
            except (ConnectionLost, TimeoutError):
                return None
            finally:
                self._pending.pop(unique_id, None)

    async def send_raw(self, text: str | bytes) -> Record:
        """Send a frame exactly as given (a deliberate protocol violation); it is never judged against anyone."""
        shown = text if isinstance(text, str) else f"<{len(text)} bytes>"
        with steps.step(f"→ raw frame {shown[:160]}"):
            return await self._send_text(text, deliberate=True)

    # ------------------------------------------------------------------------------------------
    # expectations on frames from the IUT
    # ------------------------------------------------------------------------------------------
    def mark_now(self) -> int:
        """Only frames after this point are candidates for later expectations."""
        self._mark = self.wire.last_seq
        return self._mark

    def _eligible(self, rec: Record, after: int) -> bool:
        return (
            rec.kind is Kind.FRAME
            and rec.from_iut
            and rec.seq > after
            and rec.seq not in self._consumed
            and rec.connection is not None
            and self._is_mine(rec)
        )

    def _is_mine(self, rec: Record) -> bool:
        return rec.sender == self.iut_role

    async def _wait_for(self, predicate: Callable[[Record], bool], after: int, within: float, *,
                        connection: int | None = None, until_iut_closes: int | None = None) -> Record | None:
        """The first eligible record matching `predicate`, or None after `within` seconds (or, with `connection`,
        as soon as that connection is closed: an answer can only come on the connection its CALL went out on; with
        `until_iut_closes`, as soon as the IUT closes that connection)."""
        for rec in self.wire.after(after):
            if self._eligible(rec, after) and predicate(rec):
                return rec
        if connection is not None and (self._ws is None or self._connection_no != connection):
            return None
        fut: asyncio.Future = asyncio.get_running_loop().create_future()

        def check(rec: Record) -> bool:
            return self._eligible(rec, after) and predicate(rec)

        entry = (check, fut)
        self._waiters.append(entry)
        if connection is not None:
            self._close_waiters[fut] = connection
        if until_iut_closes is not None:
            self._iut_close_waiters[fut] = until_iut_closes
        try:
            return await asyncio.wait_for(fut, within)
        except TimeoutError:
            return None
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)
            self._close_waiters.pop(fut, None)
            self._iut_close_waiters.pop(fut, None)

    def _notify_waiters(self, rec: Record | None) -> None:
        if rec is None:
            return
        for check, fut in list(self._waiters):
            if not fut.done() and check(rec):
                fut.set_result(rec)

    async def expect(
        self,
        action: str,
        within: float | None = None,
        *,
        after: Record | int | None = None,
        requirement: str = "",
        **subset: Any,
    ) -> Record:
        """Wait for a CALL `action` from the IUT whose payload contains `subset` (camelCase keys).

        Frames that arrived since the case started (or since `after`) count, so there is no race with the stimulus.
        Unrelated frames are tolerated. On timeout the failure names what was expected and the nearest candidates."""
        within = within if within is not None else self.expect_timeout
        start = self._start(after)

        def predicate(rec: Record) -> bool:
            return rec.message_type == MessageType.CALL and rec.action == action and matches(rec.payload, subset)

        began = time.monotonic()
        # A CSMS does not come back to a charge point by itself: once it closed the connection, nothing more can come.
        watched = self._connection_no if self.iut_role is Role.CSMS and self.connected else None
        with steps.step(f"expect {_describe(action, subset)} within {within:g} s"):
            rec = await self._wait_for(predicate, start, within, until_iut_closes=watched)
            if rec is not None:
                steps.note(steps.frame_title(rec))
        if rec is None:
            raise ExpectationFailed(
                f"expected {_describe(action, subset)} from the IUT within {within:g} s; " + self._why_absent(watched),
                _req(requirement) + self._near_misses(action, subset, start) + self.last_frames(),
            )
        self._consumed.add(rec.seq)
        rec.data["waited_s"] = round(time.monotonic() - began, 3)
        return rec

    async def expect_no(
        self,
        action: str,
        during: float,
        *,
        after: Record | int | None = None,
        requirement: str = "",
        **subset: Any,
    ) -> None:
        """Fail if the IUT sends a CALL `action` matching `subset` within the next `during` seconds."""
        start = self._start(after)

        def predicate(rec: Record) -> bool:
            return rec.message_type == MessageType.CALL and rec.action == action and matches(rec.payload, subset)

        with steps.step(f"expect no {_describe(action, subset)} during {during:g} s"):
            rec = await self._wait_for(predicate, start, during)
        if rec is not None:
            raise ExpectationFailed(
                f"the IUT sent {_describe(action, subset)} (#{rec.seq}) although it must not",
                _req(requirement) + f"  actual: {rec.text(500)}\n" + self.last_frames(),
            )

    async def expect_call_error(
        self,
        code: str | Iterable[str] | None = None,
        within: float | None = None,
        *,
        to: Record | str | None = None,
        after: Record | int | None = None,
        requirement: str = "",
    ) -> Record:
        """Wait for a CALLERROR from the IUT (answering `to`, if given) with one of the codes `code`."""
        within = within if within is not None else self.response_timeout
        codes = {code} if isinstance(code, str) else (set(code) if code is not None else None)
        uid = to.unique_id if isinstance(to, Record) else to
        start = self._start(after if after is not None else (to if isinstance(to, Record) else None))

        def answers(rec: Record) -> bool:
            return rec.message_type in (MessageType.CALLERROR, MessageType.CALLRESULT) and (
                uid is None or rec.unique_id in (uid, "-1")
            )

        connection = to.connection if isinstance(to, Record) else None
        rec = await self._wait_for(answers, start, within, connection=connection)
        wanted = f"CALLERROR{' ' + ' or '.join(sorted(codes)) if codes else ''}"
        if rec is None:
            if connection is not None and (not self.connected or self._connection_no != connection):
                info = self.close_info
                raise NoResponse(
                    f"expected {wanted} from the IUT; the connection was closed by {info.get('by', 'network')} "
                    f"(code {info.get('code')}{_reason(info)}) before it answered #{to.seq}",
                    _req(requirement) + self.last_frames(),
                )
            raise NoResponse(f"expected {wanted} from the IUT within {within:g} s; nothing answered", _req(requirement) + self.last_frames())
        self._consumed.add(rec.seq)
        if rec.message_type != MessageType.CALLERROR:
            raise UnexpectedCallError(
                f"expected {wanted}, the IUT answered with a CALLRESULT (#{rec.seq})",
                _req(requirement) + f"  actual: {rec.text(500)}\n" + self.last_frames(),
                category="behaviour",
            )
        if codes is not None and rec.error_code not in codes:
            raise UnexpectedCallError(
                f"expected {wanted}, got CALLERROR {rec.error_code} (#{rec.seq})",
                _req(requirement) + f"  actual: {rec.text(500)}\n" + self.last_frames(),
                category="behaviour",
            )
        return rec

    def _start(self, after: Record | int | None) -> int:
        if after is None:
            return self._mark
        return after.seq if isinstance(after, Record) else int(after)

    def frames(self, action: str | None = None, *, after: Record | int | None = None) -> list[Record]:
        """CALLs from the IUT since the case started (or `after`), optionally of one action."""
        start = self._start(after)
        return [
            r for r in self.wire.after(start)
            if r.kind is Kind.FRAME and r.from_iut and r.message_type == MessageType.CALL and self._is_mine(r)
            and (action is None or r.action == action)
        ]

    def _near_misses(self, action: str, subset: dict, start: int) -> str:
        lines = []
        for rec in self.wire.after(start):
            if rec.kind is Kind.FRAME and rec.from_iut and self._is_mine(rec) and rec.action == action and rec.is_call:
                why = "; ".join(mismatches(rec.payload, subset)) or "already matched by an earlier expectation"
                lines.append(f"    #{rec.seq} {action}: {why}")
        if not lines:
            return f"  nearest candidates: no {action} from the IUT since #{start}\n"
        return "  nearest candidates:\n" + "\n".join(lines[-5:]) + "\n"

    def _why_absent(self, watched: int | None) -> str:
        """How an expected frame failed to come: the IUT closed the connection (and did not come back), or it did
        not send it."""
        info = self.close_info
        if not self.connected and info:
            closed = f"the connection was closed by {info.get('by', 'the network')} (code {info.get('code')}{_reason(info)})"
            return closed + (" before it came" if watched is not None else " and the IUT has not reconnected")
        return "it did not arrive"

    def last_frames(self, n: int = 12) -> str:
        """The case's last frames and events (only its own: an earlier case's frames are that case's evidence)."""
        segment = self.wire.segment
        tail = self.wire.records[-4 * n:]
        recent = [r for r in tail if segment is None or r.segment == segment][-n:]
        return "  last frames:\n" + "\n".join("    " + r.describe() for r in recent) + "\n"

    async def drain(self) -> None:
        """Let in-flight answers to the IUT's CALLs finish (bounded), e.g. before the case ends."""
        if self._handler_tasks:
            await asyncio.wait(list(self._handler_tasks), timeout=2)

    def track(self, task: asyncio.Task) -> None:
        """Count `task` (e.g. what a responder does after its answer) as in-flight work that `drain` waits for."""
        self._handler_tasks.add(task)
        task.add_done_callback(self._handler_tasks.discard)


class ConnectionLost(Exception):
    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        super().__init__(f"connection lost: {info}")


def close_info(ws: Any) -> dict[str, Any]:
    """Close code, reason and which side started the closing handshake ("network" if nobody did)."""
    proto = getattr(ws, "protocol", None)
    rcvd, sent = getattr(proto, "close_rcvd", None), getattr(proto, "close_sent", None)
    if rcvd is None and sent is None:
        return {"code": 1006, "reason": "", "by": "network"}
    if rcvd is not None and (sent is None or getattr(proto, "close_rcvd_then_sent", False)):
        return {"code": rcvd.code, "reason": rcvd.reason, "by": "iut"}
    return {"code": sent.code, "reason": sent.reason, "by": "suite"}


def _describe(action: str, subset: dict) -> str:
    if not subset:
        return action
    return f"{action}(" + ", ".join(f"{k}={_show(v)}" for k, v in subset.items()) + ")"


def _reason(info: dict[str, Any]) -> str:
    reason = " ".join(str(info.get("reason") or "").split())
    return f": {reason[:80]}" if reason else ""


def _req(requirement: str) -> str:
    return f"  requirement: {requirement}\n" if requirement else ""
