"""Connecting through the network profiles (B09/B10 fallback), registering (BootNotification until Accepted, Part 2
B01-B03), the clock, the heartbeat (G02) and the status report after an offline period (B04)."""

from __future__ import annotations

import asyncio
import ssl
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from conformance.credentials import basic_token
from conformance.ocpp201.simulators.faults import TIMER_LONG, TIMER_SHORT
from conformance.ocpp201.simulators.rpc import CallError, CallTimeout, RpcEndpoint
from conformance.protocol import OCPP201
from conformance.timestamps import iso, parse_iso

SUBPROTOCOL = OCPP201.subprotocol


class Boot:
    """The station's connection to its CSMS, its registration, clock and heartbeat."""

    # -- connecting -----------------------------------------------------------------------------------------------
    def _slots_in_order(self) -> list[int]:
        """The configuration slots to try, as NetworkConfigurationPriority lists them (slots without a profile left
        out; slot 0, the one the station was installed with, when nothing else is left)."""
        listed = [s.strip() for s in self.model.value("OCPPCommCtrlr", "NetworkConfigurationPriority").split(",")]
        # A05: once connected at a security profile, never one below it
        slots = [int(s) for s in listed if s.isdigit() and int(s) in self.network_profiles
                 and self.network_profiles[int(s)].get("securityProfile", 0) >= self.security_profile]
        if "network-priority-ignored" in self.faults:
            return [0]
        return slots or [0]

    async def _connection_loop(self) -> None:
        attempts = 0
        slot_index = 0
        while True:
            await self._network_up.wait()
            slots = self._slots_in_order()
            slot = slots[slot_index % len(slots)]
            self.active_slot = slot
            url, headers, ssl_context = self._connection_settings(slot)
            extra = {"ssl": ssl_context} if ssl_context is not None else {}
            try:
                ws = await connect(url, subprotocols=[SUBPROTOCOL], additional_headers=headers or None, proxy=None,
                                   open_timeout=max(self.response_timeout, 5), ping_interval=None, close_timeout=2,
                                   max_size=2**22, **extra)
            except (OSError, InvalidHandshake, InvalidURI, asyncio.TimeoutError) as exc:
                self.last_connect_error = f"{type(exc).__name__}: {exc}"
                if isinstance(exc, ssl.SSLCertVerificationError) and not self.security_events:
                    # A00: an invalid CSMS certificate is a security event, reported once connected again
                    self.security_events.append({"type": "InvalidCsmsCertificate", "timestamp": self.timestamp(),
                                                 "techInfo": str(exc.verify_message or exc)[:255]})
                attempts += 1
                # B10: after NetworkProfileConnectionAttempts failures on one profile, the next one of the priority
                allowed = max(1, self.model.int_value("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", 3))
                if "network-fallback-early" in self.faults:
                    allowed = 1
                if attempts >= allowed and "network-fallback-missing" not in self.faults:
                    attempts = 0
                    slot_index += 1
                await asyncio.sleep(self.reconnect_delay)
                continue
            attempts = 0
            if not self._network_up.is_set():  # the network was cut while connecting
                abort_connection(ws)
                continue
            if ws.subprotocol != SUBPROTOCOL:
                self.last_connect_error = f"the CSMS selected subprotocol {ws.subprotocol!r}, not {SUBPROTOCOL}"
                await ws.close()
                await asyncio.sleep(self.reconnect_delay)
                continue
            self.last_connect_error = None
            self.connected_url = url
            self._connected_with(self.network_profiles[slot].get("securityProfile", 0))
            await self._session(ws)
            if "csms-root-lost" in self.faults and self.ssl_context is not None:
                self.ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # trusts no CSMS certificate any more
            if self._network_up.is_set():
                await asyncio.sleep(self.reconnect_delay)

    def _connected_with(self, profile: int) -> None:
        """Connected with a network profile of a higher security profile: that one is the station's now (A05)."""
        if profile > self.security_profile:
            self.security_profile = profile
            self.model.variable("SecurityCtrlr", "SecurityProfile").attributes["Actual"].value = str(profile)

    async def set_security_profile(self, profile: int) -> None:
        """Operator action (OCPP allows no downgrade): the station is set up on site again with its installed
        network profile at `profile` (ws:// below 2, wss:// from 2) as the only one, and connects with it at once."""
        base = self.network_profiles[0]
        url = base["ocppCsmsUrl"].split("://", 1)[1]
        self.network_profiles = {0: {**base, "securityProfile": int(profile),
                                     "ocppCsmsUrl": ("wss://" if profile >= 2 else "ws://") + url}}
        self.model.variable("OCPPCommCtrlr", "NetworkConfigurationPriority").attributes["Actual"].value = "0"
        self.security_profile = int(profile)
        self.model.variable("SecurityCtrlr", "SecurityProfile").attributes["Actual"].value = str(profile)
        rpc = self._rpc
        if rpc is not None:
            await rpc.connection.close(1000, f"security profile {profile} set by the operator")

    def _connection_settings(self, slot: int) -> tuple[str, dict[str, str], Any]:
        profile = self.network_profiles[slot]
        url = profile["ocppCsmsUrl"].rstrip("/") + "/" + self.identity
        headers = {}
        if self.password and profile.get("securityProfile", 0) in (1, 2):
            user = self.identity + "-other" if "basic-auth-wrong-user" in self.faults else self.identity
            headers["Authorization"] = "Basic " + basic_token(user, self.password)
        ssl_context = self.ssl_context if url.startswith("wss://") else None
        return url, headers, ssl_context

    async def _session(self, ws: Any) -> None:
        rpc = self._open_rpc(ws)
        rpc.own_schema_errors = self._own_errors
        self._rpc = rpc
        self.connected.set()
        self._wake()
        reader = asyncio.ensure_future(rpc.start())
        main = asyncio.ensure_future(self._session_main(rpc))
        main.add_done_callback(self._task_done)  # a failure of the session's own work is logged, not lost
        self._session_tasks["main"] = main
        try:
            await reader
        finally:
            self._rpc = None
            self.connected.clear()
            self.offline_since = time.monotonic()
            tasks = list(self._session_tasks.values())
            self._session_tasks.clear()
            for task in tasks:
                task.cancel()
            reader.cancel()
            await asyncio.gather(reader, *tasks, return_exceptions=True)
            try:
                await asyncio.wait_for(ws.close(), 1)
            except Exception:
                abort_connection(ws)
            self._wake()

    async def _session_main(self, rpc: RpcEndpoint) -> None:
        if self.registration != "Accepted":
            if not await self._boot_until_accepted(rpc):
                return
            await self._report_all_statuses(force=True)
        else:
            await self._report_after_offline()
        self._restart_heartbeat()
        await self._report_security_events(rpc)
        self._session_tasks["outbox"] = asyncio.ensure_future(self._outbox_worker(rpc))
        await self._after_boot()

    async def _report_security_events(self, rpc: RpcEndpoint) -> None:
        """The security events that waited for a connection (SecurityEventNotification, A04)."""
        while self.security_events:
            try:
                await rpc.call("SecurityEventNotification", self.security_events[0])
            except (CallError, CallTimeout, ConnectionError) as exc:
                self.logger.info("%s: SecurityEventNotification failed: %s", self.identity, exc)
                return
            self.security_events.pop(0)

    def _boot_payload(self) -> dict:
        station: dict[str, Any] = {"model": self.model_name, "vendorName": self.vendor}
        if self.serial_number:
            station["serialNumber"] = self.serial_number
        if self.firmware_version:
            station["firmwareVersion"] = self.firmware_version
        return {"reason": self.boot_reason, "chargingStation": station}

    async def _boot_until_accepted(self, rpc: RpcEndpoint) -> bool:
        """BootNotification until the CSMS accepts it: while Pending or Rejected the interval of the answer (or the
        station's own wait when it is 0) before the next, a TriggerMessage while Pending sooner (B02, B03). False when
        the connection went away while Rejected (the station closed it)."""
        self.boot_count += 1
        while True:
            self._boot_wakeup.clear()
            try:
                reply = await rpc.call("BootNotification", self._boot_payload())
            except (CallError, CallTimeout) as exc:
                self.logger.info("%s: BootNotification failed (%s), retrying", self.identity, exc)
                await asyncio.sleep(self.boot_retry_interval)
                continue
            self._sync_clock(reply.get("currentTime"))
            status = reply.get("status")
            interval = int(reply.get("interval") or 0)
            self.registration = status
            self._wake()
            if status == "Accepted":
                if interval > 0:
                    self.model.variable("OCPPCommCtrlr", "HeartbeatInterval").attributes["Actual"].value = str(interval)
                self.boot_reason = "PowerUp"
                return True
            if status == "Pending" and "boot-pending-ignored" in self.faults:
                for e in self.evses.values():  # as if it were Accepted
                    for c in e.connectors:
                        await rpc.call("StatusNotification", self.status_payload(e.id, c))
            wait: float = interval if interval > 0 else self.boot_retry_interval
            if "boot-retry-short" in self.faults:
                wait *= TIMER_SHORT
            if status == "Rejected" and not self.keeps_connection_when_rejected:
                await rpc.connection.close(1000, "registration rejected")
                await asyncio.sleep(wait)
                return False
            try:
                await asyncio.wait_for(self._boot_wakeup.wait(), wait)
            except asyncio.TimeoutError:
                pass

    def _sync_clock(self, current_time: str | None) -> None:
        remote = parse_iso(current_time)
        if remote is not None:
            self.clock_offset = (remote - datetime.now(timezone.utc)).total_seconds()

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=self.clock_offset)

    def timestamp(self) -> str:
        return iso(self.now())

    # -- heartbeat --------------------------------------------------------------------------------------------------
    def _restart_heartbeat(self) -> None:
        old = self._session_tasks.pop("heartbeat", None)
        if old:
            old.cancel()
        if self._rpc is not None and "no-heartbeat" not in self.faults:
            self._session_tasks["heartbeat"] = asyncio.ensure_future(self._heartbeat_loop(self._rpc))

    async def _heartbeat_loop(self, rpc: RpcEndpoint) -> None:
        while True:
            interval: float = self.model.int_value("OCPPCommCtrlr", "HeartbeatInterval", 300)
            if interval <= 0:
                return
            if "heartbeat-interval-short" in self.faults:
                interval *= TIMER_SHORT
            elif "heartbeat-interval-long" in self.faults:
                interval *= TIMER_LONG
            await asyncio.sleep(interval)
            try:
                reply = await rpc.call("Heartbeat", {})
            except (CallError, CallTimeout, ConnectionError, ConnectionClosed) as exc:
                self.logger.info("%s: Heartbeat failed: %s", self.identity, exc)
                continue
            self._sync_clock(reply.get("currentTime"))

    # -- offline (B04) ----------------------------------------------------------------------------------------------
    async def _report_after_offline(self) -> None:
        """Back online without a reboot: every connector's status after an offline period longer than
        OfflineThreshold, only those that changed meanwhile after a shorter one (B04.FR.01, B04.FR.02)."""
        since = self.offline_since
        threshold = self.model.int_value("OCPPCommCtrlr", "OfflineThreshold", 0)
        long_gone = since is not None and time.monotonic() - since > threshold
        if "offline-threshold-ignored" in self.faults:
            long_gone = not long_gone
        await self._report_all_statuses(force=long_gone)


def abort_connection(ws: Any) -> None:
    """Drop the TCP connection without a closing handshake, like a cut cable."""
    transport = getattr(ws, "transport", None)
    if transport is not None:
        transport.abort()
