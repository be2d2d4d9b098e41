"""Steps of OCPP 2.0.1 transaction and meter value cases on a charging station under test (Part 2 E, J): setting
the start and stop points, waiting for one TransactionEvent of a transaction and judging its fields, and reading its
meter values. The always-on rules (seqNo, Started/Updated/Ended, EVSE, order) are the judge's
(`conformance.rules.transactions`); these steps judge what a case's procedure makes the station do."""

from __future__ import annotations

from typing import Any

from conformance.wire import Record

REQ_EVENT = "A transaction is reported with TransactionEventRequest Started, Updated and Ended (E01-E03, E06)."


def of_transaction(tx_id: str | None) -> Any:
    """A matcher of `transactionInfo` naming transaction `tx_id` (any transaction when None)."""

    def matcher(info: Any) -> bool:
        return isinstance(info, dict) and (tx_id is None or info.get("transactionId") == tx_id)

    matcher.__doc__ = f"<transactionId {tx_id}>" if tx_id else "<any transaction>"
    return matcher


async def points(set_variables: Any, *, start: str | None = None, stop: str | None = None) -> None:
    """TxCtrlr.TxStartPoint / TxStopPoint for the case (put back after it)."""
    items = []
    if start is not None:
        items.append(("TxCtrlr", "TxStartPoint", start))
    if stop is not None:
        items.append(("TxCtrlr", "TxStopPoint", stop))
    await set_variables(*items)


async def event(charging_station: Any, after: Any, event_type: str, *, tx_id: str | None = None,
                within: float | None = None, requirement: str = REQ_EVENT, **subset: Any) -> Record:
    """The next TransactionEvent `event_type` (of `tx_id`, when given) after `after`, matching `subset`."""
    return await charging_station.expect("TransactionEvent", within=within, after=after, eventType=event_type,
                                         transactionInfo=of_transaction(tx_id), requirement=requirement, **subset)


def info(rec: Record) -> dict:
    return (rec.payload or {}).get("transactionInfo") or {}


def tx_id_of(rec: Record) -> str:
    return str(info(rec).get("transactionId"))


def expect_field(rec: Record, name: str, got: Any, expected: Any, why: str) -> None:
    """One field of a TransactionEvent as the procedure expects it."""
    wanted = expected if isinstance(expected, (tuple, set, frozenset)) else (expected,)
    assert got in wanted, (f"TransactionEvent {(rec.payload or {}).get('eventType')} #{rec.seq} has {name} {got!r}, "
                           f"expected {' or '.join(map(repr, wanted))}: {why}")


def trigger(rec: Record, expected: str | tuple, why: str) -> None:
    expect_field(rec, "triggerReason", (rec.payload or {}).get("triggerReason"), expected, why)


def charging_state(rec: Record, expected: str | tuple, why: str) -> None:
    expect_field(rec, "transactionInfo.chargingState", info(rec).get("chargingState"), expected, why)


def stopped_reason(rec: Record, expected: str, why: str) -> None:
    """stoppedReason of an Ended event; omitted only when it is Local (TransactionType.stoppedReason)."""
    got = info(rec).get("stoppedReason", "Local")
    expect_field(rec, "transactionInfo.stoppedReason (omitted = Local)", got, expected, why)


def id_token(rec: Record, token: str, why: str) -> None:
    got = ((rec.payload or {}).get("idToken") or {}).get("idToken")
    expect_field(rec, "idToken.idToken", got, token, why)


def sampled(rec: Record, context: str) -> list[dict]:
    """The sampledValues of a TransactionEvent or MeterValues with `context` (Sample.Periodic when absent)."""
    out = []
    for meter_value in (rec.payload or {}).get("meterValue") or []:
        for value in (meter_value or {}).get("sampledValue") or []:
            if isinstance(value, dict) and value.get("context", "Sample.Periodic") == context:
                out.append(value)
    return out


def has_sampled(rec: Record, context: str, why: str, measurand: str = "Energy.Active.Import.Register") -> list[dict]:
    values = [v for v in sampled(rec, context) if v.get("measurand", "Energy.Active.Import.Register") == measurand]
    contexts = sorted({v.get("context", "Sample.Periodic") for m in (rec.payload or {}).get("meterValue") or []
                       for v in (m or {}).get("sampledValue") or [] if isinstance(v, dict)})
    assert values, (f"{rec.action} #{rec.seq} holds no {measurand} value with context {context} (it holds "
                    f"{', '.join(contexts) or 'no meter values'}): {why}")
    return values


def signed(values: list[dict], rec: Record, why: str) -> None:
    """Each value carries a signedMeterValue with its data, signing and encoding method and public key (J01, J02)."""
    for value in values:
        sig = value.get("signedMeterValue")
        assert isinstance(sig, dict) and all(sig.get(k) for k in ("signedMeterData", "signingMethod",
                                                                    "encodingMethod", "publicKey")), (
            f"{rec.action} #{rec.seq}: the {value.get('measurand')} value ({value.get('context')}) is not signed "
            f"(signedMeterValue {sig!r}): {why}")
