"""OCPP-J 2.0.1 RPC core of the 2.0.1 reference simulators (OCPP 2.0.1 Part 4).

Written for what a conformance reference must do on the wire, on top of the suite's own schema set:

* a CALLERROR carries one of Part 4 §4.3 Table 8's codes, spelt the 2.0.1 way: a payload that breaks the schema is
  answered TypeConstraintViolation, OccurrenceConstraintViolation, PropertyConstraintViolation or FormatViolation,
  with `date-time` formats checked;
* an unknown action is NotImplemented, a known action the receiver does not handle NotSupported;
* a frame that is no RPC message at all (not JSON, no array, no readable MessageId) is answered RpcFrameworkError
  with MessageId "-1", a message of an unknown MessageTypeId MessageTypeNotSupported, a MessageId longer than 36
  characters (§4.1.4) RpcFrameworkError;
* a CALLRESULT or CALLERROR with an unknown MessageId is logged and ignored;
* one outstanding CALL per side (a lock) with a response timeout, and incoming CALLs handled by a worker so a slow
  handler never blocks the reading of responses.

Handlers are methods `on_<Action>(self, payload, unique_id)` returning the response payload (a camelCase dict, or
`Raw` for a payload sent unchecked); raising `RpcError` answers with that CALLERROR. `after_<Action>(self, payload,
unique_id)` runs once a CALLRESULT to that action is on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Iterable

from websockets.exceptions import ConnectionClosed

from conformance.protocol import OCPP201
from conformance.schemas import SchemaSet

LOGGER = logging.getLogger("conformance.ocpp201.simulators")

ACTIONS = frozenset(OCPP201.initiators)
MAX_MESSAGE_ID_LENGTH = 36  # Part 4 §4.1.4

# Part 4 §4.3 Table 8, as 2.0.1 spells them.
FORMAT_VIOLATION = "FormatViolation"
GENERIC_ERROR = "GenericError"
INTERNAL_ERROR = "InternalError"
MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"
NOT_IMPLEMENTED = "NotImplemented"
NOT_SUPPORTED = "NotSupported"
OCCURRENCE_CONSTRAINT_VIOLATION = "OccurrenceConstraintViolation"
PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
PROTOCOL_ERROR = "ProtocolError"
RPC_FRAMEWORK_ERROR = "RpcFrameworkError"
SECURITY_ERROR = "SecurityError"
TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"

# Schema keyword that failed -> the CALLERROR code of Table 8.
_KEYWORD_TO_CODE = {
    "type": TYPE_CONSTRAINT_VIOLATION,
    "required": OCCURRENCE_CONSTRAINT_VIOLATION,
    "minItems": OCCURRENCE_CONSTRAINT_VIOLATION,
    "maxItems": OCCURRENCE_CONSTRAINT_VIOLATION,
    "additionalProperties": FORMAT_VIOLATION,
    "enum": PROPERTY_CONSTRAINT_VIOLATION,
    "maxLength": PROPERTY_CONSTRAINT_VIOLATION,
    "minLength": PROPERTY_CONSTRAINT_VIOLATION,
    "format": PROPERTY_CONSTRAINT_VIOLATION,
    "multipleOf": PROPERTY_CONSTRAINT_VIOLATION,
    "minimum": PROPERTY_CONSTRAINT_VIOLATION,
    "maximum": PROPERTY_CONSTRAINT_VIOLATION,
    "pattern": PROPERTY_CONSTRAINT_VIOLATION,
}

SCHEMAS = SchemaSet.for_version(OCPP201.version)


class CallError(Exception):
    """The peer answered our CALL with a CALLERROR."""

    def __init__(self, code: str, description: str = "", details: Any = None, action: str = "") -> None:
        super().__init__(f"{action or 'CALL'} answered with CALLERROR {code}: {description}".strip())
        self.code = code
        self.description = description
        self.details = details if details is not None else {}
        self.action = action


class CallTimeout(asyncio.TimeoutError):
    """No response to our CALL within the response timeout."""


class RpcError(Exception):
    """Raise from a handler to answer with a specific CALLERROR."""

    def __init__(self, code: str, description: str = "", details: dict | None = None) -> None:
        super().__init__(description or code)
        self.code = code
        self.description = description
        self.details = details or {}


@dataclass(frozen=True)
class Raw:
    """A reply payload sent exactly as given, without checking it: used by faults."""

    payload: dict


@dataclass(frozen=True)
class SchemaProblem:
    code: str
    message: str


def check_payload(action: str, payload: Any, *, response: bool = False) -> SchemaProblem | None:
    """The first schema problem of a 2.0.1 payload with its CALLERROR code, or None when it is valid."""
    if not SCHEMAS.has_action(action):
        return SchemaProblem(NOT_IMPLEMENTED, f"no 2.0.1 schema for {action}")
    if not isinstance(payload, dict):
        return SchemaProblem(FORMAT_VIOLATION, "payload is not a JSON object")
    errors = SCHEMAS.errors(action, response, payload)
    if not errors:
        return None
    first = errors[0]
    return SchemaProblem(_KEYWORD_TO_CODE.get(first.keyword, FORMAT_VIOLATION), str(first))


def parse_frame(text: str) -> Any:
    """Strict JSON (RFC 8259: no NaN/Infinity)."""
    def reject(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    return json.loads(text, parse_constant=reject)


def dumps(message: Any) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def callerror_frame(unique_id: str, code: str, description: str = "", details: dict | None = None) -> str:
    return dumps([4, unique_id, code, description[:255], details or {}])


def fail(future: asyncio.Future, exc: BaseException) -> None:
    """Fail a future nobody may wait on any more (without an 'exception never retrieved' log)."""
    if not future.done():
        future.set_exception(exc)
        future.exception()


def endpoint_settings(owner: Any) -> dict[str, Any]:
    """An endpoint's settings taken from the simulator that owns it."""
    return {"response_timeout": owner.response_timeout, "faults": owner.faults,
            "late_reply_delay": owner.late_reply_delay, "logger": owner.logger}


