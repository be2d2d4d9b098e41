"""What the suite does on its own initiative when it plays an OCPP 2.0.1 charging station: boot, report status, run
transactions, send the reports the CSMS asked for, reset — as a correct station does — and how it judges the
meaning of every answer of the CSMS under test (registration, clock, heartbeat interval, IdTokenInfo).

The station's state lives in the link's `ChargingStationResponder201`; `SuiteStation201` is the behaviour on top.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone
from typing import Any

from conformance.errors import ExpectationFailed, Inconclusive
from conformance.ocpp201.roles.charging_station import SuiteTransaction
from conformance.ocpp201.roles.transactions import StationTransactions
from conformance.session import measure
from conformance.timestamps import parse_iso, utc_now
from conformance.wire import Record

SUITE_STATION = {"model": "suite-station", "vendorName": "ocpp-conformance",
                 "serialNumber": "OCPPC-0201", "firmwareVersion": "0.1.0"}
REPORT_PART = 8  # report data entries per NotifyReport the suite's station sends

REQ_BOOT = ("The CSMS SHALL answer BootNotificationRequest with a registration status, its current time and an "
            "interval (Part 2 B01-B03).")
REQ_STATUS = "The CSMS SHALL answer every StatusNotificationRequest (Part 2 G01)."
REQ_TX = ("The CSMS SHALL answer every TransactionEventRequest, with the IdTokenInfo of the IdToken it carries (Part 2 "
          "E01, E05).")
REQ_GROUP = ("The IdTokenInfo of an IdToken that belongs to a group SHALL carry that group's groupIdToken: the "
             "station recognises the tokens allowed to stop each other's transactions by it (Part 2 C09, E06).")
REQ_REPORT = "The CSMS SHALL answer every NotifyReportRequest of a report it asked for (Part 2 B07, B08)."


async def boot_station(link: Any, *, force: bool = False, reason: str = "PowerUp") -> Any:
    """OCTT "Before: Booted": BootNotification and the connectors' statuses once per connection (or when `force`),
    then the suite's station is put back to idle. Returns the BootNotificationResponse, or None when it was already
    booted on this connection."""
    station = SuiteStation201(link)
    conf = None
    if force or link.booted_on != link.peer.connection_no or station.model.registration != "Accepted":
        conf = await station.boot_now(reason=reason)
    if not force:
        await station.idle()
    return conf


async def operator_command(iut: Any, csms: Any, action: str, payload: dict, *, requirement: str,
                           within: float | None = None, as_asked: tuple[str, ...] = ()) -> Record:
    """Make the CSMS under test send `action` to the suite's station through its driver (the operator's API), and
    return that CALL as it arrived; `as_asked` names fields it must carry exactly as the operator asked."""
    since = csms.wire.last_seq
    await iut.send_command(action, payload, csms.identity)
    req = await csms.expect(action, within=within, after=since, requirement=requirement)
    for name in as_asked:
        got = (req.payload or {}).get(name)
        assert got == payload.get(name), (
            f"[behaviour] {action}Request (#{req.seq}) has {name} {got!r}, the operator asked for {payload.get(name)!r}")
    return req


class SuiteStation201:
    """The suite's charging station when it tests a CSMS (the `station` fixture)."""

    def __init__(self, link: Any) -> None:
        self.link = link
        self.peer = link.peer
        self.model = link.responder
        self.descriptor = link.descriptor
        self.timeouts = link.descriptor.timeouts
        self.model.bind(self)

    # -- connection and registration ---------------------------------------------------------------------------------
    async def reconnect(self, *, subprotocols: list[str] | None = None) -> Any:
        if self.peer.connected:
            await self.link.endpoint.disconnect()
        return await self.link.endpoint.connect(subprotocols=subprotocols)

    async def connect_raw(self, *, subprotocols: list[str] | None) -> Any:
        """An extra connection not handed to the peer (handshake cases)."""
        return await self.link.endpoint.connect(subprotocols=subprotocols, attach=False)

    async def boot_now(self, *, reason: str = "PowerUp", expect: str | None = "Accepted") -> Any:
        """BootNotification, its answer judged (`expect`: the status a CSMS that knows the station gives; None: any),
        then, when Accepted, every connector's status."""
        conf = await self.peer.call("BootNotification", {"reason": reason, "chargingStation": dict(SUITE_STATION)},
                                    requirement=REQ_BOOT)
        self.check_boot(conf, expect)
        status = conf.payload.get("status")
        self.model.registration = status
        if status == "Accepted":
            self.link.booted_on = self.peer.connection_no
            interval = conf.payload.get("interval")
            if isinstance(interval, int) and interval > 0:
                self.model.model.variable("OCPPCommCtrlr", "HeartbeatInterval").attributes["Actual"].value = \
                    str(interval)
            for e in self.model.evses.values():
                e.reported.clear()
            await self.report_statuses()
        return conf

    async def boot_again(self, refused: Any, *, expect: str | None = "Accepted") -> Any:
        """A station whose BootNotification was not accepted boots again once the interval the CSMS gave has passed
        (Part 2 B02, B03: the interval is the minimum wait; 0 lets the station choose: it waits one second). An
        interval too long for a test run leaves the case inconclusive."""
        interval = refused.payload.get("interval")
        wait = interval if isinstance(interval, int) and interval > 0 else 1
        limit = self.timeouts.expect
        if wait > limit:
            raise Inconclusive("the suite's charging station boots again after the CSMS's retry interval",
                               f"the CSMS asked it to wait {wait} s, longer than the {limit:g} s a case waits "
                               "(timeouts.expect) — configure a shorter retry interval for Pending in the CSMS",
                               frame_seq=refused.record.seq)
        await asyncio.sleep(wait)  # the station's own retry timer, as the CSMS set it
        return await self.boot_now(reason="PowerUp", expect=expect)

    async def unsolicited(self, action: str, payload: dict) -> Any:
        """A request the station sends although it may not (e.g. while its registration is Pending or Rejected): a
        deliberate violation of the station, never judged against the CSMS; returns the CSMS's answer (a Record) or
        None when none came within the response timeout."""
        return await self.peer.probe(action, payload, self.timeouts.response)

    async def heartbeat(self) -> Any:
        beat = await self.peer.call("Heartbeat", {}, requirement="The CSMS SHALL answer HeartbeatRequest with its "
                                                                 "current time (Part 2 G02).")
        self.check_clock("HeartbeatResponse", beat.payload.get("currentTime"))
        return beat

    async def report_statuses(self, *, force: bool = True) -> None:
        for e in self.model.evses.values():
            for connector in range(1, e.connectors + 1):
                await self._report_status(e.id, connector, force=force)

    async def status(self, evse: int, status: str, connector: int = 1) -> Any:
        """Report a connector status as given (whatever the model thinks); returns the answer."""
        result = await self.peer.call("StatusNotification", {"timestamp": utc_now(), "connectorStatus": status,
                                                             "evseId": evse, "connectorId": connector},
                                      requirement=REQ_STATUS)
        self.model.evses[evse].reported[connector] = status
        return result

    async def _report_status(self, evse: int, connector: int = 1, *, force: bool = False) -> None:
        state = self.model.connector_state(evse, connector)
        e = self.model.evses[evse]
        if not force and e.reported.get(connector) == state:
            return
        if not self.peer.connected:
            self._not_connected("StatusNotification")
        await self.status(evse, state, connector)

    # -- transactions -----------------------------------------------------------------------------------------------
    def id_token(self, token: str) -> dict:
        return {"idToken": token, "type": self.descriptor.id_token_type(token)}

    async def plug_in(self, evse: int) -> None:
        self.model.evses[evse].plugged = True
        await self._report_status(evse)

    async def start_transaction(self, evse: int, token: str, *, trigger: str = "Authorized",
                                remote_start_id: int | None = None) -> SuiteTransaction:
        """OCTT "EnergyTransferStarted": the cable is in and the driver authorized; TransactionEvent Started with
        the IdToken, its IdTokenInfo judged against the token's status in the descriptor."""
        e = self.model.evses[evse]
        if not e.plugged:
            await self.plug_in(evse)
        tx = SuiteTransaction(str(uuid.uuid4()), evse, self.id_token(token))
        e.transaction = tx
        info: dict[str, Any] = {"transactionId": tx.transaction_id, "chargingState": "Charging"}
        if remote_start_id is not None:
            info["remoteStartId"] = remote_start_id
        result = await self._transaction_event(tx, "Started", trigger, info, id_token=tx.id_token)
        self.check_id_token_info(result, token, "TransactionEventResponse")
        return tx

    async def stop_transaction(self, evse: int, reason: str = "Local", trigger: str = "StopAuthorized") -> Any:
        e = self.model.evses[evse]
        tx = e.transaction
        if tx is None:
            return None
        e.transaction = None
        info = {"transactionId": tx.transaction_id, "chargingState": "EVConnected" if e.plugged else "Idle",
                "stoppedReason": reason}
        result = await self._transaction_event(tx, "Ended", trigger, info)
        await self._report_status(evse)
        await self._transaction_gone(tx)
        return result

    async def _transaction_event(self, tx: SuiteTransaction, event_type: str, trigger: str, info: dict, *,
                                 id_token: dict | None = None) -> Any:
        payload: dict[str, Any] = {"eventType": event_type, "timestamp": utc_now(), "triggerReason": trigger,
                                   "seqNo": tx.seq_no, "transactionInfo": info,
                                   "evse": {"id": tx.evse, "connectorId": 1}}
        if id_token is not None:
            payload["idToken"] = id_token
        tx.seq_no += 1
        if not self.peer.connected:
            self._not_connected("TransactionEvent")
        return await self.peer.call("TransactionEvent", payload, requirement=REQ_TX)

    async def remote_start(self, evse: int, token: dict, remote_start_id: Any) -> SuiteTransaction:
        """After an accepted RequestStartTransaction: the EV is there, the transaction starts (F01)."""
        return await self.start_transaction(evse, str(token.get("idToken", "")), trigger="RemoteStart",
                                            remote_start_id=remote_start_id if isinstance(remote_start_id, int)
                                            else None)

    async def deliver_queue(self) -> list[Any]:
        """The transaction events queued while offline, oldest first (E12)."""
        return await StationTransactions(self).deliver_queue()

    async def _transaction_gone(self, tx: SuiteTransaction) -> None:
        scheduled = self.model.scheduled_reset
        if scheduled is not None and tx.transaction_id in scheduled[2]:
            scheduled[2].discard(tx.transaction_id)
            if not scheduled[2]:
                self.model.scheduled_reset = None
                await self.reset(scheduled[0], scheduled[1])

    # -- reactions to the CSMS's requests ------------------------------------------------------------------------------
    async def reaction(self, request: Record, within: float | None = None) -> Any:
        """What the station did after answering the CSMS's `request` (e.g. the BootNotificationResponse after a
        Reset); re-raises a deviation of the CSMS found meanwhile."""
        fut = self.model.reaction_future(request.unique_id or "")
        t = self.timeouts
        within = within if within is not None else t.connect + 6 * t.response + t.tolerance
        try:
            return await asyncio.wait_for(asyncio.shield(fut), within)
        except TimeoutError:
            from conformance.errors import Broken

            raise Broken(f"the suite's charging station did not finish acting on {request.action} (#{request.seq}) "
                         f"within {within:g} s") from None

    async def send_report(self, request_id: Any, data: list[dict]) -> list[Any]:
        """The report a GetBaseReport / GetReport asked for: NotifyReport parts numbered from seqNo 0, tbc true on
        all but the last; every part must be answered."""
        parts = [data[i:i + REPORT_PART] for i in range(0, len(data), REPORT_PART)] or [[]]
        generated = utc_now()
        answers = []
        for number, part in enumerate(parts):
            body: dict[str, Any] = {"requestId": request_id, "generatedAt": generated, "seqNo": number,
                                    "tbc": number < len(parts) - 1}
            if part:
                body["reportData"] = part
            answers.append(await self.peer.call("NotifyReport", body, requirement=REQ_REPORT))
        return answers

    async def reset(self, kind: str, evse: int | None) -> Any:
        """Immediate: running transactions end first (ImmediateReset, B12.FR.04); then the EVSE is reset
        (Unavailable, then back), or the station reboots and boots with reason RemoteReset (B11)."""
        targets = [evse] if evse is not None else list(self.model.evses)
        for n in targets:
            if self.model.evses[n].transaction is not None:
                await self.stop_transaction(n, "ImmediateReset", "ResetCommand")
        if evse is not None:
            e = self.model.evses[evse]
            e.resetting = True
            await self._report_status(evse)
            e.resetting = False
            await self._report_status(evse)
            return None
        self.model.registration = None
        await self.peer.close(1001, "rebooting")
        self.use_network_profile()
        if not self.peer.connected:
            await self.link.endpoint.connect()
        return await self.boot_now(reason="RemoteReset")

    def use_network_profile(self) -> None:
        """After a reboot the station connects with the first profile NetworkConfigurationPriority names that it
        holds (B10; slot 0 is the descriptor's connection); a higher security profile is used from then on (A05)."""
        priority = self.model.model.variable("OCPPCommCtrlr", "NetworkConfigurationPriority").attributes["Actual"]
        for slot in str(priority.value or "").split(","):
            slot = slot.strip()
            if slot == "0":
                return
            data = self.model.network_profiles.get(int(slot)) if slot.isdigit() else None
            if data is None:
                continue
            profile = data.get("securityProfile")
            if isinstance(profile, int) and profile > self.link.endpoint.profile:
                self.link.endpoint.configure(profile=profile)
                self.model.model.variable("SecurityCtrlr", "SecurityProfile").attributes["Actual"].value = str(profile)
            return

    async def triggered(self, message: str, evse: int | None) -> Any:
        if message == "BootNotification":
            return await self.boot_now(reason="Triggered", expect=None)
        if message == "Heartbeat":
            return await self.heartbeat()
        if message == "StatusNotification":
            targets = [evse] if evse is not None else list(self.model.evses)
            for n in targets:
                await self._report_status(n, force=True)
            return None
        if message in ("FirmwareStatusNotification", "LogStatusNotification"):
            return await self.peer.call(message, {"status": "Idle"},
                                        requirement=f"The CSMS SHALL answer {message}Request (Part 2 F06).")
        if message == "MeterValues":
            for n in ([evse] if evse is not None else list(self.model.evses)):
                await self.peer.call("MeterValues", {"evseId": n, "meterValue": [
                    {"timestamp": utc_now(), "sampledValue": [{"value": 0, "context": "Trigger"}]}]},
                    requirement="The CSMS SHALL answer MeterValuesRequest (Part 2 J).")
            return None
        for n in ([evse] if evse is not None else list(self.model.evses)):  # TransactionEvent
            tx = self.model.evses[n].transaction
            if tx is not None:
                await self._transaction_event(tx, "Updated", "Trigger", {"transactionId": tx.transaction_id})
        return None

    async def change_availability(self, operative: bool, evse: int | None) -> None:
        if evse is None:
            self.model.operative = operative
        else:
            self.model.evses[evse].operative = operative
        for n in self.model.evses:
            await self._report_status(n)

    # -- back to idle between cases -----------------------------------------------------------------------------------
    async def idle(self) -> None:
        """No transaction, cables out, everything Operative, the device model as before the case, registered."""
        m = self.model
        await self._finish_reactions()
        m.forget_reactions()
        if m.registration not in (None, "Accepted") and self.peer.connected:
            await self.link.endpoint.disconnect()  # a station left Pending or Rejected reboots to register again
        if not self.peer.connected:
            await self.link.endpoint.connect()
        if m.registration != "Accepted":
            await self.boot_now()
        for e in m.evses.values():
            if e.transaction is not None:
                await self.stop_transaction(e.id, "Local")
            e.plugged = False
        m.restore_case()
        for e in m.evses.values():
            await self._report_status(e.id)

    async def _finish_reactions(self) -> None:
        current = asyncio.current_task()
        pending = [t for t in self.model.tasks if t is not current and not t.done()]
        if pending:
            t = self.timeouts
            await asyncio.wait(pending, timeout=t.connect + 6 * t.response + t.tolerance)
            for task in pending:
                task.cancel()

    def _not_connected(self, action: str) -> None:
        info = self.peer.close_info
        why = (f"the connection was closed by {info.get('by', 'the network')} (code {info.get('code')})" if info
               else "it has not connected")
        raise Inconclusive("the suite's charging station is connected to the CSMS",
                           f"it had to send {action}, but {why}", frame_seq=getattr(self.link.last_close(), "seq", None))

    # -- judging the CSMS's answers -------------------------------------------------------------------------------------
    def check_boot(self, conf: Any, expect: str | None = "Accepted") -> None:
        payload = conf.payload
        status = payload.get("status")
        if expect is not None and status != expect:
            raise ExpectationFailed(
                f"the CSMS answered BootNotification with status {status!r}, expected {expect!r}",
                "  requirement: a CSMS that knows the charging station answers its BootNotification as configured\n"
                + self.peer.last_frames())
        interval = payload.get("interval")
        measure("heartbeat_interval_s" if status == "Accepted" else "boot_retry_interval_s", interval)
        if status == "Accepted" and (not isinstance(interval, int) or isinstance(interval, bool) or interval <= 0):
            self._deviation(f"BootNotificationResponse interval {interval!r} is not a usable heartbeat interval (a "
                            "positive number of seconds)", REQ_BOOT)
        self.check_clock("BootNotificationResponse", payload.get("currentTime"))

    def check_clock(self, where: str, current_time: Any) -> None:
        theirs = parse_iso(current_time)
        if theirs is None:
            self._deviation(f"{where} has currentTime {current_time!r}, not a date-time", REQ_BOOT)
        skew = (theirs - datetime.now(timezone.utc)).total_seconds()
        measure(f"{where.removesuffix('Response').lower()}_current_time_skew_s", round(skew, 3))
        if abs(skew) > self.timeouts.tolerance:
            raise ExpectationFailed(
                f"{where} currentTime is {skew:+.1f} s off the suite's clock (tolerance {self.timeouts.tolerance:g} s)",
                "  requirement: the CSMS's currentTime is the station's time reference (Part 2 B01, G02)\n"
                + self.peer.last_frames(), category="timing")

    def expected_status(self, token: str) -> str | None:
        for known, status in self.descriptor.id_tags.statuses().items():
            if known.lower() == token.lower():
                return status
        return None

    def check_id_token_info(self, result: Any, token: str, where: str) -> None:
        info = result.payload.get("idTokenInfo") if isinstance(result.payload, dict) else None
        if not isinstance(info, dict):
            self._deviation(f"{where} has no idTokenInfo for IdToken {token} (got {info!r})", REQ_TX)
        expected = self.expected_status(token)
        if expected is not None and info.get("status") != expected:
            self._deviation(f"{where} idTokenInfo.status is {info.get('status')!r} for IdToken {token}, which the CSMS "
                            f"should know as {expected}", REQ_TX)
        tags = self.descriptor.id_tags
        members = {t.lower() for t in (tags.child_id_tag, tags.sibling_id_tag) if t}
        if tags.parent_id_tag and token.lower() in members:
            group = str((info.get("groupIdToken") or {}).get("idToken", ""))
            if group.lower() != tags.parent_id_tag.lower():
                self._deviation(f"{where} idTokenInfo.groupIdToken is {info.get('groupIdToken')!r} for IdToken {token}, "
                                f"a member of group {tags.parent_id_tag}", REQ_GROUP)

    def _deviation(self, message: str, requirement: str) -> None:
        raise ExpectationFailed(message, f"  requirement: {requirement}\n" + self.peer.last_frames())
