"""What the suite does on its own initiative when it plays the charge point (boot, status reports)."""

from __future__ import annotations

from typing import Any

from conformance.errors import ExpectationFailed
from conformance.responders import utc_now

SUITE_STATION = {
    "chargePointVendor": "ocpp-conformance",
    "chargePointModel": "suite-charge-point",
    "chargePointSerialNumber": "OCPPC-0001",
    "firmwareVersion": "0.1.0",
}


async def boot_charge_point(link: Any, *, force: bool = False) -> Any:
    """Send BootNotification and the connectors' StatusNotifications once per connection (or when `force`)."""
    peer = link.peer
    state = link.__dict__.setdefault("_booted_on", None)
    if state == peer.connection_no and not force:
        return None
    conf = await peer.call("BootNotification", dict(SUITE_STATION))
    if conf.status != "Accepted":
        raise ExpectationFailed(
            f"the CSMS answered BootNotification with status {conf.status!r}",
            "  requirement: a CSMS that knows the charge point accepts its BootNotification\n" + peer.last_frames(),
        )
    link._booted_on = peer.connection_no
    for connector in range(0, link.descriptor.connectors + 1):
        await peer.call("StatusNotification", {
            "connectorId": connector, "errorCode": "NoError", "status": "Available", "timestamp": utc_now(),
        })
    return conf


class SuiteStation:
    """The suite's own charge point actions when it tests a CSMS: (re)connect, boot, report status."""

    def __init__(self, link: Any) -> None:
        self.link = link
        self.peer = link.peer

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

    async def status(self, connector: int, status: str, error_code: str = "NoError") -> Any:
        return await self.peer.call("StatusNotification", {
            "connectorId": connector, "errorCode": error_code, "status": status, "timestamp": utc_now(),
        })
