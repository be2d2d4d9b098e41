"""Named faults of the reference simulators.

Each fault is one small, deliberate deviation from OCPP 1.6, switched on by name and checked in the simulator code
with `if "name" in self.faults`. The suite's self-tests run every conformance case against the correct simulator
(must pass) and against the faults meant to break it (must fail).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

Side = Literal["charge_point", "csms"]

# How far the timing faults (`...-short`, `...-long`) put a timer off: by less than the interval itself, by more than
# the quarter of it a timing check allows (`Timeouts.interval_tolerance`).
TIMER_SHORT = 0.7
TIMER_LONG = 1.3


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
    ("wrong-message-id", "answers CSMS calls with a MessageId that is not the CALL's"),
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
    # Core happy flows (OCTT 2.2-2.9, 2.23)
    ("start-without-authorize", "starts local transactions without Authorize even when LocalPreAuthorize is false"),
    ("connection-timeout-late", "cancels an authorization without cable only 8 s after ConnectionTimeOut"),
    ("stop-idtag-missing", "omits idTag in StopTransaction when a presented card stopped the transaction"),
    ("parent-id-tag-ignored", "does not let a card with the same parentIdTag stop a transaction"),
    ("ev-disconnect-always-stops", "stops the transaction on an EV-side disconnect although StopTransactionOnEVSideDisconnect is false"),
    ("unlock-on-ev-disconnect-always", "unlocks the cable on an EV-side disconnect although UnlockConnectorOnEVSideDisconnect is false"),
    ("cache-ignored", "never uses its authorization cache (asks Authorize even for cached ids with LocalPreAuthorize true)"),
    ("clear-cache-ignored", "answers ClearCache with Accepted but keeps the cached ids"),
    ("remote-start-ignored", "accepts RemoteStartTransaction but never starts the transaction"),
    ("remote-stop-ignored", "accepts RemoteStopTransaction but keeps the transaction running"),
    ("soft-reset-hard", "performs a soft Reset like a hard one (transactions are not stopped before the reboot)"),
    ("unlock-not-supported", "answers UnlockConnector with NotSupported although its connectors have a lock"),
    ("fixed-cable-unlock-unlocked", "answers UnlockConnector with Unlocked although its cable is fixed"),
    ("unlock-keeps-transaction", "unlocks the connector without stopping the transaction running on it"),
    ("get-configuration-all-incomplete", "leaves required Core keys out of GetConfiguration without keys"),
    ("change-configuration-not-applied", "answers ChangeConfiguration with Accepted but keeps the old value"),
    ("meter-values-wrong-context", "labels periodic samples Sample.Clock and clock-aligned ones Sample.Periodic"),
    ("meter-values-not-monotonic", "reports Energy.Active.Import.Register 1 kWh too high in the first periodic sample"),
    ("meter-values-no-transaction-id", "leaves transactionId out of the MeterValues of a running transaction"),
    ("meter-value-not-a-number", "reports the periodic Energy.Active.Import.Register reading as 'n/a'"),
    ("clock-aligned-unaligned", "stamps clock-aligned MeterValues half an interval off the aligned instant"),
    ("datatransfer-not-implemented", "answers DataTransfer with CALLERROR NotImplemented"),
    # Core non-happy flows (OCTT 2.10-2.16)
    ("lock-failure-ignored", "starts charging although the connector lock failed (no ConnectorLockFailure)"),
    ("remote-start-occupied-accepted", "accepts RemoteStartTransaction for a connector that already has a transaction"),
    ("unlock-failure-hidden", "answers UnlockConnector with Unlocked although the lock did not open"),
    ("power-loss-stop-after-reboot", "ignores its back-up power: reports transactions a power failure ended only after rebooting"),
    ("availability-lost-on-reboot", "forgets Inoperative connectors across a power failure (reports them Available)"),
    ("offline-timestamps-at-delivery", "stamps queued transaction messages with the time they are sent, not the time they happened"),
    ("queued-stop-local-transaction-id", "sends a StopTransaction queued while offline with its own provisional number as transactionId"),
    ("invalid-id-always-stops", "stops a transaction whose StartTransaction.conf is not Accepted although StopTransactionOnInvalidId is false"),
    ("invalid-id-never-stops", "keeps charging when StartTransaction.conf is not Accepted although StopTransactionOnInvalidId is true"),
    ("start-while-faulted", "starts a transaction on a Faulted connector"),
    # trust: one deviation, one failure
    ("connector-stuck-finishing", "keeps connector 1 Finishing for good once its first transaction ended (no unplug, "
                                  "unlock or availability change frees it)"),
    # Timing: timers off by less than their interval, by more than the quarter of it a check allows
    ("heartbeat-interval-short", "sends Heartbeat every 0.7 x HeartbeatInterval"),
    ("heartbeat-interval-long", "sends Heartbeat every 1.3 x HeartbeatInterval"),
    ("boot-retry-short", "retries a Pending BootNotification after 0.7 x the interval of the Pending answer"),
    ("connection-timeout-short", "cancels an authorization without cable after 0.7 x ConnectionTimeOut"),
    ("connection-timeout-long", "cancels an authorization without cable after 1.3 x ConnectionTimeOut"),
    ("sample-interval-short", "sends sampled MeterValues every 0.7 x MeterValueSampleInterval"),
    ("sample-interval-long", "sends sampled MeterValues every 1.3 x MeterValueSampleInterval"),
    ("clock-aligned-drift", "reads and stamps clock-aligned MeterValues 0.3 x ClockAlignedDataInterval after the "
                            "aligned instant"),
    ("clock-aligned-skipped", "leaves out every other clock-aligned reading"),
    ("offline-sample-lost", "loses the second MeterValues it queues while offline"),
    # probes of the suite's own cases (SUITE_*)
    ("unknown-key-not-reported", "leaves the keys it does not know out of GetConfiguration's unknownKey"),
    ("read-only-key-accepted", "answers ChangeConfiguration of a read-only key with Accepted (the value stays)"),
    ("transaction-error-not-retried", "drops a transaction-related message the Central System answered with a "
                                      "CALLERROR instead of sending it again"),
    ("transaction-retry-immediate", "sends a failed transaction-related message again at once, without waiting "
                                    "TransactionMessageRetryInterval"),
    # smart_charging
    ("offered-limit-not-applied", "reports its charging profiles' limits in GetCompositeSchedule but keeps offering "
                                  "its maximum (Current.Offered, Power.Offered)"),
    ("tx-default-over-tx-profile", "lets the TxDefaultProfile lead although a TxProfile of the transaction is in "
                                   "effect"),
    ("tx-profile-kept-after-transaction", "keeps applying a transaction's TxProfile after the transaction ended"),
    ("tx-profile-without-transaction-accepted", "answers SetChargingProfile with a TxProfile for a connector without "
                                                "a transaction with Accepted"),
    ("tx-profile-wrong-transaction-accepted", "accepts a TxProfile naming another transactionId and applies it to the "
                                              "running transaction"),
    ("tx-default-not-applied-to-running-transaction", "applies a TxDefaultProfile only to transactions that start "
                                                      "after it was set"),
    ("offered-limit-late", "follows a change of its charging profiles' limit 4 s late in what it offers"),
    ("composite-periods-early", "reports the periods of its composite schedule 3 s before they begin"),
    ("clear-charging-profile-ignored", "answers ClearChargingProfile with Accepted but keeps the profiles"),
    ("profile-stack-level-ignored", "lets the charging profile installed last lead, whatever the stack levels"),
    ("remote-start-profile-ignored", "accepts RemoteStartTransaction with a charging profile but charges without it"),
    ("remote-start-profile-any-purpose", "accepts RemoteStartTransaction with a charging profile of another purpose "
                                         "than TxProfile"),
    # firmware_management
    ("firmware-retrieve-date-ignored", "downloads the firmware at once, before the retrieveDate of UpdateFirmware"),
    ("firmware-installed-without-download", "reports Downloading, Downloaded, Installing and Installed without "
                                            "downloading anything"),
    ("firmware-downloaded-skipped", "never reports Downloaded (goes from Downloading to Installing)"),
    ("firmware-invalid-installed", "installs a firmware image that fails its check and reports Installed"),
    ("file-transfer-retries-ignored", "tries a failing download or upload twice more than retries allows"),
    ("file-transfer-retry-immediate", "tries a failed download or upload again at once, without waiting retryInterval"),
    ("diagnostics-empty-upload", "uploads an empty diagnostics file"),
    ("diagnostics-file-renamed", "uploads the diagnostics under another name than GetDiagnostics.conf gave"),
    ("diagnostics-uploaded-after-refusal", "reports Uploaded although every diagnostics upload was refused"),
    ("file-transfer-after-final", "downloads or uploads once more after reporting DownloadFailed, Uploaded or "
                                  "UploadFailed"),
    # local_auth_list
    ("disabled-list-version-reported", "answers GetLocalListVersion with its list version although "
                                       "LocalAuthListEnabled is false (instead of -1)"),
    ("disabled-list-updated", "accepts SendLocalList although LocalAuthListEnabled is false"),
    ("empty-list-version-kept", "reports the listVersion of an update that left the list empty instead of 0"),
    ("version-mismatch-ignored", "accepts a differential SendLocalList whose listVersion is not above the list's"),
    ("local-list-overflow-accepted", "accepts a list update beyond LocalAuthListMaxLength and drops the "
                                     "identifiers that do not fit"),
    ("differential-delete-ignored", "keeps an identifier that a differential SendLocalList sends without idTagInfo"),
    ("local-list-ignored", "never uses its Local Authorization List to authorize an identifier"),
    # remote_trigger
    ("trigger-before-conf", "sends the message a TriggerMessage asked for before its TriggerMessage.conf"),
    ("trigger-unknown-connector-accepted", "answers TriggerMessage for a connectorId it does not have with Accepted "
                                           "(and sends nothing)"),
    ("trigger-status-partial", "answers TriggerMessage StatusNotification without connectorId with the status of "
                               "connector 0 only"),
    # reservation
    ("reservation-id-missing", "leaves reservationId out of the StartTransaction of a transaction that uses a "
                               "reservation"),
    ("reservation-kept-after-use", "keeps a reservation after a transaction of an idTag it admits started"),
    ("reservation-expiry-ignored", "never ends a reservation at its expiryDate"),
    ("reservation-expires-early", "ends a reservation after 0.7 x the time left to its expiryDate"),
    ("reservation-expires-late", "ends a reservation after 1.3 x the time left to its expiryDate"),
    ("reserve-faulted-accepted", "accepts ReserveNow for a Faulted connector or charge point"),
    ("reserve-occupied-accepted", "accepts ReserveNow for an occupied or already reserved connector or charge point"),
    ("reserve-unavailable-accepted", "accepts ReserveNow for an Unavailable connector or charge point"),
    ("reservations-off-ignored", "accepts ReserveNow although configured not to accept reservations "
                                 "(ReservationsEnabled false)"),
    ("reserve-connector-zero-unsupported-accepted", "reports ReserveConnectorZeroSupported false but accepts "
                                                    "ReserveNow for connector 0"),
    ("cancel-reservation-ignored", "answers CancelReservation with Accepted but keeps the reservation"),
    ("cancel-unknown-reservation-accepted", "answers CancelReservation for an unknown reservationId with Accepted"),
    ("reservation-ignored", "lets any idTag start a transaction on a reserved connector"),
    ("reservation-parent-ignored", "lets only the reserved idTag use a reservation, not another idTag of its "
                                   "parentIdTag group"),
    # security
    ("authorization-key-not-applied", "accepts a new AuthorizationKey but keeps authenticating with the old password"),
    ("basic-auth-password-as-hex", "sends the AuthorizationKey's hexadecimal text as the Basic-auth password instead "
                                   "of the bytes it represents"),
    ("tls-wrong-cipher-suites", "offers only ChaCha20 cipher suites over TLS 1.2, none of the white paper's"),
    ("client-certificate-wrong-name", "presents a client certificate whose CN is not its identity"),
    ("tls-1.1-accepted", "connects to a Central System that speaks only TLS 1.1"),
    ("server-certificate-not-checked", "connects to a Central System whatever server certificate it presents"),
    ("security-events-not-sent", "logs security events but never sends SecurityEventNotification"),
    ("renewed-certificate-not-used", "accepts a renewed certificate but keeps connecting with the old one"),
    ("invalid-certificate-accepted", "accepts any certificate in CertificateSigned, also one for another CA"),
    ("csr-wrong-cn", "puts its serial number, not its identity, in the CN of its certificate signing requests"),
    ("installed-certificate-not-listed", "answers InstallCertificate with Accepted but does not keep the certificate"),
    ("install-certificate-type-ignored", "files an installed root certificate under the other certificate type"),
    ("certificate-hash-wrong", "hashes the whole SubjectPublicKeyInfo for issuerKeyHash, not the key's bits"),
    ("delete-certificate-ignored", "answers DeleteCertificate with Accepted but keeps the certificate"),
    ("log-upload-skipped", "reports the security log Uploaded without uploading it"),
    ("firmware-not-downloaded", "reports a signed firmware Downloaded without downloading it"),
    ("signed-firmware-request-id-wrong", "reports signed firmware statuses with a requestId one higher than asked"),
    ("firmware-signature-not-checked", "installs signed firmware without verifying its signature"),
    ("security-profile-upgrade-ignored", "accepts a higher SecurityProfile but keeps connecting with the old one"),
    ("security-profile-downgrade-accepted", "accepts a lower SecurityProfile"),
]

_CSMS = [
    ("heartbeat-no-currenttime", "answers Heartbeat without currentTime (breaks the 1.6 schema)"),
    ("boot-interval-zero", "answers BootNotification with interval 0"),
    ("wrong-subprotocol", "selects a subprotocol the charge point did not offer"),
    ("accept-no-subprotocol", "keeps the connection open when none of the offered subprotocols is supported"),
    ("refuse-unsupported-subprotocol", "refuses the handshake with HTTP 400 when none of the offered subprotocols is "
                                       "supported, instead of completing it without a subprotocol and closing"),
    ("late-reply", "answers charge point calls only after a delay longer than the response timeout (option late_reply_delay)"),
    ("no-reply", "never answers charge point calls"),
    ("wrong-message-id", "answers charge point calls with a MessageId that is not the CALL's"),
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
    # Core profile, CSMS under test
    ("valid-tag-rejected", "answers Authorize of an Accepted idTag with Invalid"),
    ("start-transaction-rejected", "answers StartTransaction of an Accepted idTag with idTagInfo Invalid"),
    ("accepted-expiry-in-past", "gives Accepted idTagInfo an expiryDate in the past"),
    ("stop-reason-rejected", "answers StopTransaction with a reason other than Local or Remote with a CALLERROR"),
    ("transactions-lost-on-reconnect", "forgets a charge point's running transactions when it reconnects and answers "
                                       "their StopTransaction with a CALLERROR"),
    ("offline-messages-rejected", "answers StartTransaction/StopTransaction stamped before the current connection "
                                  "opened (queued while offline) with idTagInfo Invalid"),
    ("faulted-status-callerror", "answers StatusNotification with status Faulted with a CALLERROR"),
    ("commands-not-sent", "acknowledges operator commands but never sends them to the charge point"),
    ("remote-start-connector-zero", "sends RemoteStartTransaction with connectorId 0 instead of the requested connector"),
    ("remote-stop-wrong-transaction", "sends RemoteStopTransaction with a transactionId one higher than requested"),
    ("reset-type-swapped", "sends Reset Soft when Hard was requested and Hard when Soft was requested"),
    ("unlock-wrong-connector", "sends UnlockConnector for the connector after the requested one"),
    ("get-configuration-key-list-dropped", "sends GetConfiguration without the requested key list"),
    ("change-configuration-value-number", "sends ChangeConfiguration values that look numeric or boolean as JSON "
                                          "numbers/booleans (breaks the 1.6 schema)"),
    ("datatransfer-not-implemented", "answers DataTransfer with CALLERROR NotImplemented"),
    ("stale-messages-rejected", "answers StartTransaction/StopTransaction stamped more than 60 s before it received "
                                "them with idTagInfo Invalid"),
    ("currenttime-seconds-off", "answers BootNotification and Heartbeat with a currentTime 10 s ahead"),
    ("calls-pipelined", "sends operator commands at once, while an earlier CALL to the charge point is still "
                        "unanswered"),
    ("stop-idtaginfo-missing", "answers StopTransaction without idTagInfo although the request carried an idTag"),
    ("parent-id-tag-missing", "leaves parentIdTag out of every idTagInfo (the group of a tag is never told)"),
    # smart_charging
    ("charging-profile-limits-binary", "sends SetChargingProfile limits computed in binary floating point (6.1 as "
                                       "6.1000000000000005)"),
    ("tx-profile-transaction-id-dropped", "sends a TxProfile in SetChargingProfile without its transactionId"),
    ("composite-schedule-unit-dropped", "sends GetCompositeSchedule without the chargingRateUnit the operator asked "
                                        "for"),
    ("clear-charging-profile-criteria-dropped", "sends ClearChargingProfile without the operator's criteria (clearing "
                                                "every profile)"),
    ("remote-start-profile-dropped", "sends RemoteStartTransaction without the charging profile the operator gave"),
    # firmware_management
    ("firmware-location-missing", "sends UpdateFirmware with the URL of a file its file servers do not have"),
    ("firmware-retrieve-date-late", "sends UpdateFirmware with a retrieveDate one hour after the one asked for"),
    ("firmware-retries-not-as-asked", "sends UpdateFirmware with two retries more than the operator asked for"),
    ("firmware-status-callerror", "answers FirmwareStatusNotification DownloadFailed and InstallationFailed with a "
                                  "CALLERROR"),
    ("diagnostics-uploads-refused", "its file servers refuse the diagnostics uploads its GetDiagnostics asks for"),
    ("diagnostics-status-callerror", "answers DiagnosticsStatusNotification UploadFailed with a CALLERROR"),
    # local_auth_list
    ("local-list-full-without-idtaginfo", "sends the entries of a full SendLocalList without idTagInfo"),
    ("local-list-duplicate-idtag", "sends the first idTag of a SendLocalList twice"),
    ("local-list-version-not-increased", "sends a differential SendLocalList with the list's current version instead "
                                         "of the next one"),
    ("local-list-no-full-retry", "does not send the full list after a differential SendLocalList failed"),
    # remote_trigger
    ("trigger-connector-dropped", "sends TriggerMessage without the connectorId the operator asked for"),
    # reservation
    ("reserve-now-wrong-connector", "sends ReserveNow for the connector after the requested one"),
    ("reservation-id-reused", "sends every ReserveNow with reservationId 1, whatever reservation it is"),
    ("reserve-expiry-shifted", "sends ReserveNow with an expiryDate one hour before the requested one (a time zone "
                               "slip)"),
    ("reserve-parent-id-tag-dropped", "leaves the requested parentIdTag out of ReserveNow"),
    ("cancel-reservation-wrong-id", "sends CancelReservation for the reservationId after the requested one"),
    ("reserved-start-rejected", "answers a StartTransaction that carries a reservationId with idTagInfo Invalid"),
    # security
    ("password-update-not-stored", "sends a new AuthorizationKey but keeps checking the old password"),
    ("authorization-key-too-short", "sends an AuthorizationKey of 10 bytes (20 hex digits)"),
    ("basic-auth-password-as-hex", "compares the Basic-auth password with the AuthorizationKey's hexadecimal text "
                                   "instead of the bytes it represents"),
    ("server-certificate-expired", "presents an expired server certificate"),
    ("tls-1.1-accepted", "accepts TLS 1.1 connections"),
    ("client-certificate-not-trusted", "checks client certificates against another CA than the one that issues "
                                       "the charge points' certificates"),
    ("client-certificate-not-verified", "asks for no client certificate under security profile 3"),
    ("client-certificate-name-not-checked", "accepts a client certificate whose CN is not the charge point's identity"),
    ("certificate-signed-not-sent", "accepts a CSR but never sends CertificateSigned"),
    ("certificate-signed-wrong-key", "returns a certificate for another key than the CSR's"),
    ("security-event-callerror", "answers SecurityEventNotification with a CALLERROR"),
    ("signed-firmware-status-callerror", "answers SignedFirmwareStatusNotification with a CALLERROR"),
    ("install-certificate-type-swapped", "sends InstallCertificate with the other certificateType than requested"),
    ("certificate-hash-data-altered", "sends DeleteCertificate with the serial number prefixed 0x"),
    ("log-location-unreachable", "sends GetLog with a remoteLocation where no server listens"),
    ("firmware-signature-invalid", "sends SignedUpdateFirmware with a signature over another image"),
    ("security-profile-value-wrong", "sends SecurityProfile one level higher than requested"),
    ("old-security-profile-accepted", "keeps accepting a charge point's old security profile after raising it"),
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
