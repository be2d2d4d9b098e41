"""What the reference charge point keeps: its connectors, transactions and outgoing messages."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

MEASURANDS = {
    # measurand: (unit, location)
    "Energy.Active.Import.Register": ("Wh", "Outlet"),
    "Power.Active.Import": ("W", "Outlet"),
    "Current.Import": ("A", "Outlet"),
    "Current.Offered": ("A", "Outlet"),
    "Power.Offered": ("W", "Outlet"),
    "Voltage": ("V", "Outlet"),
    "Frequency": (None, None),
    "Temperature": ("Celsius", "Body"),
    "SoC": ("Percent", "EV"),
}


@dataclass
class Transaction:
    local_id: int
    connector_id: int
    id_tag: str
    parent_id_tag: str | None
    meter_start: int
    start_time: str
    transaction_id: int | None = None  # assigned by the Central System in StartTransaction.conf
    start_answered: bool = False
    reported: bool = False  # the Charging status may be reported (after the StartTransaction round trip)
    deauthorized: bool = False  # not Accepted in StartTransaction.conf, energy stopped (StopTransactionOnInvalidId=false)
    start_values: dict[str, str] = field(default_factory=dict)
    periodic_readings: int = 0  # periodic readings so far (fault meter-values-not-monotonic)


@dataclass
class Connector:
    id: int
    plugged: bool = False
    operative: bool = True
    scheduled_operative: bool | None = None  # ChangeAvailability answered Scheduled
    fault: str | None = None  # error code while Faulted
    stuck: bool = False  # fault connector-stuck-finishing: Finishing for good after its first transaction
    lock_fails: bool = False
    unlock_fails: bool = False
    lock_failure: bool = False  # the last locking attempt failed
    ev_suspended: bool = False
    transaction: Transaction | None = None
    pending_tag: tuple[str, str | None] | None = None  # authorized, waiting for the cable (idTag, parentIdTag)
    pending_timer: asyncio.Task | None = None
    finishing: bool = False  # transaction over, cable still in
    locked_for: str | None = None  # cable kept locked after EV-side disconnect until this idTag returns
    energy_wh: float = 0.0
    flowing_since: float | None = None
    status: tuple[str, str] | None = None  # (status, errorCode) now
    soc: float = 20.0


@dataclass
class Outgoing:
    action: str
    payload: dict
    tx: Transaction | None = None  # refers to this transaction: its transactionId is filled in at send time
    starts: Transaction | None = None  # the StartTransaction of this transaction
    transactional: bool = False
    connector_id: int | None = None  # StatusNotification: which connector
    future: asyncio.Future | None = None
    attempts: int = 0
    validate: bool = True  # check our own payload against the 1.6 schema before sending
