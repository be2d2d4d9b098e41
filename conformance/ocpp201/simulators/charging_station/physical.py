"""What happens at the station: the driver plugs in and presents a card, the cable comes out, a fault, the network
or the power goes — the actions the in-process driver and the control API perform."""

from __future__ import annotations

import asyncio


class PhysicalActions:
    def _evse(self, evse: int | None) -> int:
        number = 1 if evse is None else int(evse)
        if number not in self.evses:
            raise ValueError(f"EVSE {evse!r} does not exist: the station has EVSEs 1..{len(self.evses)}")
        return number

    async def plug_in(self, connector: int) -> None:
        """The EV is connected to EVSE `connector` (2.0.1 drivers name the EVSE): Occupied; a driver authorized
        before starts the transaction (the power path closes, E02)."""
        e = self.evses[self._evse(connector)]
        e.connector.plugged = True
        await self._status_changed(e.id)
        if e.authorized is not None and e.transaction is None:
            remote_id = self.remote_start_ids.pop(e.id, None)
            await self._start_transaction(e, e.authorized, "CablePluggedIn", remote_id)

    async def unplug(self, connector: int) -> None:
        """The cable comes out: the transaction on the EVSE ends (EVDisconnected, E10) and the connector is free."""
        e = self.evses[self._evse(connector)]
        e.connector.plugged = False
        if e.transaction is not None:
            await self._end_transaction(e, "EVDisconnected", "EVCommunicationLost")
        await self._status_changed(e.id)

    async def present_id_tag(self, id_tag: str, connector: int | None = None) -> dict:
        """The driver presents an IdToken at an EVSE: the one that started its transaction stops it (StopAuthorized);
        otherwise the station asks the CSMS (Authorize) and, accepted, starts the transaction once the cable is in."""
        e = self.evses[self._evse(connector)]
        tx = e.transaction
        if tx is not None and tx.id_token is not None and tx.id_token["idToken"] == id_tag:
            await self._end_transaction(e, "Local", "StopAuthorized")
            return {"status": "Accepted"}
        info = await self.authorize(id_tag)
        if info.get("status") != "Accepted" or tx is not None:
            return info
        if e.connector.plugged:
            await self._start_transaction(e, self.id_token(id_tag), "Authorized")
        else:
            e.authorized = self.id_token(id_tag)
            self._start_cable_timer(e)
        return info

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
