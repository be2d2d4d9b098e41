"""Every rule the judge can raise: ID, level, spec reference, requirement.

IDs follow /work/shared/reference/ocpp-rules.md (WS, RPC, SCH, BEH, SEC layers). Where one
catalogue rule splits into parts with different levels or versions, the part gets a letter
suffix (RPC-010 is the 2.x MUST, RPC-010a the 1.6 SHOULD).

A rule is SHOULD only where the specification says SHOULD or the matter is disputed between its own documents;
each such rule quotes the sentence it rests on. Every rule ID a verdict can cite (the judge's, the registration
gate's, a case's `warn`) is listed here; tests/test_rule_catalogue.py checks the source for IDs missing from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.wire import Level

J16 = "OCPP-J 1.6"
P4_201 = "OCPP 2.0.1 Part 4"
P4_21 = "OCPP 2.1 Part 4"


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    spec: str
    requirement: str
    title: str


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.id: rule for rule in rules}


M, S = Level.MUST, Level.SHOULD

RULES: dict[str, Rule] = _rules(
    # -- WebSocket handshake and frames ----------------------------------------------------
    Rule("WS-002", M, f"{J16} §3.1.1; {P4_201} §3.1.1; {P4_21} §3.1.1",
         "The last segment of the connection path is the charging station's identity, percent-encoded.",
         "Identity in the connection path"),
    Rule("WS-004", M, f"{J16} §3.1.2; {P4_201} §3.1.2; {P4_21} §3.1.2",
         "The connecting client offers the OCPP version(s) it supports in Sec-WebSocket-Protocol.",
         "Client offers a subprotocol"),
    Rule("WS-005", M, f"RFC 6455 §4.2.2; {J16} §3.2; {P4_201} §3.2; {P4_21} §3.3",
         "The server selects exactly one subprotocol from those the client offered, or none at all.",
         "Server selects an offered subprotocol"),
    Rule("WS-010", M, "RFC 6455 §5.6, §8.1; " + f"{J16} §4.1.2; {P4_201} §4.1.2",
         "OCPP-J messages travel in WebSocket text frames whose payload is valid UTF-8.",
         "Text frames in UTF-8"),
    Rule("SEC-004", M, "OCPP 1.6 security white paper A00.FR.204, A00.FR.303; OCPP 2.0.1 Part 2 A00.FR.204",
         "The username of HTTP Basic authentication equals the charging station identity in the URL.",
         "Basic-auth username is the identity"),
    Rule("SEC-005", M, f"RFC 7617 §2; {J16} §6.2.2",
         "An Authorization header is 'Basic' followed by base64 of '<identity>:<password>'.",
         "Well-formed Basic authorization"),
    # -- RPC framing -------------------------------------------------------------------------
    Rule("RPC-001", M, f"RFC 8259; {J16} §4.1.2; {P4_201} §4.1.2; {P4_21} §4.1.2",
         "Every message is a valid JSON text; NaN and Infinity are not JSON.",
         "Valid JSON"),
    Rule("RPC-001a", S, "RFC 8259 §4, §8.2",
         "Object member names are unique and strings carry no unpaired surrogates, so every parser reads the same "
         "message (RFC 8259 §4: \"The names within an object SHOULD be unique\"; §8.2 leaves the reading of unpaired "
         "surrogates unpredictable).",
         "Interoperable JSON"),
    Rule("RPC-002", M, f"{J16} §4.1.3, §4.2; {P4_201} §4.2",
         "A message is a JSON array whose first element is the integer MessageTypeId.",
         "Message is an array"),
    Rule("RPC-003", M, f"{J16} §4.1.3 Table 2; {P4_201} §4.1.3; {P4_21} §4.1.3",
         "The MessageTypeId is 2 (CALL), 3 (CALLRESULT) or 4 (CALLERROR); OCPP 2.1 adds 5 (CALLRESULTERROR) and 6 (SEND).",
         "Known MessageTypeId"),
    Rule("RPC-004", M, f"{P4_201} §4.1.3, §4.4 Table 8; {P4_21} §4.1.3, §4.4",
         "A message of a MessageTypeId the version does not define is answered with CALLERROR "
         "MessageTypeNotSupported (2.x), or ignored (Part 4 §4.1.3 allows that too); never with another reply.",
         "Unknown MessageTypeId answered MessageTypeNotSupported"),
    Rule("RPC-005", M, f"{J16} §4.2.1-4.2.3; {P4_201} §4.2.1-4.2.3; {P4_21} §4.2.1-4.2.4",
         "A CALL or SEND has 4 elements, a CALLRESULT 3, a CALLERROR or CALLRESULTERROR 5.",
         "Message arity"),
    Rule("RPC-006", M, f"{J16} §4.1.4; {P4_201} §4.1.4; {P4_21} §4.1.4",
         "The MessageId is a JSON string of at most 36 characters.",
         "MessageId is a short string"),
    Rule("RPC-007", M, f"{J16} §4.1.4; {P4_201} §4.1.4; {P4_21} §4.1.4",
         "A sender never reuses a CALL MessageId: on the same connection (1.6), or for the same charging station "
         "identity on any connection (2.x; 2.1 lets a retry of the same message keep its id).",
         "MessageId not reused"),
    Rule("RPC-008", M, f"{J16} §4.1.4, §4.2.2, §4.2.3; {P4_201} §4.1.4",
         "A CALLRESULT or CALLERROR carries the MessageId of an outstanding CALL of the other side.",
         "Reply answers an outstanding CALL"),
    Rule("RPC-009", M, f"{J16} §4.1.1, §4.1.4; {P4_201} §4.1.1",
         "A CALL is answered once, by one CALLRESULT or one CALLERROR.",
         "One reply per CALL"),
    Rule("RPC-010", M, f"{P4_201} §4.1.1; {P4_21} §4.1.1",
         "A party does not send a CALL while one of its CALLs on the connection is unanswered and not timed out.",
         "One outstanding CALL"),
    Rule("RPC-010a", S, f"{J16} §4.1.1",
         "A party should not send a CALL while one of its CALLs on the connection is unanswered and not timed out "
         "(\"A Charge Point or Central System SHOULD NOT send a CALL message to the other party unless all the CALL "
         "messages it sent before have been responded to or have timed out\").",
         "One outstanding CALL (1.6)"),
    Rule("RPC-011", M, f"{J16} §4.2.1 Table 4; {P4_201} §4.1.6; {P4_21} §4.1.6",
         "The Action of a CALL (or 2.1 SEND) names a message of the negotiated OCPP version, case-sensitively.",
         "Known action"),
    Rule("RPC-012", M, "OCPP 1.6 chapters 4 and 5; OCPP 2.0.1/2.1 Part 2 message directions",
         "A party initiates only messages its role may send (BootNotification only from the charging station, "
         "Reset only from the CSMS; DataTransfer either way).",
         "Action direction"),
    Rule("RPC-013", M, f"{J16} §4.2.1-4.2.2; {P4_201} §4.1.5",
         "The payload of a CALL, CALLRESULT or SEND is a JSON object, {} when empty.",
         "Payload is an object"),
    Rule("RPC-015", M, f"{J16} §4.2.3 Table 7; {P4_201} §4.3 Table 8; {P4_21} §4.3 Table 9",
         "The ErrorCode of a CALLERROR is one of the version's error codes.",
         "Valid error code"),
    Rule("RPC-015a", S, f"{J16} §4.2.3 Table 7; {P4_201} §4.3 Table 8; OCPP 1.6-J errata §5",
         "The ErrorCode uses the version's own spelling (1.6: FormationViolation, OccurenceConstraintViolation; "
         "2.x: FormatViolation, OccurrenceConstraintViolation). A warning only: the specifications and their errata "
         "print both spellings, and the errata keep the 1.6 ones as a known issue that will not be fixed.",
         "Canonical error code spelling"),
    Rule("RPC-016", M, f"{J16} §4.2.3 Table 6; {P4_201} §4.2.3 Table 7; {P4_21} §4.2.3",
         "ErrorDescription is a string (at most 255 characters in 2.x) and ErrorDetails a JSON object.",
         "Error description and details"),
    Rule("RPC-019", M, f"{J16} §4.2.3; {P4_21} §4.2.3",
         "A CALLERROR answers a CALL only, never a CALLRESULT or CALLERROR.",
         "CALLERROR answers only a CALL"),
    Rule("RPC-021", M, f"{P4_21} §4.1.4, §4.2.3",
         "A CALLRESULTERROR carries the MessageId of a CALLRESULT its sender received.",
         "CALLRESULTERROR answers a CALLRESULT"),
    Rule("RPC-022", M, f"{P4_21} §4.2.4",
         "A SEND message is not answered: no CALLRESULT or CALLERROR carries its MessageId.",
         "SEND is not answered"),
    # -- schema ------------------------------------------------------------------------------
    Rule("SCH-001", M, f"{P4_201} §4.1.2; {P4_21} §4.1.2; OCPP 1.6 JSON schemas",
         "A CALL payload validates against the request schema of its action, a CALLRESULT against the response "
         "schema of the CALL it answers, a 2.1 SEND against its message schema.",
         "Payload matches the schema"),
    Rule("SCH-006a", S, f"OCPP 1.6 §2.2 (CiString types); {J16} §4.1.2",
         "OCPP 1.6 CiString fields hold printable ASCII only (\"Case Insensitive String. Only printable ASCII "
         "allowed.\"). A warning only: OCPP-J 1.6 §4.1.2 expects non-ASCII characters in natural-language text "
         "(\"SHOULD only use characters not in US-ASCII for sending natural-language text\"), which 1.6 carries in "
         "CiString fields.",
         "CiString is printable ASCII (1.6)"),
    Rule("SCH-007a", M, "OCPP 2.0.1 Part 2 §2.1.4 (dateTime)",
         "OCPP 2.0.1 date-time values carry at most three fractional-second digits.",
         "date-time precision (2.0.1)"),
    Rule("SCH-012", M, "Improved security for OCPP 1.6-J (white paper), Edition 3",
         "The 1.6 security white-paper messages are used only when the implementation declares white-paper support.",
         "White-paper messages need white-paper support (1.6)"),
    # -- behaviour: registration (conformance.rules.registration) ---------------------------
    Rule("BEH-001", M, "OCPP 1.6 §4.2; OCPP 2.0.1 Part 2 B01",
         "Between a (re)boot and a BootNotification answered Accepted or Pending the charge point sends no other "
         "request, queued messages included (\"the Charge Point SHALL NOT send any other request to the Central "
         "System. This includes cached messages\"; 2.0.1 B01 asks the same of a Charging Station).",
         "Nothing before the BootNotification is accepted"),
    Rule("BEH-005", M, "OCPP 1.6 §4.2; OCPP 2.0.1 Part 2 B03 (B03.FR.02, B03.FR.08)",
         "While its registration is Rejected the charge point sends nothing but its next BootNotification and answers "
         "no request of the Central System (\"SHALL NOT send any OCPP message to the Central System until the "
         "aforementioned retry interval has expired\"; \"SHALL NOT respond to any Central System initiated "
         "message\"); a 2.0.1 Charging Station answers a CSMS request while Rejected only with CALLERROR "
         "SecurityError.",
         "Silence while Rejected"),
    Rule("BEH-006a", M, "OCPP 1.6 §4.2; OCPP 2.0.1 Part 2 B02 (B02.FR.02)",
         "While its registration is Pending the charge point sends only the requests a TriggerMessage asked for "
         "(\"The Charge Point SHALL NOT send request messages to the Central System unless it has been instructed "
         "by the Central System to do so with a TriggerMessage.req request\"); a 2.0.1 Charging Station also sends "
         "the NotifyReport messages of a report the CSMS asked for with GetBaseReport or GetReport.",
         "Only triggered requests while Pending"),
    # -- behaviour: transactions of a 2.x charging station (conformance.rules.transactions) -------
    Rule("BEH-014", M, "OCPP 2.0.1 Part 2 E01-E04 (TransactionEventRequest.seqNo)",
         "The seqNo of a transaction's TransactionEventRequest messages starts at 0 and increases by one with every "
         "message of the transaction, without gaps, also across offline periods and reconnections; a message sent "
         "again after a failure repeats its seqNo unchanged.",
         "Transaction seqNo counts without gaps"),
    Rule("BEH-014a", M, "OCPP 2.0.1 Part 2 E01-E03, E06",
         "A transaction is reported with eventType Started first and once, Updated any number of times, and Ended "
         "once, as its last message.",
         "Started, Updated, Ended in order"),
    Rule("BEH-014b", M, "OCPP 2.0.1 Part 2 E01 (one transaction per EVSE)",
         "A transaction stays on the EVSE it was reported on: its messages never name another EVSE.",
         "A transaction keeps its EVSE"),
    Rule("BEH-008b", M, "OCPP 2.0.1 Part 2 E04",
         "The transaction-related messages of a transaction are sent in the order the events happened: their "
         "timestamps never go back.",
         "Transaction events in chronological order"),
    # -- behaviour: transaction-related messages ---------------------------------------------
    Rule("BEH-010a", S, "OCPP 1.6 §3.7.1",
         "A transaction-related message the Central System failed to process is sent again after "
         "TransactionMessageRetryInterval times the number of its preceding transmissions (\"Before every "
         "retransmission, it SHOULD wait as many seconds as specified in its TransactionMessageRetryInterval key, "
         "multiplied by the number of preceding transmissions of this same message\").",
         "Transaction message retry interval"),
    # -- behaviour: remote trigger and local list management (cases' own findings) ---------------
    Rule("BEH-020", S, "OCPP 1.6 §5.17",
         "A TriggerMessage.req is answered for the connectors it concerns: \"if the specified connectorId is not "
         "relevant to the message, it should be ignored. In such cases the requested message should still be sent\"; "
         "\"if the connectorId is relevant but absent, this should be interpreted as 'for all allowed connectorId "
         "values'\".",
         "Triggered messages for the connectors concerned"),
    Rule("BEH-021", S, "OCPP 1.6 §5.15",
         "After a differential list update answered Failed or VersionMismatch the Central System sends the full list "
         "(\"If the status is Failed or VersionMismatch and the updateType was Differential, then the Central System "
         "SHOULD retry sending the full local authorization list with updateType = Full.\").",
         "Full list after a failed differential update"),
    # -- timing ------------------------------------------------------------------------------
    Rule("BEH-012", M, f"{J16} §4.1.1; {P4_201} §4.1.1; {P4_21} §4.1.1",
         "Every CALL is answered before the response timeout expires.",
         "Answer within the response timeout"),
    Rule("BEH-012a", M, f"{J16} §4.1.1; {P4_201} §4.1.1; {P4_21} §4.1.1",
         "A reply arrives before the response timeout; one arriving later is late, the caller has given up on it.",
         "Late reply"),
)
