"""Connecting, registering (BootNotification until Accepted, C16 §4.2), the clock and the heartbeat."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from conformance.ocpp16.simulators.faults import TIMER_LONG, TIMER_SHORT
from conformance.ocpp16.simulators.rpc import CallError, CallTimeout, RpcEndpoint
from conformance.protocol import OCPP16
from conformance.timestamps import iso, parse_iso

SUBPROTOCOL = OCPP16.subprotocol


class Boot:
    """The charger's connection to its Central System, registration, clock and heartbeat."""

    async def _connection_loop(self) -> None:
        delay = self.reconnect_delay
        while True:
            await self._network_up.wait()
            url, headers, ssl_context = self._connection_settings()  # per the security profile configured now
            ping = int(self.config.get("WebSocketPingInterval", "0") or 0)
            extra = {"ssl": ssl_context} if ssl_context is not None else {}
            try:
                ws = await connect(
                    url,
                    subprotocols=None if "no-subprotocol" in self.faults else [SUBPROTOCOL],
                    additional_headers=headers or None,
                    proxy=None,
                    **extra,
                    open_timeout=max(self.response_timeout, 5),
                    ping_interval=ping if ping > 0 else None,
                    close_timeout=2,
                    max_size=2**22,
                )
            except (OSError, InvalidHandshake, InvalidURI, asyncio.TimeoutError) as exc:
                self._connection_failed(exc)
                self.last_connect_error = f"{type(exc).__name__}: {exc}"
                self.logger.info("%s: cannot connect to %s (%s), retrying in %.1f s", self.identity, self.url, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max_delay)
                continue
            delay = self.reconnect_delay
            if not self._network_up.is_set():  # the network was cut while we were connecting
                abort_connection(ws)
                continue
            if "no-subprotocol" not in self.faults and ws.subprotocol != SUBPROTOCOL:
                self.last_connect_error = f"server selected subprotocol {ws.subprotocol!r}, not {SUBPROTOCOL}"
                self.logger.warning("%s: %s; closing", self.identity, self.last_connect_error)
                await ws.close()
                await asyncio.sleep(delay)
                continue
            self.last_connect_error = None
            await self._session(ws)
            if self._network_up.is_set():
                await asyncio.sleep(self.reconnect_delay)

    async def _session(self, ws: Any) -> None:
        rpc = self._open_rpc(ws)
        rpc.own_schema_errors = self._own_errors
        self._rpc = rpc
        self.connected.set()
        await self._notify()
        reader = asyncio.ensure_future(rpc.start())
        main = asyncio.ensure_future(self._session_main(rpc))
        self._session_tasks["main"] = main
        try:
            await reader
        finally:
            self._rpc = None
            self.connected.clear()
            # Forget this connection's tasks before awaiting anything: a power-off may cancel us mid-cleanup (a soft
            # reset closes gracefully, then cuts power), and the next connection must start its own outbox worker.
            tasks = list(self._session_tasks.values())
            self._session_tasks.clear()
            for task in tasks:
                task.cancel()
            reader.cancel()
            self._park_statuses()
            await asyncio.gather(reader, *tasks, return_exceptions=True)
            try:
                await asyncio.wait_for(ws.close(), 1)
            except Exception:
                abort_connection(ws)
            await self._notify()

    async def _session_main(self, rpc: RpcEndpoint) -> None:
        fresh_boot = self.registration != "Accepted"
        if fresh_boot:
            if "boot-not-first" in self.faults:
                try:
                    await rpc.call_raw("StatusNotification", self._status_payload(self.connectors[0]))
                except (CallError, CallTimeout):
                    pass
            await self._boot_until_accepted(rpc)
            self._queue_all_statuses(front=True)
        else:
            for cid in sorted(self._dirty_status):
                self._queue_status(self.connectors[cid])
            self._dirty_status.clear()
        self._start_session_loops(rpc)
        self._connected_securely()  # security events kept while offline go out now

    def _start_session_loops(self, rpc: RpcEndpoint) -> None:
        if "outbox" not in self._session_tasks:
            self._session_tasks["outbox"] = asyncio.ensure_future(self._outbox_worker(rpc))
        self._restart_heartbeat()

    def _boot_payload(self) -> dict:
        payload = {"chargePointVendor": self.vendor, "chargePointModel": self.model}
        if self.serial_number:
            payload["chargePointSerialNumber"] = self.serial_number
        if self.firmware_version:
            payload["firmwareVersion"] = self.firmware_version
        return payload

    async def _boot_until_accepted(self, rpc: RpcEndpoint) -> None:
        self.boot_count += 1
        while True:
            self._boot_wakeup.clear()
            try:
                reply = await rpc.call_raw("BootNotification", self._boot_payload())
            except (CallError, CallTimeout) as exc:
                self.logger.info("%s: BootNotification failed (%s), retrying", self.identity, exc)
                await asyncio.sleep(self.boot_retry_interval)
                continue
            self._sync_clock(reply.get("currentTime"))
            status = reply.get("status")
            interval = int(reply.get("interval") or 0)
            self.registration = status
            await self._notify()
            if status == "Accepted":
                if interval > 0:
                    self.config["HeartbeatInterval"] = str(interval)
                return
            if status == "Pending" and "boot-pending-ignored" in self.faults:
                self._queue_all_statuses(front=True)
                self._start_session_loops(rpc)
            # Pending or Rejected: wait the interval (0 -> our own non-flooding wait), or a TriggerMessage.
            wait: float = interval if interval > 0 else self.boot_retry_interval
            if "boot-retry-short" in self.faults:
                wait *= TIMER_SHORT
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

    def _restart_heartbeat(self) -> None:
        old = self._session_tasks.pop("heartbeat", None)
        if old:
            old.cancel()
        if self._rpc is not None and "no-heartbeat" not in self.faults:
            self._session_tasks["heartbeat"] = asyncio.ensure_future(self._heartbeat_loop(self._rpc))

    async def _heartbeat_loop(self, rpc: RpcEndpoint) -> None:
        while True:
            interval: float = self._int("HeartbeatInterval")
            if interval <= 0:
                return
            if "heartbeat-interval-short" in self.faults:
                interval *= TIMER_SHORT
            elif "heartbeat-interval-long" in self.faults:
                interval *= TIMER_LONG
            await asyncio.sleep(interval)
            await self._send_heartbeat(rpc)

    async def _send_heartbeat(self, rpc: RpcEndpoint) -> None:
        payload: dict = {}
        validate = True
        if "heartbeat-schema-invalid" in self.faults:
            payload, validate = {"timestamp": self.timestamp()}, False
        try:
            reply = await self._send_now(rpc, "Heartbeat", payload, validate=validate)
        except (CallError, CallTimeout, ConnectionError, ConnectionClosed, asyncio.TimeoutError) as exc:
            self.logger.info("%s: Heartbeat failed: %s", self.identity, exc)
            return
        self._sync_clock(reply.get("currentTime"))


def abort_connection(ws: Any) -> None:
    """Drop the TCP connection without a closing handshake, like a cut cable."""
    transport = getattr(ws, "transport", None)
    if transport is not None:
        transport.abort()
