"""Differential self-test: jsonschema-rs (the validator the judge uses) against python-jsonschema.

python-jsonschema runs draft-matched, with its FormatChecker (rfc3339-validator, rfc3987) and with
numbers as Decimal, so `multipleOf: 0.1` is judged on 21.4 and not on 21.399999…. Each payload has
the verdict the specification expects; both validators must give it. Where they legitimately
differ, the case says so (`reference_valid`) and why.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from conformance.schemas import SchemaSet

TIME = "2024-05-01T12:00:00Z"


@dataclass
class Payload:
    name: str
    version: str
    action: str
    response: bool
    payload: Any
    valid: bool  # the verdict of jsonschema-rs, the validator the judge uses
    reference_valid: bool | None = None  # python-jsonschema's verdict where it legitimately differs
    why: str = ""


def meter_values_16(**sampled: Any) -> dict[str, Any]:
    value = {"value": "49.9", "measurand": "Frequency", "unit": "Hertz", **sampled}
    return {"connectorId": 1, "transactionId": 7, "meterValue": [{"timestamp": TIME, "sampledValue": [value]}]}


def profile_16(limit: Any, min_rate: Any = None) -> dict[str, Any]:
    schedule: dict[str, Any] = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}
    if min_rate is not None:
        schedule["minChargingRate"] = min_rate
    return {"connectorId": 1, "csChargingProfiles": {
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": schedule}}


def start_16(**fields: Any) -> dict[str, Any]:
    return {"connectorId": 1, "idTag": "TAG1", "meterStart": 0, "timestamp": TIME, **fields}


TX_201 = {
    "eventType": "Updated", "timestamp": TIME, "triggerReason": "MeterValuePeriodic", "seqNo": 3,
    "transactionInfo": {"transactionId": "tx-1", "chargingState": "Charging"},
    "idToken": {"idToken": "04A2B3C4", "type": "ISO14443"}, "evse": {"id": 1, "connectorId": 1},
    "meterValue": [{"timestamp": TIME, "sampledValue": [
        {"value": 21.4, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "kWh"}}]}],
}


def tx(version_payload: dict[str, Any] = TX_201, **changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(version_payload)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = payload
        for key in parents:
            node = node[key]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return payload


_DELETE = object()
STREAM = {"id": 1, "pending": 0, "basetime": TIME, "data": [{"t": 0.5, "v": "230.1"}]}

CORPUS = [
    # -- OCPP 1.6 (draft-04 core, draft-06 white paper) ---------------------------------------------
    Payload("MeterValues valid", "1.6", "MeterValues", False, meter_values_16(), True),
    Payload("MeterValues Celcius (original typo) kept", "1.6", "MeterValues", False,
            meter_values_16(unit="Celcius", measurand="Temperature"), True),
    Payload("MeterValues unknown unit", "1.6", "MeterValues", False, meter_values_16(unit="Furlong"), False),
    Payload("MeterValues sampledValue empty (minItems 1)", "1.6", "MeterValues", False,
            {"connectorId": 1, "meterValue": [{"timestamp": TIME, "sampledValue": []}]}, False),
    Payload("MeterValues meterValue missing", "1.6", "MeterValues", False, {"connectorId": 1}, False),
    Payload("StopTransaction Hertz (errata overlay)", "1.6", "StopTransaction", False,
            {"meterStop": 5, "timestamp": TIME, "transactionId": 7,
             "transactionData": [{"timestamp": TIME, "sampledValue": [{"value": "50", "unit": "Hertz"}]}]}, True),
    Payload("limit 21.4, multipleOf 0.1", "1.6", "SetChargingProfile", False, profile_16(21.4), True),
    Payload("limit 0.3, multipleOf 0.1", "1.6", "SetChargingProfile", False, profile_16(0.3), True),
    Payload("limit 32 as an integer", "1.6", "SetChargingProfile", False, profile_16(32), True),
    Payload("limit 4.11 is not a multiple of 0.1", "1.6", "SetChargingProfile", False, profile_16(4.11), False),
    Payload("minChargingRate 0.7", "1.6", "SetChargingProfile", False, profile_16(16, 0.7), True),
    Payload("composite schedule limit 6.6 (response)", "1.6", "GetCompositeSchedule", True,
            {"status": "Accepted", "chargingSchedule": {"chargingRateUnit": "W",
                                                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.6}]}},
            True),
    Payload("integer written 1.0 under draft-04", "1.6", "StartTransaction", False, start_16(connectorId=1.0), False),
    Payload("integer written true", "1.6", "StartTransaction", False, start_16(connectorId=True), False),
    Payload("integer written as a string", "1.6", "StartTransaction", False, start_16(connectorId="1"), False),
    Payload("integer beyond 64 bits", "1.6", "StartTransaction", False, start_16(meterStart=2**70), True),
    Payload("negative connectorId (no minimum)", "1.6", "StartTransaction", False, start_16(connectorId=-1), True),
    Payload("idTag of 20 characters", "1.6", "StartTransaction", False, start_16(idTag="T" * 20), True),
    Payload("idTag of 21 characters", "1.6", "StartTransaction", False, start_16(idTag="T" * 21), False),
    Payload("idTag of 20 non-BMP characters", "1.6", "StartTransaction", False, start_16(idTag="🔌" * 20), True),
    Payload("idTag of 21 non-BMP characters", "1.6", "StartTransaction", False, start_16(idTag="🔌" * 21), False),
    Payload("idTag null", "1.6", "Authorize", False, {"idTag": None}, False),
    Payload("BootNotification unknown property", "1.6", "BootNotification", False,
            {"chargePointVendor": "A", "chargePointModel": "M", "colour": "red"}, False),
    Payload("date-time lowercase t and z", "1.6", "Heartbeat", True, {"currentTime": "2024-05-01t12:00:00z"}, True),
    Payload("date-time with -00:00", "1.6", "Heartbeat", True, {"currentTime": "2024-05-01T12:00:00-00:00"}, True),
    Payload("date-time without offset", "1.6", "Heartbeat", True, {"currentTime": "2024-05-01T12:00:00"}, False),
    Payload("date-time 'yesterday'", "1.6", "Heartbeat", True, {"currentTime": "yesterday"}, False),
    Payload("date-time 30 February", "1.6", "Heartbeat", True, {"currentTime": "2024-02-30T12:00:00Z"}, False),
    Payload("date-time with a space", "1.6", "Heartbeat", True, {"currentTime": "2024-05-01 12:00:00Z"}, False),
    Payload("date-time without seconds", "1.6", "Heartbeat", True, {"currentTime": "2024-05-01T12:00Z"}, False),
    Payload("date-time hour 24", "1.6", "Heartbeat", True, {"currentTime": "2024-05-01T24:00:00Z"}, False),
    Payload("date-time leap second", "1.6", "Heartbeat", True, {"currentTime": "2016-12-31T23:59:60Z"}, True,
            reference_valid=False,
            why="RFC 3339 §5.6 allows second 60; rfc3339-validator builds a datetime, which has no leap seconds"),
    Payload("date-time year 0000", "1.6", "Heartbeat", True, {"currentTime": "0000-01-01T00:00:00Z"}, True,
            reference_valid=False,
            why="RFC 3339 grammar allows year 0000; Python's datetime starts at year 1"),
    Payload("uri absolute", "1.6", "GetDiagnostics", False, {"location": "ftp://diag.example.com/upload"}, True),
    Payload("uri relative path", "1.6", "GetDiagnostics", False, {"location": "/tmp/diag"}, False),
    Payload("uri with a space", "1.6", "GetDiagnostics", False, {"location": "http://exa mple.com/"}, False),
    Payload("white paper: integer 1.0 under draft-06", "1.6", "ExtendedTriggerMessage", False,
            {"requestedMessage": "Heartbeat", "connectorId": 1.0}, True),
    Payload("white paper: unknown trigger", "1.6", "ExtendedTriggerMessage", False,
            {"requestedMessage": "Coffee"}, False),
    # -- OCPP 2.0.1 (draft-06) --------------------------------------------------------------------
    Payload("TransactionEvent valid", "2.0.1", "TransactionEvent", False, tx(), True),
    Payload("seqNo 3.0 is an integer in draft-06", "2.0.1", "TransactionEvent", False, tx(seqNo=3.0), True),
    Payload("seqNo 3.5", "2.0.1", "TransactionEvent", False, tx(seqNo=3.5), False),
    Payload("seqNo -1 (no minimum in 2.0.1)", "2.0.1", "TransactionEvent", False, tx(seqNo=-1), True),
    Payload("idToken of 36 characters", "2.0.1", "TransactionEvent", False, tx(idToken__idToken="I" * 36), True),
    Payload("idToken of 37 characters", "2.0.1", "TransactionEvent", False, tx(idToken__idToken="I" * 37), False),
    Payload("idToken of 36 non-BMP characters", "2.0.1", "TransactionEvent", False,
            tx(idToken__idToken="😀" * 36), True),
    Payload("customData with vendor fields", "2.0.1", "TransactionEvent", False,
            tx(customData={"vendorId": "acme", "colour": "red", "n": [1, 2]}), True),
    Payload("customData without vendorId", "2.0.1", "TransactionEvent", False, tx(customData={"colour": "red"}),
            False),
    Payload("unknown nested property", "2.0.1", "TransactionEvent", False, tx(evse__colour="red"), False),
    Payload("optional object null", "2.0.1", "TransactionEvent", False, tx(evse=None), False),
    Payload("required field missing", "2.0.1", "TransactionEvent", False, tx(triggerReason=_DELETE), False),
    Payload("enum in the wrong case", "2.0.1", "TransactionEvent", False, tx(eventType="updated"), False),
    Payload("nine fractional digits pass the schema (SCH-007a is a custom check)", "2.0.1", "TransactionEvent", False,
            tx(timestamp="2024-05-01T12:00:00.123456789Z"), True),
    Payload("sampled value 0.3", "2.0.1", "TransactionEvent", False,
            tx(meterValue=[{"timestamp": TIME, "sampledValue": [{"value": 0.3}]}]), True),
    Payload("interval as a string", "2.0.1", "BootNotification", True,
            {"currentTime": TIME, "interval": "300", "status": "Accepted"}, False),
    Payload("GetVariables with no entries (minItems 1)", "2.0.1", "GetVariables", False, {"getVariableData": []},
            False),
    Payload("SetVariables value of 1000 characters", "2.0.1", "SetVariables", False,
            {"setVariableData": [{"attributeValue": "v" * 1000, "component": {"name": "C"},
                                  "variable": {"name": "V"}}]}, True),
    Payload("SetVariables value of 1001 characters", "2.0.1", "SetVariables", False,
            {"setVariableData": [{"attributeValue": "v" * 1001, "component": {"name": "C"},
                                  "variable": {"name": "V"}}]}, False),
    # -- OCPP 2.1 (draft-06) --------------------------------------------------------------------
    Payload("2.1 TransactionEvent valid", "2.1", "TransactionEvent", False, tx(), True),
    Payload("2.1 seqNo -1 (minimum 0)", "2.1", "TransactionEvent", False, tx(seqNo=-1), False),
    Payload("2.1 SEND NotifyPeriodicEventStream", "2.1", "NotifyPeriodicEventStream", False, STREAM, True),
    Payload("2.1 SEND with no data", "2.1", "NotifyPeriodicEventStream", False, {**STREAM, "data": []}, False),
    Payload("2.1 CostUpdated with 12.345", "2.1", "CostUpdated", False, {"totalCost": 12.345, "transactionId": "t"},
            True),
    Payload("2.1 BootNotification with unknown reason", "2.1", "BootNotification", False,
            {"reason": "Bored", "chargingStation": {"model": "M", "vendorName": "V"}}, False),
]


def test_corpus_is_broad_enough() -> None:
    assert len(CORPUS) >= 40
    assert {p.version for p in CORPUS} == {"1.6", "2.0.1", "2.1"}
    assert any(p.valid for p in CORPUS) and any(not p.valid for p in CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=lambda p: f"{p.version}-{p.name}")
def test_validators_agree(case: Payload) -> None:
    schemas = SchemaSet.for_version(case.version)
    primary = schemas.errors(case.action, case.response, case.payload)
    reference = schemas.reference_errors(case.action, case.response, case.payload)
    assert (not primary) == case.valid, f"jsonschema-rs: {[str(e) for e in primary]}"
    expected_reference = case.valid if case.reference_valid is None else case.reference_valid
    assert (not reference) == expected_reference, f"python-jsonschema: {[str(e) for e in reference]}"
    if case.reference_valid is not None:
        assert case.why, "a legitimate difference must say why"
    if not case.valid and case.reference_valid is None:
        # both name the same places
        assert {e.path for e in primary} == {e.path for e in reference}
