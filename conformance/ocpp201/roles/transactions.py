"""Transactions of the suite's OCPP 2.0.1 charging station towards a CSMS under test (Part 2 E01-E15, J01-J03).

`StationTransactions` runs them as a correct station does: TransactionEventRequests numbered from seqNo 0 per
transaction, Started / Updated / Ended with the triggerReason of what happened, stoppedReason on Ended, meter values
(sampled, clock-aligned, signed) with their reading contexts, Authorize, and an offline queue delivered in order,
`offline` true, after the station reconnects. Every answer of the CSMS is judged: a TransactionEventRequest or
AuthorizeRequest carrying an IdToken gets an IdTokenInfo with the status the CSMS's token database has for it."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

from conformance.ocpp201.roles.charging_station import SuiteTransaction
from conformance.timestamps import utc_now
from conformance.wire import Record

REQ_TX_EVENT = ("The CSMS SHALL answer every TransactionEventRequest of a transaction (Started, Updated, Ended, "
                "whatever its triggerReason, stoppedReason, meter values or offline flag), with the IdTokenInfo of "
                "the IdToken it carries (Part 2 E01, E05, E06, E07.FR.02).")
REQ_AUTHORIZE = ("The CSMS SHALL answer AuthorizeRequest with the IdTokenInfo of the IdToken as its authorization "
                 "data has it (Part 2 C01).")
ENERGY = "Energy.Active.Import.Register"
SIGNING_METHOD = "ECDSA-secp256r1-SHA256"


def sampled_value(value: float, context: str, *, signed: bool = False) -> dict:
    """One SampledValueType of the energy register (Wh, the default unit), signed when asked (J01-J03 signed data:
    OCMF text, its signature as the station's meter made it)."""
    item: dict[str, Any] = {"value": value, "context": context, "measurand": ENERGY}
    if signed:
        data = f"OCMF|{{\"RD\":[{{\"RV\":{value},\"RI\":\"1-b:1.8.0\",\"RU\":\"Wh\"}}]}}".encode()
        item["signedMeterValue"] = {
            "signedMeterData": base64.b64encode(data).decode(), "signingMethod": SIGNING_METHOD,
            "encodingMethod": "OCMF", "publicKey": base64.b64encode(hashlib.sha256(b"suite-meter").digest()).decode()}
    return item


class StationTransactions:
    """What the suite's station does in a transaction (the `transactions` fixture)."""

    def __init__(self, station: Any) -> None:
        self.station = station
        self.model = station.model
        self.link = station.link
        self.energy = 0.0

    # -- meter -------------------------------------------------------------------------------------------------------
    def meter_value(self, context: str, *, signed: bool = False) -> dict:
        self.energy += 125.0
        return {"timestamp": utc_now(), "sampledValue": [sampled_value(self.energy, context, signed=signed)]}

    async def meter_values(self, evse: int, context: str = "Sample.Clock", *, signed: bool = False) -> Any:
        """MeterValuesRequest outside a transaction (J01: clock-aligned data of an EVSE, evseId 0 the main meter)."""
        return await self.station.peer.call("MeterValues", {"evseId": evse,
                                                            "meterValue": [self.meter_value(context, signed=signed)]},
                                            requirement="The CSMS SHALL answer MeterValuesRequest (Part 2 J01).")

    # -- authorization -----------------------------------------------------------------------------------------------
    async def authorize(self, token: str) -> Any:
        result = await self.station.peer.call("Authorize", {"idToken": self.station.id_token(token)},
                                              requirement=REQ_AUTHORIZE)
        self.station.check_id_token_info(result, token, f"AuthorizeResponse (#{result.record.seq})")
        return result

    # -- transactions ------------------------------------------------------------------------------------------------
    def begin(self, evse: int) -> SuiteTransaction:
        """A new transaction on `evse` (nothing sent yet); the clean-up ends it if a case does not."""
        tx = SuiteTransaction(str(uuid.uuid4()), evse, {})
        self.model.evses[evse].transaction = tx
        return tx

    async def event(self, tx: SuiteTransaction, event_type: str, trigger: str, *, state: str | None = None,
                    reason: str | None = None, token: str | None = None, meter: list[dict] | None = None,
                    evse: bool = True, remote_start_id: int | None = None) -> Any:
        """One TransactionEventRequest (queued while the station is offline: then None), its answer judged."""
        info: dict[str, Any] = {"transactionId": tx.transaction_id}
        if state is not None:
            info["chargingState"] = state
        if reason is not None:
            info["stoppedReason"] = reason
        if remote_start_id is not None:
            info["remoteStartId"] = remote_start_id
        payload: dict[str, Any] = {"eventType": event_type, "timestamp": utc_now(), "triggerReason": trigger,
                                   "seqNo": tx.seq_no, "transactionInfo": info}
        if evse:
            payload["evse"] = {"id": tx.evse, "connectorId": 1}
        if token is not None:
            payload["idToken"] = self.station.id_token(token)
            tx.id_token = payload["idToken"]
        if meter:
            payload["meterValue"] = meter
        tx.seq_no += 1
        if event_type == "Ended":
            e = self.model.evses[tx.evse]
            if e.transaction is tx:
                e.transaction = None
        if self.model.offline:
            self.model.queue.append(dict(payload, offline=True))
            return None
        return await self.send(payload)

    async def start_authorized(self, evse: int, token: str, *, trigger: str = "Authorized") -> SuiteTransaction:
        """The EV plugged in, the driver authorized (Authorize), energy flowing: Started with the IdToken and the
        Transaction.Begin meter value."""
        await self.plug_in(evse)
        await self.authorize(token)
        tx = self.begin(evse)
        await self.event(tx, "Started", trigger, state="Charging", token=token,
                         meter=[self.meter_value("Transaction.Begin")])
        return tx

    async def finish(self, tx: SuiteTransaction, trigger: str = "StopAuthorized", reason: str = "Local", *,
                     token: str | None = None, state: str = "EVConnected", meter: list[dict] | None = None) -> Any:
        """Ended with the stoppedReason and the Transaction.End meter value (or `meter`)."""
        return await self.event(tx, "Ended", trigger, state=state, reason=reason, token=token,
                                meter=meter or [self.meter_value("Transaction.End")])

    async def send(self, payload: dict) -> Any:
        if not self.station.peer.connected:
            self.station._not_connected("TransactionEvent")
        result = await self.station.peer.call("TransactionEvent", payload, requirement=REQ_TX_EVENT)
        self.judge(payload, result)
        return result

    def judge(self, payload: dict, result: Any) -> None:
        token = payload.get("idToken")
        if isinstance(token, dict):
            where = f"TransactionEventResponse (#{result.record.seq}) to {payload['eventType']} seqNo {payload['seqNo']}"
            self.station.check_id_token_info(result, str(token.get("idToken", "")), where)

    # -- the connection ----------------------------------------------------------------------------------------------
    async def go_offline(self) -> None:
        """The station loses its connection: what it sends from now on waits in its queue (E12)."""
        self.model.offline = True
        if self.station.peer.connected:
            await self.link.endpoint.disconnect()

    async def come_online(self, *, deliver: bool = True) -> list[Record]:
        """The connection is back (no reboot); with `deliver` the queue goes out at once, oldest first (E12)."""
        await self.link.endpoint.connect()
        self.link.booted_on = self.station.peer.connection_no  # no reboot: the registration holds (B01)
        self.model.offline = False
        return await self.deliver_queue() if deliver else []

    async def deliver_queue(self) -> list[Any]:
        answers = []
        while self.model.queue:
            answers.append(await self.send(self.model.queue.pop(0)))
        return answers

    # -- physical actions --------------------------------------------------------------------------------------------
    async def plug_in(self, evse: int) -> None:
        await self.station.plug_in(evse)

    async def unplug(self, evse: int) -> None:
        e = self.model.evses[evse]
        e.plugged = False
        if not self.model.offline:
            await self.station._report_status(evse)

    def events_after(self, seq: int) -> list[Record]:
        """The TransactionEventRequests the station sent after wire record `seq`."""
        return [r for r in self.link.wire.after(seq) if not r.from_iut and r.action == "TransactionEvent"
                and r.payload]
