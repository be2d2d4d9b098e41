"""OCPP-J 1.6 RPC core shared by the reference simulators.

Built on `ocpp.v16.ChargePoint` (its `@on`/`@after` route map, dataclasses and case conversion) but with our own
message routing, because the library deviates from OCPP-J 1.6 where a conformance reference must not:

* unknown action -> NotImplemented, known-but-unsupported 1.6 action -> NotSupported (the library swaps them);
* schema errors -> the 1.6 codes FormationViolation / PropertyConstraintViolation / OccurenceConstraintViolation /
  TypeConstraintViolation, checked with jsonschema-rs with formats on (the library answers FormatViolation and
  checks no formats);
* unparsable frames -> CALLERROR with MessageId "-1" (the library stays silent);
* a CALLRESULT/CALLERROR with an unknown id is logged and ignored;
* one outstanding CALL per side (a lock), configurable response timeout, and incoming CALLs handled by a worker
  so that a slow handler never blocks the reading of responses.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jsonschema_rs
import ocpp.v16
from ocpp.charge_point import camel_to_snake_case, remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.exceptions import OCPPError
from ocpp.v16 import call_result
from ocpp.v16.enums import Action
from websockets.exceptions import ConnectionClosed

LOGGER = logging.getLogger("conformance.ocpp16.simulators")

OCPP16_ACTIONS = frozenset(a.value for a in Action)
MAX_MESSAGE_ID_LENGTH = 36

# OCPP-J 1.6 error codes (J16 Table 7), spelled as the 1.6 specification spells them.
NOT_IMPLEMENTED = "NotImplemented"
NOT_SUPPORTED = "NotSupported"
INTERNAL_ERROR = "InternalError"
PROTOCOL_ERROR = "ProtocolError"
SECURITY_ERROR = "SecurityError"
FORMATION_VIOLATION = "FormationViolation"
PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
OCCURENCE_CONSTRAINT_VIOLATION = "OccurenceConstraintViolation"
TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"
GENERIC_ERROR = "GenericError"

_SCHEMA_DIR = Path(ocpp.v16.__file__).parent / "schemas"

# jsonschema-rs error kind -> 1.6 CALLERROR code
_KIND_TO_CODE = {
    "Type": TYPE_CONSTRAINT_VIOLATION,
    "Required": OCCURENCE_CONSTRAINT_VIOLATION,
    "MinItems": OCCURENCE_CONSTRAINT_VIOLATION,
    "MaxItems": OCCURENCE_CONSTRAINT_VIOLATION,
    "AdditionalProperties": FORMATION_VIOLATION,
    "Enum": PROPERTY_CONSTRAINT_VIOLATION,
    "MaxLength": PROPERTY_CONSTRAINT_VIOLATION,
    "MinLength": PROPERTY_CONSTRAINT_VIOLATION,
    "Format": PROPERTY_CONSTRAINT_VIOLATION,
    "MultipleOf": PROPERTY_CONSTRAINT_VIOLATION,
    "Minimum": PROPERTY_CONSTRAINT_VIOLATION,
    "Maximum": PROPERTY_CONSTRAINT_VIOLATION,
}


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
    """A reply payload sent exactly as given (camelCase dict), without checking it: used by faults."""

    payload: dict


@dataclass(frozen=True)
class SchemaProblem:
    code: str
    message: str


@lru_cache(maxsize=None)
def _validator(schema_name: str):
    path = _SCHEMA_DIR / f"{schema_name}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8-sig"))
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def check_payload(action: str, payload: Any, *, response: bool = False) -> SchemaProblem | None:
    """Validate a 1.6 payload; return the first problem mapped to its 1.6 CALLERROR code, or None when valid."""
    validator = _validator(action + ("Response" if response else ""))
    if validator is None:
        return SchemaProblem(NOT_IMPLEMENTED, f"no 1.6 schema for {action}")
    if not isinstance(payload, dict):
        return SchemaProblem(FORMATION_VIOLATION, "payload is not a JSON object")
    for error in validator.iter_errors(payload):
        kind = type(error.kind).__name__
        where = "/".join(str(p) for p in error.instance_path) or "(root)"
        code = _KIND_TO_CODE.get(kind, FORMATION_VIOLATION)
        if kind == "Type" and not error.instance_path:
            code = FORMATION_VIOLATION
        return SchemaProblem(code, f"{where}: {error.message}")
    return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_frame(text: str) -> Any:
    """Strict JSON parse (RFC 8259: no NaN/Infinity)."""
    return json.loads(text, parse_constant=_reject_constant)


def dumps(message: Any) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def callerror_frame(unique_id: str, code: str, description: str = "", details: dict | None = None) -> str:
    return dumps([4, unique_id, code, description[:255], details or {}])


def endpoint_settings(owner: Any) -> dict[str, Any]:
    """An `RpcEndpoint`'s settings taken from the simulator that owns it."""
    return {"response_timeout": owner.response_timeout, "faults": owner.faults,
            "late_reply_delay": owner.late_reply_delay, "logger": owner.logger}


