"""DataTransfer in both directions (C16 §4.3, §5.6)."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16.enums import Action

from conformance.ocpp16.simulators.rpc import answer_data_transfer


class DataTransferHandlers:
    """The Central System sends vendor data."""

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, message_id: str | None = None, data: str | None = None, **_: Any):
        return answer_data_transfer(self.cp, vendor_id, message_id, data)


class DataTransfer:
    """The charger sends vendor data (operator action)."""

    async def data_transfer(self, vendor_id: str, message_id: str | None = None, data: str | None = None) -> dict:
        """Send a DataTransfer to the Central System and return its reply (operator action)."""
        rpc = self._require_online()
        payload = {"vendorId": vendor_id}
        if message_id is not None:
            payload["messageId"] = message_id
        if data is not None:
            payload["data"] = data
        return await self._send_now(rpc, "DataTransfer", payload)
