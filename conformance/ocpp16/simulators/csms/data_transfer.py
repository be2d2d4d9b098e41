"""DataTransfer from a charge point (C16 §4.3): known vendor and message ids are Accepted."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16.enums import Action

from conformance.ocpp16.simulators.rpc import answer_data_transfer


class DataTransferHandlers:
    """The charge point sends vendor data."""

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, message_id: str | None = None, data: str | None = None, **_: Any):
        return answer_data_transfer(self.csms, vendor_id, message_id, data)
