"""The registration gate: what a charging station may send before its BootNotification is accepted.

OCPP 1.6 §4.2 and 2.0.1 Part 2 B01-B03: between a (re)boot and a BootNotification answered Accepted or Pending the
charging station sends no other request (BEH-001); while Pending it sends only what a TriggerMessage asked for, and in
2.x the reports a GetBaseReport or GetReport asked for (BEH-006a); while Rejected it sends nothing but the next
BootNotification and answers nothing (1.6), or answers only with CALLERROR SecurityError (2.x, BEH-005). The gate follows one link across its
connections, on every boot, whichever case is running: a BootNotification marks a (re)boot, so a request that came
before it on the same connection was sent too early, unless a TriggerMessage asked for that BootNotification or the
station accepted a Reset meanwhile (a restart that keeps the connection: what came before the Reset was before it).

The gate sees well-formed frames only, after the judge has parsed and correlated them; it keeps a few fields per
link and costs one comparison per frame that is neither a BootNotification nor a trigger.
"""

from __future__ import annotations

from typing import Any

from conformance.frames import CALLRESULT, clip
from conformance.protocol import Protocol
from conformance.wire import Role

Found = list[tuple[str, str]]

BOOTING = "Booting"  # a BootNotification was sent and not (yet) answered Accepted, Pending or Rejected
REGISTRATION_STATUSES = ("Accepted", "Pending", "Rejected")


class RegistrationGate:
    """The registration state of the charging station of one link, and the requests it allows."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.boot_action = protocol.boot_action
        self.station = protocol.charge_point_name
        self.registration: str | None = None  # None: no BootNotification seen on this link yet
        self.boot_seq: int | None = None  # the BootNotification the registration state comes from
        self.granted: set[str] = set()  # actions a TriggerMessage asked for while not Accepted
        self.triggered_boot = False  # a TriggerMessage asked for a BootNotification
        self.triggers: dict[str, str] = {}  # MessageId of an unanswered TriggerMessage -> the action it asks for
        self.first_on_connection: tuple[str, int] | None = None  # first request of the station on this connection
        self.boot_on_connection = False
        self.resets: set[str] = set()  # MessageIds of unanswered Reset requests
        self.reset_accepted = False  # a Reset was accepted on this connection and no BootNotification followed yet

    def new_connection(self) -> None:
        self.first_on_connection = None
        self.boot_on_connection = False
        self.reset_accepted = False
        self.triggers.clear()
        self.resets.clear()

    # -- requests ----------------------------------------------------------------------------
    def call(self, sender: Role, action: str, message_id: str, payload: Any, seq: int, found: Found) -> None:
        if sender is Role.CSMS:
            if action == self.protocol.reset_action:
                self.resets.add(message_id)
            elif action in self.protocol.pending_report_actions:
                wanted = self.protocol.pending_report_actions[action]
                self.triggers[message_id] = wanted
                self._grant(wanted)
            elif action in self.protocol.trigger_actions and type(payload) is dict:
                requested = payload.get(self.protocol.trigger_field)
                if type(requested) is str:
                    wanted = self.protocol.triggered_actions.get(requested, requested)
                    self.triggers[message_id] = wanted
                    self._grant(wanted)  # the answer may trail the triggered message; a refusal takes it back
            return
        if action == self.boot_action:
            self._boot(seq, found)
            return
        if self.first_on_connection is None and not self.boot_on_connection and not self.reset_accepted:
            self.first_on_connection = (action, seq)
        state = self.registration
        if state is None or state == "Accepted":
            return
        if state == BOOTING:
            found.append(("BEH-001", f"{action} sent while the {self.boot_action} (#{self.boot_seq}) is not answered "
                                     f"Accepted or Pending; after a (re)boot the {self.station} sends no other request "
                                     "until then"))
        elif state == "Pending":
            if action not in self.granted:
                found.append(("BEH-006a", f"{action} sent while the registration is Pending ({self.boot_action} "
                                          f"#{self.boot_seq}); only messages a TriggerMessage asks for may be sent"))
        elif state == "Rejected":
            found.append(("BEH-005", f"{action} sent while the registration is Rejected ({self.boot_action} "
                                     f"#{self.boot_seq}); nothing but the next {self.boot_action} may be sent"))

    def _boot(self, seq: int, found: Found) -> None:
        first = self.first_on_connection
        if first is not None and not self.boot_on_connection and not self.triggered_boot:
            found.append(("BEH-001", f"{first[0]} (#{first[1]}) was sent before {self.boot_action} on this "
                                     f"connection; after a (re)boot the {self.station} sends {self.boot_action} "
                                     "before any other request"))
        self.boot_on_connection = True
        self.reset_accepted = False
        self.triggered_boot = False
        self.registration = BOOTING
        self.boot_seq = seq

    def _grant(self, action: str) -> None:
        if action == self.boot_action:
            self.triggered_boot = True
        else:
            self.granted.add(action)

    # -- replies -----------------------------------------------------------------------------
    def reply(self, sender: Role, action: str | None, message_id: str, message_type: int, payload: Any,
              found: Found, error_code: str | None = None) -> None:
        """A reply of `sender` to a CALL of the other side (`action`, MessageId `message_id`)."""
        if sender is Role.CSMS:
            if action == self.boot_action and message_type == CALLRESULT and type(payload) is dict:
                status = payload.get("status")
                if status in REGISTRATION_STATUSES:
                    if status != self.registration:
                        self.granted.clear()
                    self.registration = status
            return
        allowed = self.protocol.rejected_reply_code
        if self.registration == "Rejected" and not (allowed and message_type != CALLRESULT and error_code == allowed):
            what = f"only with CALLERROR {allowed}" if allowed else "nothing"
            found.append(("BEH-005", f"the {self.station} answered {action or 'a CALL'} "
                                     f"'{clip(message_id, 40)}' while its registration is Rejected "
                                     f"({self.boot_action} #{self.boot_seq}); while Rejected it answers {what}"))
        accepted = message_type == CALLRESULT and type(payload) is dict and payload.get("status") == "Accepted"
        if message_id in self.resets:
            self.resets.discard(message_id)
            if accepted:  # the restart may keep the connection: what the station sent so far came before it
                self.reset_accepted = True
                self.first_on_connection = None
                self.boot_on_connection = False
        wanted = self.triggers.pop(message_id, None)
        if wanted is not None:
            if not accepted:
                if wanted == self.boot_action:
                    self.triggered_boot = False
                else:
                    self.granted.discard(wanted)