def answer_data_transfer(owner: Any, vendor_id: str, message_id: str | None, data: str | None) -> Any:
    """DataTransfer as both reference simulators answer it (C16 §4.3, §5.6): their own vendorId and messageIds are
    Accepted (the data echoed), others UnknownVendorId / UnknownMessageId."""
    if "datatransfer-not-implemented" in owner.faults:
        raise RpcError("NotImplemented", "DataTransfer is not implemented")
    if vendor_id != owner.vendor_id and "datatransfer-unknown-vendor-accepted" not in owner.faults:
        return call_result.DataTransfer(status="UnknownVendorId")
    if vendor_id == owner.vendor_id and message_id is not None and message_id not in owner.data_transfer_message_ids:
        return call_result.DataTransfer(status="UnknownMessageId")
    return call_result.DataTransfer(status="Accepted", data=data)


class RpcEndpoint(ocpp.v16.ChargePoint):
    """One side of an OCPP-J 1.6 connection.

    Subclasses declare handlers with `@on(Action.X)` (and optionally `@after(Action.X)`); a handler gets the
    payload as snake_case keyword arguments (plus `raw_payload` with the camelCase dict and/or
    `call_unique_id` when its signature asks for them) and returns a `call_result` dataclass, a camelCase dict,
    or `Raw(...)`. Raising `RpcError` answers with that CALLERROR.
    """

    def __init__(
        self,
        id: str,
        connection: Any,
        *,
        response_timeout: float = 30,
        faults: Iterable[str] = (),
        late_reply_delay: float = 10.0,
        logger: logging.Logger = LOGGER,
    ) -> None:
        super().__init__(id, connection, response_timeout=response_timeout, logger=logger)
        self.faults = frozenset(faults)
        self.late_reply_delay = late_reply_delay
        self._pending: dict[str, tuple[str, asyncio.Future]] = {}  # unique id -> (action, future); one unless a fault
        self._incoming: asyncio.Queue = asyncio.Queue()
        self._in_progress: set[str] = set()
        self._tasks: set[asyncio.Task] = set()
        self.own_schema_errors: list[str] = []  # our own outgoing schema mistakes: must stay empty
        self.closed = asyncio.Event()

    # ------------------------------------------------------------------ running
    async def start(self) -> None:
        """Read frames until the connection closes (returns normally then)."""
        worker = asyncio.create_task(self._call_worker(), name=f"rpc-worker-{self.id}")
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

    async def route_message(self, raw_msg: Any) -> None:
        if isinstance(raw_msg, bytes):
            await self._garbage(raw_msg, "binary frame: OCPP-J messages are text frames")
            return
        try:
            msg = parse_frame(raw_msg)
        except ValueError as exc:
            await self._garbage(raw_msg, f"not valid JSON: {exc}")
            return
        if not isinstance(msg, list) or not msg:
            await self._garbage(raw_msg, "not a JSON array with a MessageTypeId")
            return
        type_id = msg[0]
        unique_id = msg[1] if len(msg) > 1 else None
        if type(type_id) is not int or type_id not in (2, 3, 4):
            # J16 §4.1.3: an unknown MessageTypeId is ignored.
            self.logger.warning("%s: ignoring message with unknown MessageTypeId: %s", self.id, raw_msg)
            return
        if not isinstance(unique_id, str):
            if type_id == 2:
                await self._garbage(raw_msg, "MessageId missing or not a string")
            else:
                self.logger.warning("%s: ignoring response without a readable MessageId: %s", self.id, raw_msg)
            return
        if type_id == 2:
            await self._route_call(msg, unique_id, raw_msg)
        else:
            self._route_response(msg, unique_id, raw_msg)

    async def _garbage(self, raw: Any, why: str) -> None:
        self.logger.warning("%s: unreadable frame (%s): %r", self.id, why, raw if len(raw) < 300 else raw[:300])
        if "silent-on-garbage" in self.faults:
            return
        await self._send(callerror_frame("-1", FORMATION_VIOLATION, why))

    async def _route_call(self, msg: list, unique_id: str, raw: str) -> None:
        if len(msg) != 4:
            await self._send(callerror_frame(unique_id, PROTOCOL_ERROR, f"CALL has {len(msg)} elements, expected 4"))
            return
        _, _, action, payload = msg
        if not isinstance(action, str) or not isinstance(payload, dict):
            await self._send(callerror_frame(unique_id, FORMATION_VIOLATION, "Action must be a string, Payload an object"))
            return
        if len(unique_id) > MAX_MESSAGE_ID_LENGTH:
            await self._send(callerror_frame(unique_id, PROTOCOL_ERROR, "MessageId longer than 36 characters"))
            return
        if unique_id in self._in_progress:
            await self._send(callerror_frame(unique_id, PROTOCOL_ERROR, "a CALL with this MessageId is being handled"))
            return
        self._in_progress.add(unique_id)
        self._incoming.put_nowait((unique_id, action, payload))

    def _route_response(self, msg: list, unique_id: str, raw: str) -> None:
        pending = self._pending.get(unique_id)
        if pending is None or pending[1].done():
            self.logger.warning("%s: ignoring response with unknown MessageId %s: %s", self.id, unique_id, raw)
            return
        action, future = pending
        if msg[0] == 3:
            if len(msg) != 3 or not isinstance(msg[2], dict):
                future.set_exception(CallError(FORMATION_VIOLATION, "malformed CALLRESULT", {}, action))
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
                after = self.route_map.get(action, {}).get("_after_action")
                if after is not None and reply.startswith("[3"):
                    self._spawn(self._run_after(after, action, payload, unique_id))
            finally:
                self._in_progress.discard(unique_id)

    async def _run_after(self, handler: Any, action: str, payload: dict, unique_id: str) -> None:
        try:
            result = handler(**self._kwargs_for(handler, payload, unique_id))
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger.exception("%s: after-handler for %s failed", self.id, action)

    def _kwargs_for(self, handler: Any, payload: dict, unique_id: str) -> dict:
        kwargs = camel_to_snake_case(payload)
        params = inspect.signature(handler).parameters
        if "raw_payload" in params:
            kwargs["raw_payload"] = payload
        if "call_unique_id" in params:
            kwargs["call_unique_id"] = unique_id
        return kwargs

    def unknown_action_code(self, action: str) -> str:
        known = action in OCPP16_ACTIONS
        if "wrong-callerror-code" in self.faults:
            return NOT_IMPLEMENTED if known else NOT_SUPPORTED
        return NOT_SUPPORTED if known else NOT_IMPLEMENTED

    async def _dispatch(self, unique_id: str, action: str, payload: dict) -> str | None:
        """Run the handler for a CALL and return the reply frame (CALLRESULT or CALLERROR); None sends nothing."""
        handlers = self.route_map.get(action)
        if not handlers or "_on_action" not in handlers:
            code = self.unknown_action_code(action)
            return callerror_frame(unique_id, code, f"{action} is {'not supported' if code == NOT_SUPPORTED else 'not implemented'} here")
        problem = check_payload(action, payload)
        if problem is not None:
            code = problem.code
            if "formatviolation-on-16" in self.faults:
                code = "FormatViolation"  # the 2.0.1 spelling, wrong on a 1.6 connection
            return callerror_frame(unique_id, code, problem.message)
        handler = handlers["_on_action"]
        try:
            result = handler(**self._kwargs_for(handler, payload, unique_id))
            if inspect.isawaitable(result):
                result = await result
        except RpcError as exc:
            return callerror_frame(unique_id, exc.code, exc.description, exc.details)
        except OCPPError as exc:
            return callerror_frame(unique_id, exc.code, exc.description, exc.details if isinstance(exc.details, dict) else {})
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in a handler must still get an answer on the wire
            self.logger.exception("%s: handler for %s failed", self.id, action)
            return callerror_frame(unique_id, INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
        if isinstance(result, Raw):
            return dumps([3, unique_id, result.payload])
        reply = self._to_payload(result)
        problem = check_payload(action, reply, response=True)
        if problem is not None:
            note = f"own {action} reply breaks the 1.6 schema: {problem.message}"
            self.own_schema_errors.append(note)
            self.logger.error("%s: %s", self.id, note)
        return dumps([3, unique_id, reply])

    @staticmethod
    def _to_payload(result: Any) -> dict:
        if result is None:
            return {}
        if isinstance(result, dict):
            return result
        return snake_to_camel_case(remove_nones(serialize_as_dict(result)))

    # ------------------------------------------------------------------ outgoing CALLs
    async def call_raw(
        self,
        action: str,
        payload: dict,
        *,
        validate: bool = True,
        timeout: float | None = None,
        on_sent: asyncio.Event | None = None,
    ) -> dict:
        """Send a CALL (camelCase payload) and return the CALLRESULT payload (`on_sent` is set once it is on the wire).

        Raises CallError on a CALLERROR, CallTimeout when no answer arrives in time, ConnectionError/
        ConnectionClosed when the connection goes away.
        """
        if validate:
            problem = check_payload(action, payload)
            if problem is not None:
                raise ValueError(f"{action} payload breaks the 1.6 schema: {problem.message}")
        wait = self._response_timeout if timeout is None else timeout
        # One outstanding CALL (J16 §4.1.1); the fault sends each CALL at once.
        lock = contextlib.nullcontext() if "calls-pipelined" in self.faults else self._call_lock
        async with lock:
            unique_id = str(self._unique_id_generator())
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

    async def call(self, payload: Any, suppress: bool = False, unique_id: Any = None, skip_schema_validation: bool = False):
        """Send a `call.X` dataclass and return the matching `call_result.X` dataclass."""
        action = payload.__class__.__name__
        body = self._to_payload(payload)
        try:
            reply = await self.call_raw(action, body, validate=not skip_schema_validation)
        except CallError:
            if suppress:
                return None
            raise
        result_cls = getattr(self._call_result, action)
        return result_cls(**camel_to_snake_case(reply))

    async def send_raw(self, text: str) -> None:
        await self._send(text)

    async def _send(self, message: str) -> None:
        self.logger.debug("%s: send %s", self.id, message)
        await self._connection.send(message)


def new_message_id() -> str:
    return str(uuid.uuid4())


def fail(future: asyncio.Future, exc: BaseException) -> None:
    """Fail a future that may have nobody waiting on it any more (without an 'exception never retrieved' log)."""
    if not future.done():
        future.set_exception(exc)
        future.exception()
