"""The rule engine: judges every frame of one link (suite <-> IUT) and its opening handshakes.

`Judge.process` runs on every frame before it reaches the wire log, so it is the hot path:
per-action facts (validators, labels, direction) are computed once and cached, a valid payload
costs one compiled `is_valid` call, and error lists and messages are built only on failure.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Iterable
from urllib.parse import quote, unquote

import jsonschema_rs

from conformance.frames import (
    ARITY,
    CALL,
    CALLERROR,
    CALLRESULT,
    CALLRESULTERROR,
    MAX_MESSAGE_ID_LENGTH,
    SEND,
    TYPE_NAMES,
    StrictJSONError,
    StrictParser,
    a_type,
    clip,
    decode_utf8,
    salvage_message_id,
    text_is_valid_unicode,
)
from conformance.protocol import VERSIONS, protocol
from conformance.rules.catalogue import RULES
from conformance.rules.registration import RegistrationGate
from conformance.rules.transactions import TransactionLedger
from conformance.schemas import SchemaSet, schema_at_paths
from conformance.wire import Kind, Record, Role, Violation

_MAX_LISTED_ERRORS = 100  # a fuzzed payload can fail thousands of times; the first hundred tell the story
_FRACTION_DIGITS = re.compile(r"\.(\d{4,})")
_ROLES = (Role.CHARGE_POINT, Role.CSMS)
_UNREADABLE = object()  # no JSON value could be read from the frame (JSON `null` is a value)

Found = list[tuple[str, str]]  # (rule ID, message) pairs collected while judging one frame


@dataclass
class Handshake:
    path: str  # request path, e.g. "/ocpp/CP001" (percent-encoded as received)
    expected_identity: str | None  # the identity configured for the IUT (None: don't check)
    offered: list[str]  # Sec-WebSocket-Protocol values offered by the client, in order
    negotiated: str | None  # what the server selected (None: none)
    basic_auth_user: str | None  # username from the Authorization header, None if absent
    basic_auth_sent: bool
    iut_is_server: bool  # True when the IUT is the CSMS
    status: int  # HTTP status of the handshake response (101 = upgraded)


@dataclass(slots=True, eq=False)  # compared by identity: the same frame may sit in two lists
class _Pending:
    """A frame that may be answered: a CALL, or a broken frame whose MessageId was readable."""

    unique_id: str
    action: str | None
    seq: int
    t_mono: float
    from_iut: bool
    deliberate: bool
    usable: bool  # a well-formed CALL: an answer is required and timing applies
    overdue_reported: bool = False
    unknown_type: bool = False  # a frame of a MessageTypeId the version does not define


# Plain tuples: one is built per frame on the hot path.
_Answered = tuple  # (action, seq of the first reply, reply MessageTypeId)
_Used = tuple  # (action, payload, seq) of a CALL/SEND MessageId


class _ActionFacts:
    """What the judge needs about one action, computed once per Judge. Tuples are indexed by
    `response`: [False] for the CALL/SEND payload, [True] for the CALLRESULT payload."""

    __slots__ = ("action", "initiators", "validators", "field_checks", "field_validators", "labels")

    def __init__(self, judge: "Judge", action: str, send: bool) -> None:
        schemas = judge.schemas
        self.action = action
        self.initiators = judge.protocol.initiators_of(action)
        sides = (False,) if send else (False, True)
        self.validators = tuple(schemas.validator(action, r) for r in sides)
        self.field_checks = tuple(judge._field_checks(action, r) for r in sides)
        self.field_validators = tuple(_field_validator(checks) for checks in self.field_checks)
        self.labels = (action,) if send else tuple(judge.protocol.message_label(action, r) for r in sides)


class Judge:
    """Rule engine for one logical link between the suite and one IUT (persists across reconnections)."""

    def __init__(self, *, version: str, iut_role: Role, response_timeout: float = 30.0,
                 whitepaper: bool = True, waived_rules: Iterable[str] = ()) -> None:
        self.protocol = protocol(version)
        waived, unknown = _expand_rule_patterns(waived_rules)
        if unknown:
            raise ValueError(f"waived rule(s) {', '.join(unknown)} match no rule; known rule IDs: "
                             f"{', '.join(sorted(RULES))}")
        self.version = version
        self.iut_role = Role(iut_role)
        self.suite_role = self.iut_role.other
        self.response_timeout = float(response_timeout)
        self.whitepaper = whitepaper
        self.waived = waived
        self.waived_hits: Counter[str] = Counter()  # waived rule -> how often it would have fired
        self.schemas = SchemaSet.for_version(version)
        self._types = self.protocol.message_types
        self._error_codes = self.protocol.error_codes
        self._error_aliases = self.protocol.error_code_aliases
        self._one_call_rule = self.protocol.one_outstanding_call_rule
        self._facts: dict[tuple[str, bool], _ActionFacts] = {}
        self._parser = StrictParser()
        # MessageIds used per sender: per connection in 1.6, per identity (this link) in 2.x.
        self._used: dict[Role, dict[str, _Used]] = {r: {} for r in _ROLES}
        self._connection: int | None = None
        # What the charging station may send before its registration is accepted (versions that declare it).
        self._gate = RegistrationGate(self.protocol) if self.protocol.boot_action else None
        # The transactions of a charging station under test (versions that declare a transaction event message).
        tx_action = self.protocol.transaction_event_action
        self._ledger = TransactionLedger(tx_action) if tx_action and self.iut_role is Role.CHARGE_POINT else None
        self._reset_connection_state()

    # -- public API --------------------------------------------------------------------------
    def process(self, rec: Record) -> None:
        """Parse `rec`, fill its OCPP fields and append the violations it shows."""
        if rec.kind is not Kind.FRAME:
            return
        if rec.connection is not None and rec.connection != self._connection:
            if self._connection is not None:
                self._reset_connection_state()
            self._connection = rec.connection
        sender = rec.sender or (self.iut_role if rec.from_iut else self.suite_role)
        found: Found = []
        value = self._read(rec, sender, found)
        if value is not _UNREADABLE:
            self._judge_message(rec, sender, value, found)
        if found and not rec.deliberate:
            rec.violations.extend(self._violations(found, seq=rec.seq, by_iut=rec.from_iut))

    def handshake(self, hs: Handshake) -> list[Violation]:
        """Judge the IUT's side of an opening handshake (the suite's own probes are not judged)."""
        found: Found = []
        if hs.iut_is_server:
            self._judge_server_handshake(hs, found)
        else:
            self._judge_client_handshake(hs, found)
        return self._violations(found, seq=None, by_iut=True)

    def overdue(self, now_mono: float) -> list[Violation]:
        """CALLs unanswered for longer than the response timeout, each reported once."""
        out: list[Violation] = []
        for sender in _ROLES:
            for pending_list in self._pending[sender].values():
                for call in pending_list:
                    if (call.usable and not call.deliberate and not call.overdue_reported
                            and now_mono - call.t_mono > self.response_timeout):
                        call.overdue_reported = True
                        message = (f"no reply to {call.action} CALL '{clip(call.unique_id, 40)}' (#{call.seq}) of "
                                   f"the {self.protocol.role_name(sender)} within {self.response_timeout:g} s")
                        # The side that should have answered is the other one.
                        out += self._violations([("BEH-012", message)], seq=None, by_iut=not call.from_iut)
        return out

    def left_unanswered(self, sender: Role, message_id: str) -> None:
        """The other side leaves `sender`'s CALL `message_id` unanswered on purpose (a case tests the sender's
        retries): its missing reply is no one's deviation."""
        for call in self._pending[Role(sender)].get(message_id, ()):
            call.deliberate = True

    def connection_reset(self) -> None:
        """A new WebSocket connection: forget outstanding calls (no violation) and per-connection ids."""
        self._reset_connection_state()

    def outstanding(self, sender: Role) -> list[str]:
        """MessageIds of well-formed CALLs sent by `sender` on this connection and not yet answered
        (timed-out ones included: only an answer or a new connection removes them)."""
        calls = [c for pending_list in self._pending[Role(sender)].values() for c in pending_list if c.usable]
        return [c.unique_id for c in sorted(calls, key=lambda c: c.seq)]

    # -- state -------------------------------------------------------------------------------
    def _reset_connection_state(self) -> None:
        self._pending: dict[Role, dict[str, list[_Pending]]] = {r: {} for r in _ROLES}
        self._answered: dict[Role, dict[str, _Answered]] = {r: {} for r in _ROLES}
        self._sends: dict[Role, set[str]] = {r: set() for r in _ROLES}
        # Broken frames per sender, oldest first: a CALLERROR "-1" may answer each (P4 §4.2.3). An entry is
        # the frame's _Pending when its MessageId was readable too (lenient peers echo that id instead).
        self._broken: dict[Role, list[_Pending | None]] = {r: [] for r in _ROLES}
        if self.protocol.message_ids_unique_per == "connection":
            self._used = {r: {} for r in _ROLES}
        if self._gate is not None:
            self._gate.new_connection()

    def _violations(self, found: Found, *, seq: int | None, by_iut: bool) -> list[Violation]:
        out = []
        for rule_id, message in found:
            if rule_id in self.waived:
                self.waived_hits[rule_id] += 1
                continue
            rule = RULES[rule_id]
            out.append(Violation(rule_id, rule.level, message, seq, by_iut, rule.spec))
        return out

    # -- handshake ---------------------------------------------------------------------------
    def _judge_client_handshake(self, hs: Handshake, found: Found) -> None:
        identity = _path_identity(hs.path)
        if hs.expected_identity is not None and identity != hs.expected_identity:
            found.append(("WS-002", f"connection path {clip(hs.path, 120)!r} names identity {clip(identity, 60)!r}, "
                                    f"expected {hs.expected_identity!r} (as path segment "
                                    f"{quote(hs.expected_identity, safe='')!r})"))
        if not hs.offered:
            found.append(("WS-004", "the client offered no Sec-WebSocket-Protocol; it must list the OCPP "
                                    "version(s) it supports, e.g. 'ocpp1.6'"))
        if hs.basic_auth_sent:
            if hs.basic_auth_user is None:
                found.append(("SEC-005", "an Authorization header was sent but is not 'Basic' with a readable "
                                         "base64 '<identity>:<password>'"))
            elif hs.basic_auth_user != identity:
                found.append(("SEC-004", f"Basic-auth username {clip(hs.basic_auth_user, 60)!r} differs from the "
                                         f"identity {clip(identity, 60)!r} in the connection path"))

    def _judge_server_handshake(self, hs: Handshake, found: Found) -> None:
        if hs.status != 101 or hs.negotiated is None:
            return  # refused, or upgraded without a subprotocol (the server must then close)
        selected = hs.negotiated
        if "," in selected:
            found.append(("WS-005", f"the server selected several subprotocols ({clip(selected, 80)!r}); "
                                    "it must select exactly one"))
        elif selected not in hs.offered:
            offered = ", ".join(hs.offered) or "nothing"
            found.append(("WS-005", f"the server selected {clip(selected, 40)!r}, which the client did not offer "
                                    f"(offered: {offered})"))

    # -- frames: text and JSON ---------------------------------------------------------------
    def _read(self, rec: Record, sender: Role, found: Found) -> Any:
        """The parsed JSON value of the frame, or _UNREADABLE (with parse_error set)."""
        raw = rec.raw
        if rec.opcode == "binary":
            found.append(("WS-010", f"binary frame of {len(raw or b'')} bytes; OCPP-J messages are text frames"))
            return self._broken_frame(rec, sender, None, "binary frame")
        if type(raw) is str:
            text = raw
            if not text_is_valid_unicode(text):
                found.append(("WS-010", "text frame payload is not valid UTF-8 (unpaired surrogate code point)"))
                return self._broken_frame(rec, sender, None, "invalid UTF-8")
        elif isinstance(raw, (bytes, bytearray, memoryview)):
            try:
                text = decode_utf8(bytes(raw))
            except StrictJSONError as exc:
                found.append(("WS-010", f"text frame payload is not valid UTF-8: {exc}"))
                return self._broken_frame(rec, sender, None, "invalid UTF-8")
        else:
            text = ""
        try:
            value, problems = self._parser.parse(text)
        except StrictJSONError as exc:
            found.append(("RPC-001", f"not valid JSON: {exc}"))
            return self._broken_frame(rec, sender, salvage_message_id(text), f"invalid JSON: {exc}")
        for problem in problems:
            found.append(("RPC-001a", problem))
        return value

    def _broken_frame(self, rec: Record, sender: Role, message_id: Any, reason: str | None = None,
                      action: str | None = None) -> Any:
        """Note a frame that is no usable message; a CALLERROR may answer it with "-1" or its readable id."""
        if reason is not None:
            rec.parse_error = reason
        entry = None
        if type(message_id) is str:
            rec.unique_id = rec.unique_id or message_id
            entry = self._register(sender, message_id, action, rec, usable=False)
        self._broken[sender].append(entry)
        return _UNREADABLE

    # -- frames: OCPP-J structure ------------------------------------------------------------
    def _judge_message(self, rec: Record, sender: Role, value: Any, found: Found) -> None:
        if type(value) is not list:
            found.append(("RPC-002", f"the message is {a_type(value)}, not an array"))
            self._broken_frame(rec, sender, None, "not a JSON array")
            return
        size = len(value)
        message_id = value[1] if size > 1 else None
        if size == 0 or type(value[0]) is not int:
            first = "nothing" if size == 0 else a_type(value[0])
            found.append(("RPC-002", f"the first element must be the integer MessageTypeId, got {first}"))
            self._broken_frame(rec, sender, message_id, "no integer MessageTypeId")
            return
        message_type = rec.message_type = value[0]
        if message_type not in self._types:
            shown = clip(str(message_type), 30)
            allowed = ", ".join(str(t) for t in sorted(self._types))
            found.append(("RPC-003", f"MessageTypeId {shown} is not defined in OCPP {self.version} (allowed: {allowed})"))
            self._broken_frame(rec, sender, message_id, f"unknown MessageTypeId {shown}")
            entry = self._broken[sender][-1]
            if entry is not None:
                entry.unknown_type = True
            return
        problems: list[str] = []  # why the frame is not usable, for parse_error
        expected = ARITY[message_type]
        if size != expected:
            found.append(("RPC-005", f"a {TYPE_NAMES[message_type]} has {expected} elements, this one has {size}"))
            problems.append(f"{size} elements instead of {expected}")
        if type(message_id) is str:
            rec.unique_id = message_id
            if len(message_id) > MAX_MESSAGE_ID_LENGTH:
                found.append(("RPC-006", f"MessageId is {len(message_id)} characters long, at most "
                                         f"{MAX_MESSAGE_ID_LENGTH} are allowed"))
        else:
            if size > 1:
                found.append(("RPC-006", f"MessageId must be a string, got {a_type(message_id)}"))
            problems.append("no readable MessageId")
            message_id = None
        if message_type == CALL or message_type == SEND:
            self._judge_initiating(rec, sender, value, message_type, message_id, problems, found)
        else:
            self._judge_reply(rec, sender, value, message_type, message_id, problems, found)

    # -- CALL and SEND -----------------------------------------------------------------------
    def _judge_initiating(self, rec: Record, sender: Role, value: list[Any], message_type: int,
                          message_id: str | None, problems: list[str], found: Found) -> None:
        size = len(value)
        action = value[2] if size > 2 else None
        payload = value[3] if size > 3 else None
        if type(action) is str:
            rec.action = action
        else:
            if size > 2:
                found.append(("RPC-011", f"the Action must be a string, got {a_type(action)}"))
            problems.append("no Action string")
            action = None
        if size > 3:
            rec.payload = payload
            if type(payload) is not dict:
                found.append(("RPC-013", f"the payload is {a_type(payload)}, not an object"))
                problems.append("payload is not an object")
        if problems:
            rec.parse_error = f"malformed {TYPE_NAMES[message_type]}: " + "; ".join(problems)
        if message_id is not None:
            used = self._used[sender]
            earlier = used.get(message_id)
            if earlier is not None:
                self._check_reuse(sender, message_id, earlier, action, payload, found)
            used[message_id] = (action, payload, rec.seq)
        if message_type == SEND:
            if message_id is not None:
                self._sends[sender].add(message_id)
            if problems:
                self._broken_frame(rec, sender, None)
        elif problems:
            self._broken_frame(rec, sender, message_id, action=action)
        else:
            if not rec.deliberate and self._pending[sender]:
                self._check_single_outstanding(rec, sender, found)
            self._register(sender, message_id, action, rec, usable=True)
            if self._gate is not None and not rec.deliberate and message_id is not None and action is not None:
                self._gate.call(sender, action, message_id, payload, rec.seq, found)
        if action is None:
            return
        facts = self._facts.get((action, message_type == SEND)) or self._new_facts(action, message_type == SEND, found)
        if facts is None:
            return
        if sender not in facts.initiators:
            found.append(("RPC-012", f"{action} is initiated by the {self.protocol.role_name(sender.other)} only; "
                                     f"here the {self.protocol.role_name(sender)} sent it"))
        if type(payload) is dict:
            self._check_payload(facts, False, payload, found)
            if (self._ledger is not None and rec.from_iut and not rec.deliberate and not problems
                    and action == self._ledger.action and _is_valid(facts.validators[False], payload)):
                self._ledger.event(payload, rec.seq, found)

    def _check_reuse(self, sender: Role, message_id: str, earlier: _Used, action: str | None, payload: Any,
                     found: Found) -> None:
        earlier_action, earlier_payload, earlier_seq = earlier
        if self.protocol.retry_keeps_message_id and earlier_action == action and earlier_payload == payload:
            return  # 2.1 lets a retry of the same message keep its MessageId
        scope = ("on this connection" if self.protocol.message_ids_unique_per == "connection"
                 else "for this charging station identity")
        found.append(("RPC-007", f"MessageId '{clip(message_id, 40)}' was already used by the "
                                 f"{self.protocol.role_name(sender)} {scope} (#{earlier_seq}, {earlier_action})"))

    def _check_single_outstanding(self, rec: Record, sender: Role, found: Found) -> None:
        for pending_list in self._pending[sender].values():
            for call in pending_list:
                if call.usable and not call.deliberate and rec.t_mono - call.t_mono <= self.response_timeout:
                    found.append((self._one_call_rule,
                                  f"new CALL while {call.action} '{clip(call.unique_id, 40)}' (#{call.seq}) of the "
                                  f"{self.protocol.role_name(sender)} is still unanswered"))
                    return

    def _register(self, sender: Role, message_id: str, action: str | None, rec: Record, *, usable: bool) -> _Pending:
        entry = _Pending(message_id, action, rec.seq, rec.t_mono, rec.from_iut, rec.deliberate, usable)
        pending = self._pending[sender]
        if message_id in pending:
            pending[message_id].append(entry)
        else:
            pending[message_id] = [entry]
        return entry

    # -- actions and payloads ----------------------------------------------------------------
    def _new_facts(self, action: str, send: bool, found: Found) -> _ActionFacts | None:
        problem = self._unknown_action(action, send)
        if problem is not None:
            found.append(problem)
            return None  # not cached: an IUT could send endless distinct unknown actions
        facts = self._facts[(action, send)] = _ActionFacts(self, action, send)
        return facts

    def _unknown_action(self, action: str, send: bool) -> tuple[str, str] | None:
        schemas = self.schemas
        shown = clip(action, 60)
        if send:
            if schemas.has_send(action):
                return None
            hint = " (it is a CALL action: MessageTypeId 2)" if schemas.has_action(action) else ""
            return "RPC-011", f"{shown!r} is not a SEND message of OCPP {self.version}{hint}"
        if schemas.has_action(action):
            if not self.whitepaper and action in self.protocol.whitepaper_actions:
                return "SCH-012", (f"{action} belongs to the 1.6 security white paper, which the IUT does not "
                                   "declare (declare white-paper support in the IUT descriptor if it has it)")
            return None
        if schemas.has_send(action):
            return "RPC-011", f"{action} is a SEND message in OCPP {self.version} (MessageTypeId 6), not a CALL"
        return "RPC-011", f"unknown action {shown!r} for OCPP {self.version}{self._action_hint(action)}"

    def _action_hint(self, action: str) -> str:
        folded = action.casefold()
        for known in self.schemas.actions():
            if known.casefold() == folded:
                return f" (actions are case-sensitive: did you mean {known}?)"
        for other in VERSIONS:
            if other != self.version and SchemaSet.for_version(other).has_action(action):
                return f" (it is an OCPP {other} message: version mismatch?)"
        return ""

    def _field_checks(self, action: str, response: bool) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Field-level checks the schemas cannot express, as (kind, payload path)."""
        kind = self.protocol.field_check
        if not kind:
            return ()
        return tuple((kind, p) for p in self.schemas.field_paths(action, response, kind))

    def _check_payload(self, facts: _ActionFacts, response: bool, payload: dict[str, Any], found: Found) -> None:
        if not _is_valid(facts.validators[response], payload):
            errors = self.schemas.errors(facts.action, response, payload)
            listed = "; ".join(str(e) for e in errors[:_MAX_LISTED_ERRORS])
            more = f"; and {len(errors) - _MAX_LISTED_ERRORS} more" if len(errors) > _MAX_LISTED_ERRORS else ""
            count = f"{len(errors)} schema error{'s' if len(errors) != 1 else ''}"
            found.append(("SCH-001", f"{facts.labels[response]}: {count}: {listed}{more}"))
        field_validator = facts.field_validators[response]
        if field_validator is not None and not _is_valid(field_validator, payload):
            self._report_fields(facts, response, payload, found)

    def _report_fields(self, facts: _ActionFacts, response: bool, payload: dict[str, Any], found: Found) -> None:
        label = facts.labels[response]
        for kind, path in facts.field_checks[response]:
            for value in _values_at(payload, path):
                if type(value) is not str:
                    continue
                if kind == "date-time":
                    match = _FRACTION_DIGITS.search(value)
                    if match:
                        found.append(("SCH-007a", f"{label}: {_where(payload, path, value)} {clip(value, 60)!r} has "
                                                  f"{len(match.group(1))} fractional-second digits, at most 3 are "
                                                  "allowed"))
                elif not (value.isascii() and value.isprintable()):
                    bad = next(c for c in value if not (c.isascii() and c.isprintable()))
                    found.append(("SCH-006a", f"{label}: {_where(payload, path, value)} holds U+{ord(bad):04X}; "
                                              "CiString values are printable ASCII"))

    # -- replies -----------------------------------------------------------------------------
    def _judge_reply(self, rec: Record, sender: Role, value: list[Any], message_type: int,
                     message_id: str | None, problems: list[str], found: Found) -> None:
        size = len(value)
        if message_type == CALLRESULT:
            if size > 2:
                rec.payload = value[2]
                if type(value[2]) is not dict:
                    found.append(("RPC-013", f"the payload is {a_type(value[2])}, not an object"))
                    problems.append("payload is not an object")
            else:
                problems.append("no payload")
        else:
            self._check_error_fields(rec, value, found)
            if size < 3:
                problems.append("no ErrorCode")
        if problems:
            rec.parse_error = f"malformed {TYPE_NAMES[message_type]}: " + "; ".join(problems)
            self._broken_frame(rec, sender, None)
        if message_id is None:
            return
        if message_type == CALLRESULTERROR:
            answered = self._answered[sender].get(message_id)
            if answered is not None and answered[2] == CALLRESULT:
                rec.action = answered[0]
            else:
                found.append(("RPC-021", f"CALLRESULTERROR '{clip(message_id, 40)}' matches no CALLRESULT the "
                                         f"{self.protocol.role_name(sender)} received"))
            return
        self._correlate(rec, sender, message_type, message_id, not problems, found)

    def _check_error_fields(self, rec: Record, value: list[Any], found: Found) -> None:
        size = len(value)
        if size > 2:
            code = value[2]
            if type(code) is not str:
                found.append(("RPC-015", f"the ErrorCode must be a string, got {a_type(code)}"))
            else:
                rec.error_code = code
                if code in self._error_aliases:
                    found.append(("RPC-015a", f"ErrorCode {code} is spelt {self._error_aliases[code]} in OCPP "
                                              f"{self.version}"))
                elif code not in self._error_codes:
                    found.append(("RPC-015", f"ErrorCode {clip(code, 60)!r} is not an OCPP {self.version} error "
                                             f"code (allowed: {', '.join(sorted(self._error_codes))})"))
        if size > 3:
            description = value[3]
            if type(description) is not str:
                found.append(("RPC-016", f"the ErrorDescription must be a string, got {a_type(description)}"))
            elif (limit := self.protocol.error_description_max_length) is not None and len(description) > limit:
                found.append(("RPC-016", f"the ErrorDescription has {len(description)} characters, at most "
                                         f"{limit} are allowed"))
        if size > 4:
            rec.payload = value[4]
            if type(value[4]) is not dict:
                found.append(("RPC-016", f"the ErrorDetails must be a JSON object, got {a_type(value[4])}"))

    def _correlate(self, rec: Record, sender: Role, message_type: int, message_id: str, well_formed: bool,
                   found: Found) -> None:
        caller = sender.other
        pending = self._pending[caller]
        pending_list = pending.get(message_id)
        if pending_list:
            call = pending_list.pop(0)
            if not pending_list:
                del pending[message_id]
            rec.action = call.action
            rec.answers = call.seq
            self._answered[caller][message_id] = (call.action, rec.seq, message_type)
            if not call.usable:
                self._broken[caller].remove(call)  # answered by its id: no "-1" answer due any more
                self._judge_unknown_type_answer(call, rec, message_type, found)
                return  # an answer to a broken frame is optional; what else it says is an active test's business
            if self._gate is not None and not rec.deliberate and not call.deliberate and well_formed:
                self._gate.reply(sender, call.action, message_id, message_type, rec.payload, found,
                                 error_code=rec.error_code)
            elapsed = rec.t_mono - call.t_mono
            if elapsed > self.response_timeout:
                found.append(("BEH-012a", f"reply to {call.action} '{clip(message_id, 40)}' (#{call.seq}) is late by "
                                          f"{elapsed - self.response_timeout:.3f} s (response timeout "
                                          f"{self.response_timeout:g} s)"))
            if message_type == CALLRESULT and well_formed:
                facts = self._facts.get((call.action, False))
                if facts is not None:
                    self._check_payload(facts, True, rec.payload, found)
            return
        if message_id == "-1" and message_type == CALLERROR and self._broken[caller]:
            # the agreed answer to a frame whose MessageId could not be read
            entry = self._broken[caller].pop(0)
            if entry is not None:
                self._judge_unknown_type_answer(entry, rec, message_type, found)
                rec.action = entry.action
                same_id = pending[entry.unique_id]
                same_id.remove(entry)
                if not same_id:
                    del pending[entry.unique_id]
            return
        answered = self._answered[caller].get(message_id)
        if answered is not None:
            rec.action = answered[0]
            found.append(("RPC-009", f"CALL '{clip(message_id, 40)}' ({answered[0]}) was already answered "
                                     f"by #{answered[1]}"))
            return
        if message_id in self._sends[caller]:
            found.append(("RPC-022", f"'{clip(message_id, 40)}' is a SEND message; SEND is never answered"))
            return
        own = self._answered[sender].get(message_id)
        if message_type == CALLERROR and own is not None:
            rec.action = own[0]
            found.append(("RPC-019", f"CALLERROR '{clip(message_id, 40)}' answers the reply #{own[1]} to the "
                                     f"{self.protocol.role_name(sender)}'s own CALL; a CALLERROR may only answer a "
                                     "CALL" + (" (use CALLRESULTERROR)" if self.protocol.has_callresulterror else "")))
            return
        found.append(("RPC-008", f"no outstanding CALL of the {self.protocol.role_name(caller)} has MessageId "
                                 f"'{clip(message_id, 40)}'"))


    def _judge_unknown_type_answer(self, frame: _Pending, rec: Record, message_type: int, found: Found) -> None:
        """A receiver that answers a message of an unknown MessageTypeId answers it with the version's CALLERROR
        (2.x: MessageTypeNotSupported); ignoring it is allowed too (RPC-004)."""
        code = self.protocol.unknown_message_type_code
        if not frame.unknown_type or not code:
            return
        if message_type != CALLERROR or rec.error_code != code:
            got = f"CALLERROR {rec.error_code}" if message_type == CALLERROR else TYPE_NAMES.get(message_type, "a reply")
            found.append(("RPC-004", f"the message of an unknown MessageTypeId (#{frame.seq}) was answered with {got}; "
                                     f"OCPP {self.version} answers it with CALLERROR {code} (or not at all)"))


def _expand_rule_patterns(patterns: Iterable[str]) -> tuple[frozenset[str], list[str]]:
    """Rule IDs named by `patterns` (an ID, or a glob such as "SCH-*"), and the patterns matching none."""
    waived: set[str] = set()
    unknown: list[str] = []
    for pattern in patterns:
        matched = {rule_id for rule_id in RULES if fnmatchcase(rule_id, pattern)}
        if not matched:
            unknown.append(pattern)
        waived |= matched
    return frozenset(waived), unknown


def _path_identity(path: str) -> str:
    """The charging station identity: the last path segment, percent-decoded."""
    return unquote(path.split("?", 1)[0].rsplit("/", 1)[-1])


# Leaf schemas of the field checks, run inside a compiled validator so Python only reports.
_FIELD_PATTERNS = {
    "date-time": {"pattern": r"^(?!.*\.[0-9]{4})"},  # no fourth fractional-second digit
    "cistring": {"pattern": r"^[\x20-\x7E]*$"},  # printable ASCII
}


def _field_validator(checks: tuple[tuple[str, tuple[str, ...]], ...]) -> Any:
    if not checks:
        return None
    kinds = sorted({kind for kind, _ in checks})
    schema = {"allOf": [schema_at_paths([p for k, p in checks if k == kind], _FIELD_PATTERNS[kind]) for kind in kinds]}
    return jsonschema_rs.validator_for(schema)


def _is_valid(validator: Any, payload: Any) -> bool:
    try:
        return validator.is_valid(payload)
    except ValueError:  # a value the validator cannot take (e.g. a 5000-digit integer): judged on the slow path
        return False


def _values_at(node: Any, path: tuple[str, ...]) -> list[Any]:
    """Values found at `path` ("*" = every array item)."""
    nodes = [node]
    for key in path:
        found: list[Any] = []
        if key == "*":
            for item in nodes:
                if type(item) is list:
                    found.extend(item)
        else:
            for item in nodes:
                if type(item) is dict and key in item:
                    found.append(item[key])
        if not found:
            return found
        nodes = found
    return nodes


def _where(node: Any, path: tuple[str, ...], value: Any, prefix: str = "$") -> str:
    """JSONPath of `value` (found at `path`); only computed when reporting a violation."""
    if not path:
        return prefix if node is value else ""
    key, rest = path[0], path[1:]
    if key == "*":
        for position, item in enumerate(node if type(node) is list else ()):
            where = _where(item, rest, value, f"{prefix}[{position}]")
            if where:
                return where
        return ""
    if type(node) is dict and key in node:
        return _where(node[key], rest, value, f"{prefix}.{key}")
    return ""
