"""DataTransfer in both directions (C16 §4.3, §5.6)."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from conformance.ocpp16.simulators.rpc import RpcError


class DataTransferHandlers:
    """The Central System sends vendor data."""

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, message_id: str | None = None, data: str | None = None, **_: Any):
        cp = self.cp
        if "datatransfer-not-implemented" in cp.faults:
            raise RpcError("NotImplemented", "DataTransfer is not implemented")
        if vendor_id != cp.vendor_id and "datatransfer-unknown-vendor-accepted" not in cp.faults:
            return call_result.DataTransfer(status="UnknownVendorId")
        if message_id is not None and message_id not in cp.data_transfer_message_ids and vendor_id == cp.vendor_id:
            return call_result.DataTransfer(status="UnknownMessageId")
        return call_result.DataTransfer(status="Accepted", data=data)


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
