"""What the suite does on its own initiative when it plays the charge point: boot, report status, run charging
sessions, go offline and come back, reboot — as a correct OCPP 1.6 charger does — and how it judges the meaning of
every answer of the Central System under test (id tag statuses, transaction ids, clock, heartbeat interval).

The charger's state lives in the link's `ChargePointResponder16` (`conformance.ocpp16.roles.charge_point`);
`SuiteStation` is the behaviour on top of it. A
case drives the physical side (plug in, present a card, cut the network); commands of the Central System are
answered by the responder and, once accepted, carried out here in the background (`reaction`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from conformance.errors import Broken, ExpectationFailed, Inconclusive
from conformance.ocpp16.roles.charge_point import SuiteTransaction
from conformance.ocpp16.roles.reservation import admit
from conformance.session import measure
from conformance.timestamps import iso, parse_iso, utc_now
from conformance.wire import Record

SUITE_STATION = {
    "chargePointVendor": "ocpp-conformance",
    "chargePointModel": "suite-charge-point",
    "chargePointSerialNumber": "OCPPC-0001",
    "firmwareVersion": "0.1.0",
}

ENERGY = "Energy.Active.Import.Register"
WH_PER_SAMPLE = 125  # energy the simulated EV draws between two meter readings
OFFLINE_PERIOD_S = 300  # how long an offline period of the suite's charger lasts, as its queued timestamps show it

REQ_BOOT = "The Central System SHALL answer BootNotification with a registration status, its current time and, when " \
           "Accepted, the heartbeat interval (OCPP 1.6 §4.2)."
REQ_ID_TAG = "The Central System SHALL answer with the idTagInfo of the id tag as its token database has it " \
             "(OCPP 1.6 §4.1, §4.8, §4.10)."
REQ_START = "The Central System SHALL answer StartTransaction with a transactionId and the idTagInfo (OCPP 1.6 §4.8)."
REQ_STOP = "The Central System SHALL answer StopTransaction; it cannot refuse the stop (OCPP 1.6 §4.10)."
REQ_STOP_ID_TAG = "A StopTransaction.req with an idTag is answered with that idTag's idTagInfo: the field is " \
                  "optional only \"because a transaction may have been stopped without an identifier\" (OCPP 1.6 " \
                  "§6.50), and the charge point updates its Authorization Cache from it (§4.10)."
REQ_STATUS = "The Central System SHALL answer every StatusNotification (OCPP 1.6 §4.9)."
REQ_METER = "The Central System SHALL answer MeterValues (OCPP 1.6 §4.7)."


async def boot_charge_point(link: Any, *, force: bool = False) -> Any:
    """OCTT "Before: booted": BootNotification and the connectors' statuses once per connection (or when `force`),
    then the suite's charge point is put back to idle (no transaction, cables out, connectors Available).
    Returns the BootNotification.conf, or None when the charger was already booted on this connection."""
    station = SuiteStation(link)
    conf = None
    if force or link.booted_on != link.peer.connection_no:
        conf = await station.boot_now()
    if not force:
        await station.idle()
    return conf


async def operator_command(iut: Any, csms: Any, action: str, payload: dict, *, requirement: str,
                           within: float | None = None, as_asked: tuple[str, ...] = ()) -> Record:
    """Make the Central System send `action` to the suite's charge point through its driver (the operator's API), and
    return that CALL as it arrived. The suite's charge point answers it (its responder, or a case's override).

    `as_asked` names payload fields the CALL must carry exactly as the operator asked (e.g. the connectorId)."""
    since = csms.wire.last_seq
    await iut.send_command(action, payload, csms.identity)
    req = await csms.expect(action, within=within, after=since, requirement=requirement)
    for field in as_asked:
        got = (req.payload or {}).get(field)
        assert got == payload.get(field), (
            f"[behaviour] {action}.req (#{req.seq}) has {field} {got!r}, the operator asked for {payload.get(field)!r}")
    return req


class SuiteStation:
    """The suite's charge point when it tests a CSMS (the `station` fixture)."""

    def __init__(self, link: Any) -> None:
        self.link = link
        self.peer = link.peer
        self.model = link.responder
        self.descriptor = link.descriptor
        self.timeouts = link.descriptor.timeouts
        self.model.bind(self)

    # ==============================================================================================================
    # connection
    async def reconnect(self, *, subprotocols: list[str] | None = None, password: Any = True) -> Any:
        """Drop the current connection (if any) and open a new one; returns the websockets connection."""
        if self.peer.connected:
            await self.link.endpoint.disconnect()
        return await self.link.endpoint.connect(subprotocols=subprotocols, password=password)

    async def connect_raw(self, *, subprotocols: list[str] | None, attach: bool = False) -> Any:
        """Open an extra connection without handing it to the peer (for handshake cases)."""
        return await self.link.endpoint.connect(subprotocols=subprotocols, attach=attach)

    async def boot(self, *, force: bool = True) -> Any:
        return await boot_charge_point(self.link, force=force)

    async def boot_now(self) -> Any:
        """Send BootNotification, judge the answer, then report every connector's status (connector 0 first)."""
        conf = await self.peer.call("BootNotification", dict(SUITE_STATION), requirement=REQ_BOOT)
        self.check_boot(conf)
        self.link.booted_on = self.peer.connection_no
        self.model.booted = True
        if isinstance(conf.payload.get("interval"), int):
            self.model.configuration["HeartbeatInterval"].value = str(conf.payload["interval"])
        for c in self.model.connectors:
            self.model.connectors[c].reported = None
            await self._report_status(c)
        return conf

    async def heartbeat(self) -> Any:
        beat = await self.peer.call("Heartbeat", {}, requirement="The Central System SHALL answer Heartbeat with its "
                                                                 "current time (OCPP 1.6 §4.6).")
        self._check_clock("Heartbeat.conf", beat.payload.get("currentTime"))
        return beat

    async def status(self, connector: int, status: str, error_code: str = "NoError") -> Any:
        """Report a connector status as given (whatever the model thinks); returns the StatusNotification.conf."""
        conn = self.model.connectors[connector]
        conn.status, conn.error_code = status, error_code
        result = await self._call("StatusNotification", {
            "connectorId": connector, "errorCode": error_code, "status": status, "timestamp": utc_now(),
        }, REQ_STATUS)
        conn.reported = (status, error_code)
        return result

    # ==============================================================================================================
    # the physical side, driven by the case
    def connector(self, c: int) -> Any:
        return self.model.connectors[c]

    def transaction(self, c: int) -> SuiteTransaction | None:
        return self.model.connectors[c].transaction

    @property
    def fixed_cable(self) -> bool:
        return self.model.fixed_cable

    @fixed_cable.setter
    def fixed_cable(self, value: bool) -> None:
        """The charger's cable is fixed (no lock to release) for this case."""
        self.model.fixed_cable = value

    def make_lock_fail(self, c: int) -> None:
        """The connector lock of `c` will fail to engage (for this case)."""
        self.model.lock_fails.add(c)

    def make_unlock_fail(self, c: int) -> None:
        """The connector lock of `c` will not release (for this case)."""
        self.model.unlock_fails.add(c)

    def forget_id_tag(self, id_tag: str) -> None:
        """Drop `id_tag` from the charger's authorization cache (the charger has never seen it)."""
        self.model.auth_cache.pop(id_tag.lower(), None)

    def configure(self, **values: Any) -> None:
        """Set the charger's own configuration for this case (restored afterwards), e.g. ConnectionTimeOut=2."""
        for key, value in values.items():
            self.model.set_for_case(key, value)

    async def plug_in(self, c: int) -> None:
        """The EV driver plugs the cable in: Preparing, or — with an id tag already accepted — the transaction starts."""
        conn = self.model.connectors[c]
        conn.plugged = True
        if conn.cable is not None:
            conn.cable.set()
        if conn.authorized is not None and conn.transaction is None:
            id_tag, conn.authorized = conn.authorized, None
            await self.start_transaction(c, id_tag)
        elif conn.transaction is None:
            await self._set_status(c, "Preparing")

    async def present_id_tag(self, id_tag: str, c: int = 1) -> dict:
        """The EV driver presents a card at connector `c`; returns the idTagInfo the charger acted on.

        Stops the running transaction of the same tag, or of another tag of its group (same parentIdTag, OCPP 1.6
        §3.10, learnt with Authorize); otherwise authorizes it (Authorize, or the cache / offline rules) and starts the
        transaction when the cable is in, or waits ConnectionTimeOut for it (Preparing)."""
        conn = self.model.connectors[c]
        tx = conn.transaction
        if tx is not None and tx.id_tag.lower() == id_tag.lower():
            await self.stop_transaction(c, "Local", id_tag=id_tag)
            return dict(tx.id_tag_info or {"status": "Accepted"})
        info = await self.authorize(id_tag)
        if tx is not None and info.get("status") == "Accepted" and _same_group(info, tx.id_tag_info):
            await self.stop_transaction(c, "Local", id_tag=id_tag)
            return info
        if info.get("status") != "Accepted" or tx is not None or not await admit(self, c, id_tag, info):
            return info
        await self._start_when_plugged(c, id_tag)
        return info

    async def authorize(self, id_tag: str) -> dict:
        """Decide about an id tag as a charger does (OCPP 1.6 §3.5): the Local Authorization List or else the cache
        with LocalPreAuthorize, else Authorize when online; offline the list or cache with LocalAuthorizeOffline, or
        AllowOfflineTxForUnknownId for tags neither knows."""
        m = self.model
        listed = m.listed(id_tag)  # the list has priority over the cache (§3.5.3)
        cached = m.cached(id_tag) if listed is None else (listed if listed.get("status") == "Accepted" else None)
        if not m.offline and self.peer.connected:
            if cached is not None and m.config_bool("LocalPreAuthorize"):
                return dict(cached)
            result = await self._call("Authorize", {"idTag": id_tag},
                                      "The Central System SHALL answer Authorize with the idTagInfo of the id tag (OCPP 1.6 §4.1).")
            info = self._id_tag_info_of(result, id_tag, "Authorize.conf")
            m.remember(id_tag, info)
            return dict(info)
        if cached is not None and m.config_bool("LocalAuthorizeOffline"):
            return dict(cached)
        if listed is None and id_tag.lower() not in m.auth_cache and m.config_bool("AllowOfflineTxForUnknownId"):
            return {"status": "Accepted"}
        return dict(listed) if listed is not None else {"status": "Invalid"}

    async def charging(self, c: int, id_tag: str) -> SuiteTransaction:
        """OCTT "Before: Charging": plug in, present `id_tag`, and the transaction runs (its id known)."""
        await self.plug_in(c)
        info = await self.present_id_tag(id_tag, c)
        tx = self.transaction(c)
        if info.get("status") != "Accepted" or tx is None or tx.transaction_id is None:
            raise ExpectationFailed(f"the charging session with {id_tag} on connector {c} did not start "
                                    f"(idTagInfo {info})", self.peer.last_frames())
        return tx

    async def ev_side_disconnect(self, c: int) -> None:
        """The cable is pulled out at the EV: SuspendedEV, then per StopTransactionOnEVSideDisconnect the transaction
        stops (EVDisconnected) and per UnlockConnectorOnEVSideDisconnect the lock releases."""
        m, conn = self.model, self.model.connectors[c]
        if conn.transaction is not None:
            await self._set_status(c, "SuspendedEV")
            if m.config_bool("StopTransactionOnEVSideDisconnect"):
                await self.stop_transaction(c, "EVDisconnected")
        if m.config_bool("UnlockConnectorOnEVSideDisconnect"):
            conn.locked = False

    async def unplug(self, c: int) -> None:
        """The cable is taken out of the charger (after the session, or after a lock failure): Available again."""
        conn = self.model.connectors[c]
        if conn.transaction is not None:
            conn.plugged = False
            await self.stop_transaction(c, "EVDisconnected")
        conn.plugged = conn.locked = False
        conn.error_code = "NoError"
        await self._set_status(c, self._idle_status(conn))

    async def meter_values(self, c: int, context: str = "Sample.Periodic") -> Any:
        """Send one meter sample of connector `c` (queued while offline when a transaction runs)."""
        conn = self.model.connectors[c]
        conn.energy_wh += WH_PER_SAMPLE
        sample = _sample(conn.energy_wh, context, self._now())
        tx = conn.transaction
        if tx is None:
            return await self._call("MeterValues", {"connectorId": c, "meterValue": [sample]}, REQ_METER)
        return await self._send_transaction_message(
            "MeterValues", lambda: {"connectorId": c, "transactionId": tx.transaction_id, "meterValue": [sample]}, REQ_METER)

    async def data_transfer(self, vendor_id: str, message_id: str | None = None, data: str | None = None) -> Any:
        payload = {"vendorId": vendor_id}
        if message_id is not None:
            payload["messageId"] = message_id
        if data is not None:
            payload["data"] = data
        return await self._call("DataTransfer", payload, "The Central System SHALL answer DataTransfer with a status "
                                                         "(OCPP 1.6 §4.3).")

    # ==============================================================================================================
    # transactions
    async def start_transaction(self, c: int, id_tag: str) -> SuiteTransaction | None:
        """Lock the cable and start the transaction (StartTransaction, queued while offline; then Charging)."""
        conn = self.model.connectors[c]
        self._stop_connection_timer(c)
        conn.authorized = None
        if c in self.model.lock_fails:
            await self._set_status(c, "Faulted", "ConnectorLockFailure")
            return None
        conn.locked = True
        tx = SuiteTransaction(connector=c, id_tag=id_tag, meter_start=conn.energy_wh, started_at=self._now())
        tx.begin = _sample(tx.meter_start, "Transaction.Begin", tx.started_at)
        conn.transaction = tx
        if self.model.offline:
            conn.status = "Charging"  # reported on reconnection, after the queued messages

        async def started(result: Any) -> None:
            await self._started(tx, result)

        reservation = self.model.reservations.take_claim(c, id_tag)  # {"reservationId": ...} of the one it uses
        await self._send_transaction_message("StartTransaction", lambda: {
            "connectorId": c, "idTag": id_tag, "meterStart": tx.meter_start, "timestamp": tx.started_at, **reservation,
        }, REQ_START, started)
        return tx

    async def _started(self, tx: SuiteTransaction, result: Any) -> None:
        tx.transaction_id = result.payload.get("transactionId")
        if not isinstance(tx.transaction_id, int) or isinstance(tx.transaction_id, bool):
            self._deviation(f"StartTransaction.conf has transactionId {tx.transaction_id!r}; it MUST include a "
                            "transaction id (an integer)", REQ_START)
        self._check_transaction_id(tx.transaction_id)
        tx.id_tag_info = self._id_tag_info_of(result, tx.id_tag, "StartTransaction.conf")
        self.model.remember(tx.id_tag, tx.id_tag_info)
        c = tx.connector
        if self.model.connectors[c].transaction is not tx:
            return  # already stopped (offline) — the queued StopTransaction follows
        if tx.id_tag_info.get("status") == "Accepted":
            await self._set_status(c, "Charging")
        elif self.model.config_bool("StopTransactionOnInvalidId"):
            await self.stop_transaction(c, "DeAuthorized")
        else:
            await self._set_status(c, "SuspendedEVSE")

    async def stop_transaction(self, c: int, reason: str = "Local", *, id_tag: str | None = None) -> Any:
        """End the transaction on `c` (StopTransaction with its meter readings, queued while offline); the connector
        goes Finishing while the cable is still in, else Available. Returns the StopTransaction.conf (None if queued)."""
        conn = self.model.connectors[c]
        tx = conn.transaction
        if tx is None:
            raise Broken(f"the suite's charge point has no transaction on connector {c} to stop")
        conn.transaction = None
        conn.energy_wh += WH_PER_SAMPLE
        stopped_at = self._now()
        payload = self._stop_payload(tx, conn.energy_wh, stopped_at, reason, id_tag)
        if reason in ("UnlockCommand", "EVDisconnected"):
            conn.locked = False

        async def stopped(result: Any) -> None:
            if id_tag:
                self._id_tag_info_of(result, id_tag, "StopTransaction.conf", REQ_STOP_ID_TAG)

        result = await self._send_transaction_message("StopTransaction", payload, REQ_STOP, stopped)
        await self._set_status(c, "Finishing" if conn.plugged else self._idle_status(conn))
        return result

    @staticmethod
    def _stop_payload(tx: SuiteTransaction, meter: int, stopped_at: str, reason: str,
                      id_tag: str | None) -> Callable[[], dict]:
        def build() -> dict:  # built when sent: a queued stop learns the transactionId from the queued start
            body = {"transactionId": tx.transaction_id, "meterStop": meter, "timestamp": stopped_at, "reason": reason,
                    "transactionData": [tx.begin, _sample(meter, "Transaction.End", stopped_at)]}
            if id_tag:
                body["idTag"] = id_tag
            return body
        return build

    async def _send_transaction_message(self, action: str, build: Callable[[], dict], requirement: str,
                                        handle: Callable[[Any], Any] | None = None) -> Any:
        """Transaction-related messages go out at once when online, else wait in the queue and are delivered in
        order, with their original timestamps, on reconnection (OCPP 1.6 §3.6)."""
        m = self.model
        entry = (action, build, (requirement, handle))
        if not m.offline and not self.peer.connected:
            self._not_connected(action)
        if m.offline or m.flushing or m.queue:
            m.queue.append(entry)
            return None
        return await self._deliver(entry)

    async def _deliver(self, entry: tuple) -> Any:
        action, build, (requirement, handle) = entry
        payload = build()
        if "transactionId" in payload and payload["transactionId"] is None:
            # its StartTransaction never got an id: no message may refer to that transaction (never with null)
            self.link.wire.event("note", dropped=f"queued {action} of a transaction the Central System never gave an id")
            return None
        result = await self._call(action, payload, requirement)
        if handle is not None:
            await handle(result)
        return result

    # ==============================================================================================================
    # offline and power
    async def go_offline(self, *, lasting: float = OFFLINE_PERIOD_S) -> None:
        """The network goes away: the connection closes; transaction messages queue up from now on.

        The offline period is simulated as lasting `lasting` seconds up to `come_online`, without waiting them: the
        charger's clock is set back by `lasting` while it is offline (and moved on with `let_time_pass`), so what it
        does meanwhile is stamped minutes before the reconnection, as after a real outage (OCPP 1.6 §3.7)."""
        self.model.offline = True
        self.model.clock_lag = lasting
        await self.peer.close(1001, "network lost")

    def let_time_pass(self, seconds: float) -> None:
        """Offline, `seconds` of the simulated period pass: what happens next is stamped that much later (never
        later than the real time)."""
        self.model.clock_lag = max(0.0, self.model.clock_lag - seconds)

    def _now(self) -> str:
        """The charger's clock: the real time, or while offline a point in the simulated offline period."""
        lag = self.model.clock_lag
        return utc_now() if not lag else iso(datetime.now(timezone.utc) - timedelta(seconds=lag))

    async def come_online(self) -> None:
        """The network is back: reconnect (no reboot, so no BootNotification), deliver the queued transaction
        messages in order, then report the connectors whose status changed meanwhile."""
        m = self.model
        m.clock_lag = 0.0  # the simulated offline period ends now
        if not self.peer.connected:
            await self.link.endpoint.connect()
        m.offline = False
        if m.booted:
            self.link.booted_on = self.peer.connection_no
        else:
            await self.boot_now()
        await self._flush()
        for c in m.connectors:
            await self._report_status(c)

    async def _flush(self) -> None:
        m = self.model
        m.flushing = True
        try:
            while m.queue:
                await self._deliver(m.queue.pop(0))
        finally:
            m.flushing = False

    async def power_failure(self) -> Any:
        """Power goes off and comes back: transactions end with the power (StopTransaction PowerLoss, stamped when the
        power went, sent after the new BootNotification). Returns the BootNotification.conf."""
        return await self._restart("PowerLoss")

    async def reboot(self) -> Any:
        """The charger restarts on its own (into new firmware, say): transactions end (reason Reboot, reported after
        the new BootNotification). Returns the BootNotification.conf."""
        return await self._restart("Reboot")

    async def reset(self, kind: str) -> Any:
        """Reset: Soft stops the transactions first (SoftReset); Hard reboots at once and reports them afterwards
        (HardReset), as OCPP 1.6 §5.14 describes. Returns the BootNotification.conf after the reboot."""
        if kind == "Soft":
            for c, conn in self.model.connectors.items():
                if conn.transaction is not None:
                    await self.stop_transaction(c, "SoftReset")
            return await self._restart(None)
        return await self._restart("HardReset")

    async def _restart(self, stop_reason: str | None) -> Any:
        m = self.model
        went = self._now()
        interrupted = []
        for c, conn in m.connectors.items():
            self._stop_connection_timer(c)
            conn.authorized = None
            if conn.transaction is not None:
                conn.energy_wh += WH_PER_SAMPLE
                interrupted.append((conn.transaction, conn.energy_wh))
                conn.transaction = None
                conn.status = "Finishing" if conn.plugged else self._idle_status(conn)
            elif conn.status not in ("Unavailable", "Faulted"):
                conn.status = "Preparing" if conn.plugged and c else self._idle_status(conn)
        m.booted = False
        await self.peer.close(1001, "rebooting")
        if not self.peer.connected:  # (a case's fixture may have reconnected meanwhile)
            await self.link.endpoint.connect()
        conf = await self.boot_now()
        for tx, meter in interrupted:
            if tx.transaction_id is not None:
                await self._send_transaction_message(
                    "StopTransaction", self._stop_payload(tx, meter, went, stop_reason or "Reboot", None), REQ_STOP)
        return conf

    # ==============================================================================================================
    # reactions to accepted commands (run by the responder once its reply is on the wire)
    async def reaction(self, request: Record, within: float | None = None) -> Any:
        """What the charger did after answering the Central System's `request` (e.g. the BootNotification.conf after
        a Reset); re-raises a deviation of the Central System found meanwhile."""
        fut = self.model.reaction_future(request.unique_id or "")
        t = self.timeouts
        within = within if within is not None else t.connect + 6 * t.response + t.tolerance
        try:
            return await asyncio.wait_for(asyncio.shield(fut), within)
        except TimeoutError:
            raise Broken(f"the suite's charge point did not finish acting on {request.action} (#{request.seq}) "
                         f"within {within:g} s") from None

    async def remote_start(self, c: int, id_tag: str) -> dict:
        """After an accepted RemoteStartTransaction: Authorize when AuthorizeRemoteTxRequests is true, then start at
        once if the cable is in, else Preparing until the cable comes or ConnectionTimeOut expires (§5.11)."""
        m = self.model
        info = {"status": "Accepted"}
        if m.config_bool("AuthorizeRemoteTxRequests"):
            info = await self.authorize(id_tag)
            if info.get("status") != "Accepted":
                return info
        if not await admit(self, c, id_tag, info):
            return info
        await self._start_when_plugged(c, id_tag)
        return info

    async def _start_when_plugged(self, c: int, id_tag: str) -> None:
        """An authorized id tag: start at once if the cable is in, else Preparing until it comes or ConnectionTimeOut."""
        conn = self.model.connectors[c]
        if conn.plugged:
            await self.start_transaction(c, id_tag)
        else:
            conn.authorized = id_tag
            await self._set_status(c, "Preparing")
            self._start_connection_timer(c)

    async def unlocked(self, c: int) -> None:
        """After an accepted UnlockConnector: a transaction on the connector ends first (UnlockCommand, §5.18)."""
        conn = self.model.connectors[c]
        if conn.transaction is not None:
            await self.stop_transaction(c, "UnlockCommand")
        conn.locked = False

    async def change_availability(self, targets: list[int], operative: bool) -> None:
        for c in targets:
            conn = self.model.connectors[c]
            conn.operative = operative
            if conn.transaction is None:  # a busy connector changes when its transaction ends (Scheduled)
                await self._set_status(c, self._idle_status(conn) if not conn.plugged or not c else "Preparing")

    async def triggered(self, message: str, c: int | None) -> Any:
        if message == "BootNotification":
            conf = await self.peer.call("BootNotification", dict(SUITE_STATION), requirement=REQ_BOOT)
            self.check_boot(conf)
            return conf
        if message == "Heartbeat":
            return await self.heartbeat()
        if message in ("DiagnosticsStatusNotification", "FirmwareStatusNotification"):
            # no upload or firmware update under way: Idle, the status only a triggered notification carries
            # (§7 DiagnosticsStatus, FirmwareStatus)
            return await self._call(message, {"status": "Idle"}, f"The Central System SHALL answer {message} "
                                                                 "(OCPP 1.6 §4.4, §4.5).")
        targets = [c] if c is not None else list(self.model.connectors)
        if message == "StatusNotification":
            for n in targets:
                self.model.connectors[n].reported = None
                await self._report_status(n)
            return None
        if c == 0:  # the charger's main meter: what all its connectors delivered
            total = sum(conn.energy_wh for n, conn in self.model.connectors.items() if n)
            return await self._call("MeterValues", {"connectorId": 0, "meterValue": [_sample(total, "Trigger")]},
                                    REQ_METER)
        for n in targets:
            if n:
                await self.meter_values(n, "Trigger")
        return None

    async def connection_timeout(self, c: int, within: float | None = None) -> bool:
        """Wait for connector `c`'s ConnectionTimeOut to run out; True if it did (connector back to Available)."""
        task = self.model.timers.get(c)
        if task is None:
            return False
        within = within if within is not None else (
            self.model.config_int("ConnectionTimeOut") + self.timeouts.response + self.timeouts.tolerance)
        try:
            return await asyncio.wait_for(asyncio.shield(task), within)
        except TimeoutError:
            raise Broken(f"the ConnectionTimeOut of connector {c} did not run out within {within:g} s") from None

    def _start_connection_timer(self, c: int) -> None:
        self._stop_connection_timer(c)
        conn = self.model.connectors[c]
        conn.cable = asyncio.Event()
        task = asyncio.get_running_loop().create_task(
            self._await_cable(c, conn.cable, self.model.config_int("ConnectionTimeOut")))
        self.model.timers[c] = task
        self.model.tasks.add(task)
        task.add_done_callback(self.model.tasks.discard)

    def _stop_connection_timer(self, c: int) -> None:
        task = self.model.timers.get(c)
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()

    async def _await_cable(self, c: int, cable: asyncio.Event, timeout: int) -> bool:
        """The charger's own ConnectionTimeOut: the authorization lapses when no cable arrives in time (§9.1)."""
        try:
            await asyncio.wait_for(cable.wait(), timeout)
            return False
        except TimeoutError:
            conn = self.model.connectors[c]
            if conn.authorized is None or conn.transaction is not None:
                return False
            conn.authorized = None
            await self._set_status(c, self._idle_status(conn))
            return True

    # ==============================================================================================================
    # back to idle between cases
    async def idle(self) -> None:
        """Put the charger back to "no session": forget its reservations, cancel pending timers and reactions, come
        back online, stop any transaction (Local), take the cables out, make the connectors operative, restore
        case-only settings."""
        m = self.model
        m.reservations.forget()
        await self._cancel_background()
        m.restore_case()
        m.forget_reactions()
        if m.offline or m.queue:
            await self.come_online()
        for c, conn in m.connectors.items():
            conn.authorized = None
            conn.plugged = False
            if conn.transaction is not None:
                if conn.transaction.transaction_id is None:
                    conn.transaction = None  # its StartTransaction never got through
                else:
                    await self.stop_transaction(c, "Local", id_tag=conn.transaction.id_tag)
            conn.locked = False
            conn.operative = True
            conn.error_code = "NoError"
            conn.status = "Available"
            await self._report_status(c)

    async def _cancel_background(self) -> None:
        """Stop the ConnectionTimeOut timers; let reactions still under way (a reboot after a Reset the previous case
        did not wait for) finish first — cut off mid-reconnect they would leave a stray connection behind."""
        current = asyncio.current_task()
        timers = set(self.model.timers.values())
        for task in timers:
            task.cancel()
        reactions = [t for t in self.model.tasks if t is not current and t not in timers and not t.done()]
        if reactions:
            t = self.timeouts
            await asyncio.wait(reactions, timeout=t.connect + 6 * t.response + t.tolerance)
            for task in reactions:
                task.cancel()
        pending = [t for t in self.model.tasks if t is not current and not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=self.timeouts.response)
        self.model.timers.clear()

    # ==============================================================================================================
    # status reporting
    def _idle_status(self, conn: Any) -> str:
        if not conn.operative:
            return "Unavailable"
        return "Reserved" if self.model.reservations.holds(conn.id) else "Available"

    async def _set_status(self, c: int, status: str, error_code: str = "NoError") -> None:
        conn = self.model.connectors[c]
        conn.status, conn.error_code = status, error_code
        await self._report_status(c)

    async def _report_status(self, c: int) -> None:
        """Tell the Central System a connector's status if it changed since the last acknowledged one (held back while
        offline or while queued messages are being delivered)."""
        m, conn = self.model, self.model.connectors[c]
        if m.offline or m.flushing or conn.reported == (conn.status, conn.error_code):
            return
        if not self.peer.connected:
            self._not_connected("StatusNotification")
        await self._call("StatusNotification", {
            "connectorId": c, "errorCode": conn.error_code, "status": conn.status, "timestamp": utc_now(),
        }, REQ_STATUS)
        conn.reported = (conn.status, conn.error_code)

    async def _call(self, action: str, payload: dict, requirement: str) -> Any:
        return await self.peer.call(action, payload, requirement=requirement)

    def _not_connected(self, action: str) -> None:
        """The suite's charge point must send `action` but has no connection it did not give up on purpose: the case
        cannot go on as written (never a pass on a step that did not happen)."""
        info = self.peer.close_info
        why = (f"the connection was closed by {info.get('by', 'the network')} (code {info.get('code')})" if info
               else "it has not connected")
        raise Inconclusive("the suite's charge point is connected to the Central System",
                           f"it had to send {action}, but {why}", frame_seq=getattr(self.link.last_close(), "seq", None))

    # ==============================================================================================================
    # judging the Central System's answers by their meaning (the schema is judged on every frame anyway)
    def expected_status(self, id_tag: str) -> str | None:
        """The status the descriptor says the Central System's token database has for `id_tag` (None: not known)."""
        for token, status in self.descriptor.id_tags.statuses().items():
            if token.lower() == id_tag.lower():
                return status
        return None

    def _id_tag_info_of(self, result: Any, id_tag: str, where: str, requirement: str = REQ_ID_TAG) -> dict:
        """The idTagInfo of an answer about `id_tag`, judged; a missing one is a deviation (the schema requires it in
        Authorize.conf and StartTransaction.conf, and the judge may have been told to waive schema findings)."""
        info = result.payload.get("idTagInfo") if isinstance(result.payload, dict) else None
        if not isinstance(info, dict):
            self._deviation(f"{where} has no idTagInfo for id tag {id_tag} (got {info!r})", requirement)
        self.check_id_tag_info(info, id_tag, where)
        return info

    def check_id_tag_info(self, info: dict, id_tag: str, where: str) -> None:
        status = info.get("status")
        if not isinstance(status, str):
            self._deviation(f"{where} idTagInfo for id tag {id_tag} has no status (got {status!r})", REQ_ID_TAG)
        expected = self.expected_status(id_tag)
        if expected is not None and status != expected:
            hint = " (ConcurrentTx: the Central System still has a transaction open for this id tag, perhaps from an " \
                   "earlier run)" if status == "ConcurrentTx" else ""
            self._deviation(f"{where} idTagInfo.status is {status!r} for id tag {id_tag}, which the Central System "
                            f"should know as {expected}{hint}", REQ_ID_TAG)
        expiry = parse_iso(info.get("expiryDate"))
        if status == "Accepted" and expiry is not None:
            late = (datetime.now(timezone.utc) - expiry).total_seconds()
            if late > self.timeouts.tolerance:
                self._deviation(f"{where} accepts id tag {id_tag} with expiryDate {info.get('expiryDate')}, "
                                f"{late:.0f} s in the past: an accepted tag must not be expired already", REQ_ID_TAG)
        tags = self.descriptor.id_tags
        group = {t.lower() for t in (tags.child_id_tag, tags.sibling_id_tag) if t}
        if status == "Accepted" and id_tag.lower() in group:
            parent = info.get("parentIdTag")
            if not isinstance(parent, str) or parent.lower() != tags.parent_id_tag.lower():
                self._deviation(f"{where} gives id tag {id_tag} parentIdTag {parent!r}; its group is "
                                f"{tags.parent_id_tag}", REQ_ID_TAG)

    def _check_transaction_id(self, tx_id: Any) -> None:
        if tx_id in self.model.transaction_ids:
            self._deviation(f"StartTransaction.conf transactionId {tx_id} was already given to an earlier transaction "
                            "of this charge point; every transaction needs its own id", REQ_START)
        self.model.transaction_ids.add(tx_id)

    def check_boot(self, conf: Any) -> None:
        payload = conf.payload
        if payload.get("status") != "Accepted":
            raise ExpectationFailed(
                f"the CSMS answered BootNotification with status {payload.get('status')!r}",
                "  requirement: a CSMS that knows the charge point accepts its BootNotification\n" + self.peer.last_frames())
        interval = payload.get("interval")
        measure("heartbeat_interval_s", interval)
        if not isinstance(interval, int) or isinstance(interval, bool) or interval <= 0:
            self._deviation(f"BootNotification.conf interval {interval!r} is not a usable heartbeat interval "
                            "(a positive number of seconds)", REQ_BOOT)
        self._check_clock("BootNotification.conf", payload.get("currentTime"))

    def _check_clock(self, where: str, current_time: Any) -> None:
        theirs = parse_iso(current_time)
        if theirs is None:
            shown = "no currentTime" if current_time is None else f"currentTime {current_time!r}, not a date-time"
            self._deviation(f"{where} has {shown}; the Central System's current time is the charge point's time "
                            "reference", "The response SHALL contain the current time of the Central System "
                                         "(OCPP 1.6 §4.2, §4.6).")
        skew = (theirs - datetime.now(timezone.utc)).total_seconds()
        measure(f"{where.split('.')[0].lower()}_current_time_skew_s", round(skew, 3))
        if abs(skew) > self.timeouts.tolerance:
            raise ExpectationFailed(
                f"{where} currentTime is {skew:+.1f} s off the suite's clock (tolerance {self.timeouts.tolerance:g} s)",
                "  requirement: the Central System's currentTime is the charge point's time reference "
                "(OCPP 1.6 §4.2, §4.6)\n" + self.peer.last_frames(), category="timing")

    def _deviation(self, message: str, requirement: str) -> None:
        raise ExpectationFailed(message, f"  requirement: {requirement}\n" + self.peer.last_frames())


def _same_group(info: dict, started: dict | None) -> bool:
    """Two idTagInfos name the same group: both carry a parentIdTag and it matches (OCPP 1.6 §3.10)."""
    mine, theirs = info.get("parentIdTag"), (started or {}).get("parentIdTag")
    return isinstance(mine, str) and isinstance(theirs, str) and mine.lower() == theirs.lower()


def _sample(meter_wh: int, context: str, timestamp: str | None = None) -> dict:
    return {"timestamp": timestamp or utc_now(), "sampledValue": [
        {"value": str(meter_wh), "context": context, "measurand": ENERGY, "location": "Outlet", "unit": "Wh"}]}
