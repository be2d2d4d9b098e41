"""DataTransfer from a charge point (C16 §4.3): known vendor and message ids are Accepted."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from conformance.ocpp16.simulators.rpc import RpcError


class DataTransferHandlers:
    """The charge point sends vendor data."""

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, message_id: str | None = None, data: str | None = None, **_: Any):
        csms = self.csms
        if "datatransfer-not-implemented" in csms.faults:
            raise RpcError("NotImplemented", "DataTransfer is not implemented")
        if vendor_id != csms.vendor_id and "datatransfer-unknown-vendor-accepted" not in csms.faults:
            return call_result.DataTransfer(status="UnknownVendorId")
        if vendor_id == csms.vendor_id and message_id is not None and message_id not in csms.data_transfer_message_ids:
            return call_result.DataTransfer(status="UnknownMessageId")
        return call_result.DataTransfer(status="Accepted", data=data)
