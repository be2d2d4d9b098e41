"""What happens at the station: the driver plugs in and presents a card, the cable comes out, a fault, the network
or the power goes — the actions the in-process driver and the control API perform."""

from __future__ import annotations

import asyncio

from conformance.ocpp201.simulators.charging_station.state import Evse


class PhysicalActions:
    def _evse(self, evse: int | None) -> int:
        number = 1 if evse is None else int(evse)
        if number not in self.evses:
            raise ValueError(f"EVSE {evse!r} does not exist: the station has EVSEs 1..{len(self.evses)}")
        return number

    async def plug_in(self, connector: int) -> None:
        """The EV is connected to EVSE `connector` (2.0.1 drivers name the EVSE): Occupied; the transaction starts or
        goes on as TxStartPoint says (E01-E03)."""
        e = self.evses[self._evse(connector)]
        await self._evse_found(e)
        if e.ev_side_suspended:
            self._stop_cable_timer(e)
        e.connector.plugged = True
        e.ev_side_suspended = False
        await self._status_changed(e.id)
        await self._evaluate(e, "CablePluggedIn")

    async def _evse_found(self, e: Evse) -> None:
        """The cable plugged in at EVSE `e` tells a transaction started at a station-wide reader its EVSE (E03)."""
        waiting = next((x for x in self.evses.values() if x.transaction is not None
                        and not x.transaction.evse_known), None)
        if waiting is None or (waiting is not e and e.transaction is not None):
            return
        tx = waiting.transaction
        if waiting is not e:
            waiting.transaction = None
            self._stop_cable_timer(waiting)
            e.transaction, tx.evse = tx, e.id
            if tx.meters is not None:
                tx.meters.cancel()
                tx.meters = self._spawn(self._transaction_meters(e, tx))
            await self._status_changed(waiting.id)
        tx.evse_known = True

    async def unplug(self, connector: int, side: str = "ev") -> None:
        """The cable comes out at the station (`side` "station") or at the EV ("ev"): the EV is no longer connected.
        An EV-side disconnect withdraws the authorization when StopTxOnEVSideDisconnect is true (E10); the
        transaction ends as TxStopPoint says (EVDisconnected, E06)."""
        if side not in ("station", "ev"):
            raise ValueError(f"side must be 'station' or 'ev', not {side!r}")
        e = self.evses[self._evse(connector)]
        e.connector.plugged = False
        e.ev_suspended = False
        tx = e.transaction
        if side == "station":
            e.locked_for = None
        if tx is not None and side == "ev" and tx.authorized and "ev-side-suspend-ignored" not in self.faults \
                and not self.model.bool_value("TxCtrlr", "StopTxOnEVSideDisconnect", True):
            e.ev_side_suspended = True  # the transaction waits for the EV to come back (E10)
            if self.fixed_cable and "fixed-cable-timeout-ignored" not in self.faults:
                self._start_cable_timer(e)  # a fixed cable: the EV has EVConnectionTimeOut to come back (E10)
            await self._transaction_event(e, "Updated", "EVCommunicationLost")
            await self._status_changed(e.id)
            return
        if tx is not None and (side == "station" or self.model.bool_value("TxCtrlr", "StopTxOnEVSideDisconnect", True)
                               and "ev-side-disconnect-ignored" not in self.faults):
            tx.authorized = False
        if tx is not None:
            reason = "Local" if "ev-disconnect-reason-local" in self.faults else "EVDisconnected"
            await self._evaluate(e, "EVCommunicationLost", stopped_reason=reason)
            if side == "ev" and tx.ended and tx.id_token is not None:
                self._lock_after_ev_side_disconnect(e, tx.id_token)
        await self._status_changed(e.id)

    def _lock_after_ev_side_disconnect(self, e: Evse, id_token: dict) -> None:
        """A transaction ended by an EV-side disconnect: with OCPPCommCtrlr.UnlockOnEVSideDisconnect true the
        connector lock lets the cable go at once; false, it holds it until the driver who started the transaction
        presents the IdToken again (E10)."""
        unlock = self.model.bool_value("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", True)
        if "ev-side-disconnect-cable-kept-locked" in self.faults:
            unlock = False
        elif "ev-side-disconnect-cable-unlocked" in self.faults:
            unlock = True
        e.locked_for = None if unlock else id_token

    async def cable_locked(self, connector: int) -> dict:
        """Whether the connector lock holds the cable at the station side: during a transaction with the cable in,
        and after an EV-side disconnect until the owner's IdToken when UnlockOnEVSideDisconnect is false (E10)."""
        e = self.evses[self._evse(connector)]
        return {"locked": e.locked_for is not None or (e.transaction is not None and e.connector.plugged)}

    async def present_id_tag(self, id_tag: str, connector: int | None = None) -> dict:
        """The driver presents an IdToken at an EVSE. The one that authorized its transaction (or one of the same
        group) withdraws the authorization (StopAuthorized, E07); another is authorized (Authorize, C01) and, accepted,
        counts towards TxStartPoint (E01-E03)."""
        if connector is None:
            return await self._present_at_station_reader(id_tag)
        e = self.evses[self._evse(connector)]
        tx = e.transaction
        if tx is None and e.locked_for is not None and e.locked_for.get("idToken") == id_tag:
            e.locked_for = None  # the owner takes the cable (E10)
            return {"status": "Accepted"}
        if tx is not None and tx.authorized and tx.id_token is not None and "local-stop-ignored" not in self.faults and (
                tx.id_token["idToken"] == id_tag or self._same_group(tx.id_token["idToken"], id_tag)):
            tx.authorized = False
            await self._evaluate(e, "StopAuthorized", stopped_reason="Local")
            return {"status": "Accepted"}
        info = await self.authorize(id_tag)
        if info.get("status") == "Accepted" and tx is not None and tx.authorized and tx.id_token is not None \
                and self._same_group(tx.id_token["idToken"], id_tag):
            tx.authorized = False
            await self._evaluate(e, "StopAuthorized", stopped_reason="Local")
            return info
        if info.get("status") != "Accepted" or (tx is not None and tx.authorized):
            return info
        e.authorized = self.id_token(id_tag)
        if tx is None and not e.connector.plugged:
            self._start_cable_timer(e)
        await self._evaluate(e, "Authorized")
        return info

    async def _present_at_station_reader(self, id_tag: str) -> dict:
        """An IdToken at a reader of the whole station: with TxStartPoint Authorized the accepted token starts a
        transaction whose EVSE is not known until a cable is plugged in (E03: Started without evse); otherwise it
        is taken at the first EVSE, as it stops the transaction it started there."""
        idle = [e for e in self.evses.values() if e.transaction is None and not e.connector.plugged
                and e.authorized is None and e.locked_for is None]
        if "Authorized" not in self.tx_points("TxStartPoint") or not idle:
            running = next((e for e in self.evses.values() if e.transaction is not None), None)
            return await self.present_id_tag(id_tag, (running or self.evses[1]).id)
        e = idle[0]
        info = await self.authorize(id_tag)
        if info.get("status") != "Accepted":
            return info
        e.authorized = self.id_token(id_tag)
        self._start_cable_timer(e)
        await self._evaluate(e, "Authorized", evse_known=False)
        return info

    def _same_group(self, first: str, second: str) -> bool:
        """Both IdTokens belong to one group (their groupIdToken as the CSMS last told, C09)."""
        if "group-stop-ignored" in self.faults:
            return False
        one = (self.auth_cache.get(first) or {}).get("groupIdToken") or {}
        two = (self.auth_cache.get(second) or {}).get("groupIdToken") or {}
        return bool(one.get("idToken")) and one.get("idToken") == two.get("idToken")

    async def suspend_ev(self, connector: int) -> None:
        """The EV connected stops taking energy (not ready, or suspended by the EV)."""
        e = self.evses[self._evse(connector)]
        e.ev_suspended = True
        await self._evaluate(e, "ChargingStateChanged", stopped_reason="StoppedByEV")

    async def resume_ev(self, connector: int) -> None:
        """The EV takes energy again."""
        e = self.evses[self._evse(connector)]
        e.ev_suspended = False
        await self._evaluate(e, "ChargingStateChanged")

    async def park(self, connector: int) -> None:
        """A vehicle enters the parking bay of EVSE `connector` (the bay detector sees it)."""
        e = self.evses[self._evse(connector)]
        e.bay_occupied = True
        await self._evaluate(e, "EVDetected")

    async def leave_bay(self, connector: int) -> None:
        """The vehicle leaves the parking bay."""
        e = self.evses[self._evse(connector)]
        e.bay_occupied = False
        if "leave-bay-ignored" not in self.faults:
            await self._evaluate(e, "EVDeparted", stopped_reason="EVDisconnected")

    async def raise_fault(self, connector: int, error_code: str = "OtherError") -> None:
        e = self.evses[self._evse(connector)]
        e.connector.faulted = True
        await self._status_changed(e.id)

    async def clear_fault(self, connector: int) -> None:
        e = self.evses[self._evse(connector)]
        e.connector.faulted = False
        await self._status_changed(e.id)

    async def go_offline(self) -> None:
        """The network goes away (no closing handshake reaches the CSMS)."""
        self._network_up.clear()
        rpc = self._rpc
        if rpc is not None:
            transport = getattr(rpc.connection, "transport", None)
            if transport is not None:
                transport.abort()
        await self.wait_for(lambda: self._rpc is None, 5)

    async def come_online(self) -> None:
        if "no-reconnect" in self.faults:  # the network is back, the station does not try again
            return
        self._network_up.set()

    async def power_cycle(self) -> None:
        """Power off and on: running transactions end with the power (PowerLoss, reported after the boot)."""
        await self._restart("PowerUp", stop_reason="PowerLoss", trigger="AbnormalCondition")

    async def reboot(self) -> None:
        """The operator reboots the station: transactions end (Reboot) and it boots again (LocalReset)."""
        await self._restart("LocalReset", stop_reason="Reboot", trigger="AbnormalCondition")

    async def _restart(self, reason: str, *, stop_reason: str, trigger: str) -> None:
        """Everything volatile goes with the power; what the station keeps (device model, availability, network
        profiles, queued transaction events) survives. Transactions cut off are ended after the boot."""
        ended = [e for e in self.evses.values() if e.transaction is not None]
        for e in ended:
            await self._end_transaction(e, stop_reason, trigger, wait=False)
        await self._power_off()
        await asyncio.sleep(self.power_off_time)
        self.boot_reason = reason
        self._power_on()