class RpcEndpoint:
    """One side of an OCPP-J 2.0.1 connection."""

    def __init__(self, identity: str, connection: Any, *, response_timeout: float = 30, faults: Iterable[str] = (),
                 late_reply_delay: float = 10.0, logger: logging.Logger = LOGGER) -> None:
        self.id = identity
        self._connection = connection
        self.response_timeout = response_timeout
        self.faults = frozenset(faults)
        self.late_reply_delay = late_reply_delay
        self.logger = logger
        self._call_lock = asyncio.Lock()
        self._pending: dict[str, tuple[str, asyncio.Future]] = {}
        self._incoming: asyncio.Queue = asyncio.Queue()
        self._in_progress: set[str] = set()
        self._tasks: set[asyncio.Task] = set()
        self.own_schema_errors: list[str] = []  # our own replies that broke the schema: must stay empty
        self.closed = asyncio.Event()

    @property
    def connection(self) -> Any:
        return self._connection

    # ------------------------------------------------------------------ running
    async def start(self) -> None:
        """Read frames until the connection closes (returns normally then)."""
        worker = asyncio.create_task(self._call_worker(), name=f"rpc201-worker-{self.id}")
        try:
            while True:
                try:
                    message = await self._connection.recv()
                except ConnectionClosed:
                    return
                await self.route_message(message)
        finally:
            self.closed.set()
            worker.cancel()
            for task in list(self._tasks):
                task.cancel()
            for _, future in list(self._pending.values()):
                fail(future, ConnectionError("connection closed while waiting for a response"))

    def _spawn(self, coro: Any) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def route_message(self, raw: Any) -> None:
        if isinstance(raw, bytes):
            await self._garbage(raw, "binary frame: OCPP-J messages are text frames")
            return
        try:
            msg = parse_frame(raw)
        except ValueError as exc:
            await self._garbage(raw, f"not valid JSON: {exc}")
            return
        if not isinstance(msg, list) or not msg:
            await self._garbage(raw, "not a JSON array with a MessageTypeId")
            return
        type_id = msg[0]
        unique_id = msg[1] if len(msg) > 1 and isinstance(msg[1], str) else None
        if type(type_id) is not int or type_id not in (2, 3, 4):
            # Part 4 §4.1.3: a message of an unknown type is answered MessageTypeNotSupported.
            await self._send(callerror_frame(unique_id or "-1", MESSAGE_TYPE_NOT_SUPPORTED,
                                             f"MessageTypeId {type_id!r} is not supported"))
            return
        if unique_id is None:
            if type_id == 2:
                await self._garbage(raw, "MessageId missing or not a string")
            else:
                self.logger.warning("%s: ignoring a response without a readable MessageId: %s", self.id, raw)
            return
        if type_id == 2:
            await self._route_call(msg, unique_id)
        else:
            self._route_response(msg, unique_id, raw)

    async def _garbage(self, raw: Any, why: str) -> None:
        self.logger.warning("%s: unreadable frame (%s): %r", self.id, why, raw if len(raw) < 300 else raw[:300])
        if "silent-on-garbage" in self.faults:
            return
        await self._send(callerror_frame("-1", RPC_FRAMEWORK_ERROR, why))

    async def _route_call(self, msg: list, unique_id: str) -> None:
        if len(msg) != 4:
            await self._send(callerror_frame(unique_id, RPC_FRAMEWORK_ERROR, f"CALL has {len(msg)} elements, expected 4"))
            return
        _, _, action, payload = msg
        if not isinstance(action, str):
            await self._send(callerror_frame(unique_id, RPC_FRAMEWORK_ERROR, "the Action must be a string"))
            return
        if len(unique_id) > MAX_MESSAGE_ID_LENGTH:
            await self._send(callerror_frame(unique_id, RPC_FRAMEWORK_ERROR, "MessageId longer than 36 characters"))
            return
        if unique_id in self._in_progress:
            await self._send(callerror_frame(unique_id, RPC_FRAMEWORK_ERROR, "a CALL with this MessageId is being "
                                                                             "handled"))
            return
        self._in_progress.add(unique_id)
        self._incoming.put_nowait((unique_id, action, payload))

    def _route_response(self, msg: list, unique_id: str, raw: str) -> None:
        pending = self._pending.get(unique_id)
        if pending is None or pending[1].done():
            self.logger.warning("%s: ignoring a response with unknown MessageId %s: %s", self.id, unique_id, raw)
            return
        action, future = pending
        if msg[0] == 3:
            if len(msg) != 3 or not isinstance(msg[2], dict):
                future.set_exception(CallError(FORMAT_VIOLATION, "malformed CALLRESULT", {}, action))
            else:
                future.set_result(msg[2])
        else:
            code = msg[2] if len(msg) > 2 and isinstance(msg[2], str) else GENERIC_ERROR
            description = msg[3] if len(msg) > 3 and isinstance(msg[3], str) else ""
            details = msg[4] if len(msg) > 4 else {}
            future.set_exception(CallError(code, description, details, action))

    # ------------------------------------------------------------------ incoming CALLs
    async def _call_worker(self) -> None:
        while True:
            unique_id, action, payload = await self._incoming.get()
            try:
                reply = await self._dispatch(unique_id, action, payload)
                if reply is None or "no-reply" in self.faults:
                    continue
                if "late-reply" in self.faults:
                    await asyncio.sleep(self.late_reply_delay)
                if "wrong-message-id" in self.faults:  # the answer carries a MessageId nobody sent
                    reply = reply.replace(json.dumps(unique_id), json.dumps(unique_id + "-x"), 1)
                try:
                    await self._send(reply)
                except ConnectionClosed:
                    return
                after = getattr(self, f"after_{action}", None)
                if after is not None and reply.startswith("[3"):
                    self._spawn(self._run_after(after, action, payload, unique_id))
            finally:
                self._in_progress.discard(unique_id)

    async def _run_after(self, handler: Any, action: str, payload: dict, unique_id: str) -> None:
        try:
            result = handler(payload, unique_id)
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger.exception("%s: after-handler of %s failed", self.id, action)

    def unknown_action_code(self, action: str) -> str:
        known = action in ACTIONS
        if "wrong-callerror-code" in self.faults:
            return NOT_IMPLEMENTED if known else NOT_SUPPORTED
        return NOT_SUPPORTED if known else NOT_IMPLEMENTED

    def refusal(self, action: str) -> RpcError | None:
        """A CALLERROR this side answers `action` with before its handler runs (e.g. registration); None: none."""
        return None

    async def _dispatch(self, unique_id: str, action: str, payload: Any) -> str | None:
        """Run the handler of a CALL and return the reply frame (CALLRESULT or CALLERROR); None sends nothing."""
        handler = getattr(self, f"on_{action}", None)
        if handler is None:
            code = self.unknown_action_code(action)
            what = "not supported" if code == NOT_SUPPORTED else "not implemented"
            return callerror_frame(unique_id, code, f"{action} is {what} here")
        problem = check_payload(action, payload)
        if problem is not None:
            code = problem.code
            if "formationviolation-on-201" in self.faults:  # 1.6 answers a payload not of the schema so
                code = {FORMAT_VIOLATION: "FormationViolation", TYPE_CONSTRAINT_VIOLATION: "FormationViolation",
                        OCCURRENCE_CONSTRAINT_VIOLATION: "OccurenceConstraintViolation"}.get(code, code)
            return callerror_frame(unique_id, code, problem.message)
        if "custom-data-rejected" in self.faults and "customData" in json.dumps(payload):
            return callerror_frame(unique_id, FORMAT_VIOLATION, "customData is not understood here")
        refused = self.refusal(action)
        if refused is not None:
            return callerror_frame(unique_id, refused.code, refused.description, refused.details)
        try:
            result = handler(payload, unique_id)
            if inspect.isawaitable(result):
                result = await result
        except RpcError as exc:
            return callerror_frame(unique_id, exc.code, exc.description, exc.details)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in a handler must still get an answer on the wire
            self.logger.exception("%s: handler of %s failed", self.id, action)
            return callerror_frame(unique_id, INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
        if result is None:
            return None
        if isinstance(result, Raw):
            return dumps([3, unique_id, result.payload])
        problem = check_payload(action, result, response=True)
        if problem is not None:
            note = f"own {action} reply breaks the 2.0.1 schema: {problem.message}"
            self.own_schema_errors.append(note)
            self.logger.error("%s: %s", self.id, note)
        return dumps([3, unique_id, result])

    # ------------------------------------------------------------------ outgoing CALLs
    async def call(self, action: str, payload: dict, *, validate: bool = True, timeout: float | None = None,
                   on_sent: asyncio.Event | None = None) -> dict:
        """Send a CALL and return the CALLRESULT payload (`on_sent` is set once it is on the wire).

        Raises CallError on a CALLERROR, CallTimeout when no answer comes in time, ConnectionError/ConnectionClosed
        when the connection goes away."""
        if validate:
            problem = check_payload(action, payload)
            if problem is not None:
                raise ValueError(f"{action} payload breaks the 2.0.1 schema: {problem.message}")
        wait = self.response_timeout if timeout is None else timeout
        lock = contextlib.nullcontext() if "calls-pipelined" in self.faults else self._call_lock  # Part 4 §4.1.1
        async with lock:
            unique_id = str(uuid.uuid4())
            future: asyncio.Future = asyncio.get_running_loop().create_future()
            self._pending[unique_id] = (action, future)
            try:
                await self._send(dumps([2, unique_id, action, payload]))
                if on_sent is not None:
                    on_sent.set()
                try:
                    return await asyncio.wait_for(future, wait)
                except asyncio.TimeoutError:
                    raise CallTimeout(f"no response to {action} within {wait:g} s") from None
            finally:
                self._pending.pop(unique_id, None)

    async def send_raw(self, text: str) -> None:
        await self._send(text)

    async def _send(self, message: str) -> None:
        self.logger.debug("%s: send %s", self.id, message)
        await self._connection.send(message)
