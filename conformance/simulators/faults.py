"""Named faults of the reference simulators.

Each fault is one small, deliberate deviation from OCPP 1.6, switched on by name and checked in the simulator code
with `if "name" in self.faults`. The suite's self-tests run every conformance case against the correct simulator
(must pass) and against the faults meant to break it (must fail).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

Side = Literal["charge_point", "csms"]


@dataclass(frozen=True)
class Fault:
    name: str
    side: str  # "charge_point" | "csms" | "both"
    description: str

    def applies_to(self, side: str) -> bool:
        return self.side in (side, "both")


_CHARGE_POINT = [
    ("heartbeat-schema-invalid", "sends Heartbeat with an extra property (breaks the 1.6 schema)"),
    ("late-reply", "answers CSMS calls only after a delay longer than the response timeout (option late_reply_delay)"),
    ("no-reply", "never answers CSMS calls"),
    ("skip-status-notification", "does not report the Preparing and Available transitions"),
    ("boot-pending-ignored", "sends Heartbeat and StatusNotification while its BootNotification is Pending"),
    ("boot-not-first", "sends StatusNotification before BootNotification after (re)boot"),
    ("wrong-callerror-code", "answers unknown actions with NotSupported (and unsupported ones with NotImplemented)"),
    ("formatviolation-on-16", "answers schema errors with FormatViolation (a 2.0.1 code) instead of the 1.6 codes"),
    ("silent-on-garbage", "sends nothing back for a frame that is not JSON"),
    ("no-subprotocol", "opens the WebSocket without offering the ocpp1.6 subprotocol"),
    ("no-heartbeat", "never sends Heartbeat"),
    ("remote-start-connector-zero-accepted", "accepts RemoteStartTransaction for connectorId 0"),
    ("remote-stop-unknown-accepted", "accepts RemoteStopTransaction for an unknown transactionId"),
    ("unknown-config-key-rejected", "answers ChangeConfiguration of an unknown key with Rejected instead of NotSupported"),
    ("invalid-config-value-accepted", "accepts ChangeConfiguration values of the wrong type or range"),
    ("get-configuration-leaks-authorization-key", "returns AuthorizationKey in GetConfiguration"),
    ("reset-ignored", "accepts Reset but does not reboot"),
    ("unlock-unknown-connector-unlocked", "answers UnlockConnector for an unknown connector with Unlocked"),
    ("offline-queue-dropped", "drops the transaction messages it should have queued while offline"),
    ("no-stop-after-power-loss", "does not send StopTransaction for transactions interrupted by a power loss"),
    ("start-despite-invalid-tag", "starts a transaction although Authorize answered the idTag as not Accepted"),
    ("stop-reason-missing", "omits the reason in StopTransaction whatever stopped the transaction"),
    ("datatransfer-unknown-vendor-accepted", "answers DataTransfer with an unknown vendorId with Accepted"),
    ("meter-values-missing", "never sends sampled or clock-aligned MeterValues"),
]

_CSMS = [
    ("heartbeat-no-currenttime", "answers Heartbeat without currentTime (breaks the 1.6 schema)"),
    ("boot-interval-zero", "answers BootNotification with interval 0"),
    ("wrong-subprotocol", "selects a subprotocol the charge point did not offer"),
    ("accept-no-subprotocol", "keeps the connection open when none of the offered subprotocols is supported"),
    ("late-reply", "answers charge point calls only after a delay longer than the response timeout (option late_reply_delay)"),
    ("no-reply", "never answers charge point calls"),
    ("wrong-callerror-code", "answers unknown actions with NotSupported (and unsupported ones with NotImplemented)"),
    ("formatviolation-on-16", "answers schema errors with FormatViolation (a 2.0.1 code) instead of the 1.6 codes"),
    ("silent-on-garbage", "sends nothing back for a frame that is not JSON"),
    ("invalid-tag-accepted", "answers Authorize of an unknown (invalid) idTag with Accepted"),
    ("blocked-tag-accepted", "answers Authorize of a blocked idTag with Accepted"),
    ("expired-tag-accepted", "answers Authorize of an expired idTag with Accepted"),
    ("currenttime-skewed", "answers BootNotification and Heartbeat with a currentTime one hour off"),
    ("concurrent-tx-accepted", "accepts StartTransaction for an idTag that already has a running transaction"),
    ("transaction-id-reused", "hands out the same transactionId for every StartTransaction"),
    ("unknown-charger-accepted", "accepts the WebSocket of an unknown identity although accept_unknown_chargers is off"),
    ("basic-auth-ignored", "accepts connections without checking HTTP Basic credentials"),
    ("datatransfer-unknown-vendor-accepted", "answers DataTransfer with an unknown vendorId with Accepted"),
]

CHARGE_POINT_FAULTS: dict[str, Fault] = {n: Fault(n, "charge_point", t) for n, t in _CHARGE_POINT}
CSMS_FAULTS: dict[str, Fault] = {n: Fault(n, "csms", t) for n, t in _CSMS}


def _merge() -> dict[str, Fault]:
    merged: dict[str, Fault] = {}
    for name in [*CHARGE_POINT_FAULTS, *CSMS_FAULTS]:
        cp, cs = CHARGE_POINT_FAULTS.get(name), CSMS_FAULTS.get(name)
        if cp and cs:
            merged[name] = Fault(name, "both", f"charge point: {cp.description}; CSMS: {cs.description}")
        else:
            merged[name] = cp or cs  # type: ignore[assignment]
    return merged


# Every fault by name. A few names exist on both sides (late-reply, no-reply, ...): their side is "both".
FAULTS: dict[str, Fault] = _merge()


def faults_for(side: Side) -> dict[str, Fault]:
    return CHARGE_POINT_FAULTS if side == "charge_point" else CSMS_FAULTS


def check_faults(names: Iterable[str], side: Side) -> frozenset[str]:
    """Return the names as a set; an unknown name raises ValueError listing the known ones for that side."""
    known = faults_for(side)
    chosen = frozenset(names)
    unknown = sorted(chosen - known.keys())
    if unknown:
        label = "charge point" if side == "charge_point" else "CSMS"
        raise ValueError(
            f"unknown {label} fault(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return chosen


def describe(side: Side | None = None) -> str:
    """One line per fault, for `--help` and error messages."""
    sides: list[Side] = [side] if side else ["charge_point", "csms"]
    lines = []
    for s in sides:
        for fault in faults_for(s).values():
            lines.append(f"{s:12} {fault.name:42} {fault.description}")
    return "\n".join(lines)


def check_fault_names(names: Iterable[str]) -> None:
    """Raise ValueError naming every fault that neither simulator knows (for `--sim-fault`, which goes to both)."""
    unknown = sorted(set(names) - FAULTS.keys())
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}")


def faults_for_side(names: Iterable[str], side: Side) -> frozenset[str]:
    """The faults of `names` that apply to `side`; names of the other side only are dropped, unknown ones raise."""
    names = list(names)
    check_fault_names(names)
    return frozenset(n for n in names if n in faults_for(side))
