"""Named faults of the OCPP 2.0.1 reference simulators.

Each fault is one small, deliberate deviation from OCPP 2.0.1, switched on by name and checked in the simulator code
with `if "name" in self.faults`. The self-tests run every 2.0.1 case against the correct simulators (must pass) and
against the faults meant to break it (must fail, for the reason tests/fault_table.yaml names).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

Side = Literal["charge_point", "csms"]

# How far the timing faults put a timer off: by less than the interval, by more than the quarter of it a timing check
# allows (`Timeouts.interval_tolerance`).
TIMER_SHORT = 0.7
TIMER_LONG = 1.3


@dataclass(frozen=True)
class Fault:
    name: str
    side: str  # "charge_point" | "csms" | "both"
    description: str


_CHARGING_STATION = [
    # OCPP-J (Part 4)
    ("no-reply", "never answers CSMS calls"),
    ("late-reply", "answers CSMS calls only after a delay longer than the response timeout"),
    ("wrong-message-id", "answers CSMS calls with a MessageId that is not the CALL's"),
    ("silent-on-garbage", "sends nothing back for a frame that is not JSON"),
    ("wrong-callerror-code", "answers unknown actions with NotSupported (and unsupported ones with NotImplemented)"),
    ("formationviolation-on-201", "answers schema errors with the 1.6 spellings FormationViolation and "
                                  "OccurenceConstraintViolation"),
    # OCPP 2.0.1 charging station: B Provisioning
    ("no-heartbeat", "never sends HeartbeatRequest"),
    ("boot-pending-ignored", "reports its connectors' status while its registration is Pending"),
    ("boot-retry-short", "sends the next BootNotification after a Pending or Rejected answer too early (0.7 of the "
                         "interval)"),
    ("rejected-answers-requests", "answers the CSMS's requests while Rejected instead of CALLERROR SecurityError"),
    ("get-variables-value-missing", "answers GetVariables Accepted without the attributeValue"),
    ("set-variables-not-applied", "answers SetVariables Accepted but keeps the old value"),
    ("invalid-value-accepted", "answers SetVariables of a value invalid for the variable Accepted (and keeps the old "
                               "value)"),
    ("read-only-variable-accepted", "answers SetVariables of a read-only variable Accepted (and keeps its value)"),
    ("unknown-component-accepted", "answers GetVariables of an unknown component Rejected, not UnknownComponent"),
    ("set-unknown-component-rejected", "answers SetVariables of an unknown component Rejected, not UnknownComponent"),
    ("unknown-variable-as-component", "answers Get/SetVariables of an unknown variable UnknownComponent, not "
                                      "UnknownVariable"),
    ("report-seqno-from-one", "numbers the NotifyReport messages of a report from 1"),
    ("report-tbc-wrong", "sends every NotifyReport of a report with tbc false"),
    ("report-request-id-wrong", "sends a report with a requestId other than the GetBaseReport's"),
    ("report-last-part-missing", "never sends the last NotifyReport of a report of several parts"),
    ("unsupported-report-accepted", "answers GetBaseReport of a report base it does not support Accepted (and sends "
                                    "an empty report)"),
    ("report-variable-missing", "leaves SampledDataCtrlr.TxEndedInterval out of its base reports"),
    ("reset-ignored", "answers Reset Accepted and does nothing"),
    ("on-idle-reset-immediate", "carries out a Reset OnIdle at once, with transactions under way"),
    ("ended-event-missing", "sends no TransactionEvent Ended for the transactions an Immediate reset ends"),
    ("availability-lost-on-reboot", "forgets on a reboot that ChangeAvailability made it Inoperative"),
    ("evse-reset-reboots-station", "reboots the whole station on a Reset of one EVSE"),
    ("reset-after-first-transaction", "carries out a Scheduled reset once the first of its transactions has ended"),
    ("offline-threshold-ignored", "back online, reports every connector after a short offline period and only the "
                                  "changed ones after a long one"),
    ("no-reconnect", "does not connect again after the network came back"),
    ("network-profile-slot-unchecked", "accepts SetNetworkProfile for a configuration slot it does not have"),
    ("network-priority-ignored", "connects with the network profile it was installed with, whatever "
                                 "NetworkConfigurationPriority lists first"),
    ("network-fallback-early", "gives up a network profile after one failed attempt, whatever "
                               "NetworkProfileConnectionAttempts says"),
    ("network-fallback-missing", "keeps trying the first network profile of NetworkConfigurationPriority that "
                                 "fails, never the next one"),
    ("attribute-type-ignored", "answers GetVariables of an attribute type a variable lacks with its Actual value, "
                               "SetVariables of it Rejected"),
    ("evse-reset-unsupported-accepted", "cannot reset one EVSE, yet answers a Reset of an EVSE Accepted"),
    # OCPP 2.0.1 charging station: A Security
    ("basic-auth-wrong-user", "authenticates with a Basic-auth user name that is not its identity"),
    ("password-change-ignored", "answers SetVariables of BasicAuthPassword Accepted but keeps using the old password"),
    ("short-password-accepted", "answers SetVariables of a BasicAuthPassword shorter than 16 characters Accepted"),
    ("security-downgrade-accepted", "accepts a network profile of a lower security profile than the one in use"),
    ("install-certificate-ignored", "answers InstallCertificate of a CSMS root Accepted but does not trust it"),
    ("upgrade-without-root-accepted", "accepts a network profile of security profile 2 without a CSMS root "
                                      "certificate to verify the CSMS with"),
    ("tls-wrong-cipher-suites", "offers only ChaCha20 cipher suites over TLS 1.2, none of A00's"),
    ("csms-root-lost", "loses its CSMS root certificate after its first TLS connection: refuses the valid server "
                       "certificate from then on"),
    ("tls-1.1-accepted", "connects to a CSMS that speaks only TLS 1.1"),
    ("server-certificate-not-checked", "connects to a CSMS whatever its server certificate"),
    # OCPP 2.0.1 charging station: P DataTransfer
    ("data-transfer-accepted", "answers DataTransfer of a vendor it does not know Accepted"),
    ("custom-data-rejected", "answers a request that carries customData with CALLERROR FormatViolation"),
    # OCPP 2.0.1 charging station: transactions and meter values
    ("transaction-seqno-repeated", "gives the Ended event of a transaction the seqNo of the event before it"),
    ("transaction-seqno-skips", "skips a seqNo before the Ended event of a transaction"),
    ("transaction-started-twice", "sends the first Updated event of a transaction as a second Started"),
    ("transaction-evse-changes", "names the next EVSE in the Ended event of a transaction"),
    ("transaction-timestamp-backwards", "dates the Ended event of a transaction a minute before the events before it"),
    ("start-point-ignored", "starts transactions at PowerPathClosed whatever TxStartPoint says"),
    ("stop-point-ignored", "ends transactions only when the EV is disconnected, whatever TxStopPoint says"),
    ("started-idtoken-missing", "leaves the IdToken out of the Started event of an authorized transaction"),
    ("authorize-skipped", "starts a transaction with a presented IdToken without asking the CSMS (no Authorize)"),
    ("ev-connection-timeout-ignored", "keeps an authorization without a cable for ever (EVConnectionTimeOut ignored)"),
    ("charging-state-wrong", "reports chargingState Charging while the EV takes no energy"),
    ("local-stop-ignored", "does not stop a transaction when the IdToken that started it is presented again"),
    ("ev-disconnect-reason-local", "ends a transaction whose cable came out with stoppedReason Local"),
    ("ev-side-disconnect-ignored", "keeps the authorization of a transaction disconnected at the EV side although "
                                   "StopTxOnEVSideDisconnect is true"),
    ("invalid-id-ignored", "goes on charging when the CSMS answers a transaction's IdToken Invalid"),
    ("transaction-status-queue-wrong", "answers GetTransactionStatus with messagesInQueue the wrong way round"),
    ("offline-flag-missing", "sends the transaction events queued while offline without offline true"),
    ("offline-queue-reordered", "delivers the last two transaction events queued while offline in reverse order"),
    ("message-not-retried", "drops a TransactionEvent the CSMS failed to process instead of trying again"),
    ("message-attempts-exceeded", "tries a TransactionEvent the CSMS fails to process once more than MessageAttempts"),
    ("meter-begin-missing", "sends no Transaction.Begin meter value in the Started event"),
    ("meter-end-missing", "sends no Transaction.End meter value in the Ended event"),
    ("sampled-interval-long", "samples transaction meter values every twice SampledDataCtrlr.TxUpdatedInterval"),
    ("aligned-interval-long", "sends clock-aligned meter values every twice AlignedDataCtrlr.Interval"),
    ("clock-aligned-in-transaction-missing", "sends no clock-aligned meter values during a transaction"),
    ("aligned-meter-values-in-transaction", "sends clock-aligned MeterValues for an EVSE with a transaction too"),
    ("ended-readings-missing", "leaves the readings taken for the Ended event (TxEndedInterval) out of it"),
    ("signed-readings-missing", "sends unsigned meter values although SignReadings is true"),
    ("group-stop-ignored", "does not stop a transaction when an IdToken of the same group is presented"),
    ("leave-bay-ignored", "does not notice a vehicle leaving the parking bay"),
    ("ev-side-suspend-ignored", "ends a transaction disconnected at the EV side although StopTxOnEVSideDisconnect is "
                                "false"),
    ("remote-authorization-not-disabled", "sends AuthorizeRequest although DisableRemoteAuthorization is true"),
    ("heartbeat-interval-short", "sends Heartbeat at 0.7 of its HeartbeatInterval"),
    ("heartbeat-interval-long", "sends Heartbeat at 1.3 of its HeartbeatInterval"),
    ("scheduled-reset-forgotten", "never carries out an OnIdle reset it scheduled while a transaction ran"),
    ("ev-side-disconnect-cable-kept-locked", "keeps the cable locked after an EV-side disconnect although "
                                             "UnlockOnEVSideDisconnect is true"),
    ("ev-side-disconnect-cable-unlocked", "unlocks the cable after an EV-side disconnect although "
                                          "UnlockOnEVSideDisconnect is false"),
    ("fixed-cable-timeout-ignored", "with a fixed cable, waits for ever for an EV disconnected at the EV side "
                                    "(EVConnectionTimeOut ignored)"),
    ("begin-readings-lost-late-evse", "leaves the Transaction.Begin values out when the EVSE of a transaction "
                                      "becomes known after its Started event"),
]

_CSMS = [
    # OCPP-J (Part 4)
    ("no-reply", "never answers charging station calls"),
    ("late-reply", "answers charging station calls only after a delay longer than the response timeout"),
    ("wrong-message-id", "answers charging station calls with a MessageId that is not the CALL's"),
    ("silent-on-garbage", "sends nothing back for a frame that is not JSON"),
    ("wrong-callerror-code", "answers unknown actions with NotSupported (and unsupported ones with NotImplemented)"),
    ("formationviolation-on-201", "answers schema errors with the 1.6 spellings FormationViolation and "
                                  "OccurenceConstraintViolation"),
    ("calls-pipelined", "sends operator commands at once, while an earlier CALL to the station is unanswered"),
    # B Provisioning: registration and clock
    ("boot-interval-zero", "answers BootNotification with interval 0"),
    ("boot-status-ignored", "answers every BootNotification Accepted, whatever registration status the operator set"),
    ("currenttime-skewed", "answers BootNotification and Heartbeat with a currentTime one hour ahead"),
    ("heartbeat-no-currenttime", "answers Heartbeat without currentTime"),
    ("not-accepted-requests-answered", "answers the requests of a Pending or Rejected station as if it were Accepted"),
    # B Provisioning: what the operator asked is sent otherwise
    ("commands-not-sent", "never sends what its operator asks it to send"),
    ("get-variables-instance-dropped", "drops the variable instance from GetVariablesRequest"),
    ("set-variables-value-trimmed", "cuts the last character off every value of SetVariablesRequest"),
    ("notify-report-parts-refused", "answers every NotifyReport after the first part of a report with CALLERROR"),
    ("report-base-swapped", "asks GetBaseReport for another report base than the operator chose"),
    ("reset-type-swapped", "sends Reset OnIdle as Immediate and Immediate as OnIdle"),
    ("reset-evse-dropped", "drops the evseId from ResetRequest (resets the whole station)"),
    ("network-profile-used-whatever-answer", "makes a network profile the station's first choice "
                                             "(NetworkConfigurationPriority) even when storing it failed"),
    ("network-profile-slot-shifted", "puts SetNetworkProfile in the configuration slot after the one asked for"),
    # A Security
    ("basic-auth-password-as-hex", "expects the hexadecimal text of the BasicAuthPassword instead of the password"),
    ("basic-auth-ignored", "accepts a connection whatever its HTTP Basic credentials"),
    ("basic-auth-user-not-checked", "accepts HTTP Basic credentials whose user name is not the station's identity"),
    ("password-update-not-stored", "keeps the old BasicAuthPassword after the station accepted a new one"),
    ("password-stored-when-rejected", "takes a new BasicAuthPassword even when the station rejected it"),
    ("server-certificate-expired", "presents an expired server certificate (security profile 2)"),
    ("tls-1.1-accepted", "accepts TLS 1.1 connections (security profile 2)"),
    # P DataTransfer and CustomData
    ("data-transfer-callerror", "answers DataTransfer with CALLERROR NotSupported instead of a status"),
    ("data-transfer-rejected", "answers DataTransfer of a vendorId it does not know Rejected, not UnknownVendorId"),
    ("custom-data-refused", "answers any message that carries customData with CALLERROR FormatViolation"),
    # OCPP-J handshake (Part 4 §3)
    ("refuse-unsupported-subprotocol", "refuses (HTTP 400) a handshake that does not offer ocpp2.0.1"),
    ("wrong-subprotocol", "selects a subprotocol the station did not offer"),
    ("first-subprotocol-selected", "selects the first subprotocol offered, whatever it is"),
    ("accept-no-subprotocol", "keeps a connection open that agreed on no subprotocol"),
    # A05 Upgrade Charging Station Security Profile
    ("old-security-profile-accepted", "still accepts a station's HTTP Basic connection without a client certificate "
                                      "after it connected with security profile 3"),
    # E Transactions
    ("tx-id-token-info-missing", "answers TransactionEvent without idTokenInfo, even when it carries an IdToken"),
    ("tx-id-token-info-on-started-only", "gives idTokenInfo only in the answer to a Started TransactionEvent, not "
                                         "to the Updated or Ended one that carries an IdToken"),
    ("tx-unknown-token-accepted", "answers an IdToken it does not know Accepted instead of Invalid"),
    ("group-id-token-missing", "leaves the groupIdToken out of the IdTokenInfo of an IdToken that belongs to a group"),
    ("tx-trigger-reasons-limited", "answers CALLERROR to a TransactionEvent whose triggerReason is not one of a "
                                   "transaction started and stopped by authorization (CablePluggedIn, EVDetected, "
                                   "ChargingStateChanged, EVCommunicationLost, ...)"),
    ("tx-stopped-reasons-1.6", "answers CALLERROR to an Ended TransactionEvent whose stoppedReason OCPP 1.6 does not "
                               "have (StoppedByEV, Timeout, ...)"),
    ("tx-seq-no-per-station", "answers CALLERROR to a Started TransactionEvent whose seqNo is not above the last "
                              "seqNo of the station (a station restarting seqNo at 0 per transaction)"),
    ("tx-offline-refused", "answers CALLERROR to a TransactionEvent the station queued while offline"),
    ("tx-started-without-evse-refused", "answers CALLERROR to a Started TransactionEvent without an EVSE"),
    ("request-stop-stale-transaction", "sends RequestStopTransaction with the id of an ended transaction, not the "
                                       "one asked"),
    ("get-transaction-status-id-dropped", "sends GetTransactionStatus without the transactionId asked"),
    ("get-transaction-status-id-added", "adds the id of the station's latest transaction to a GetTransactionStatus "
                                        "asked without one"),
    # J Meter Values
    ("meter-values-callerror", "answers MeterValues with CALLERROR NotImplemented"),
    ("signed-meter-values-refused", "answers CALLERROR FormatViolation to meter values carrying a signedMeterValue"),
    ("sampled-value-unit-required", "answers CALLERROR to a sampledValue without unitOfMeasure (optional: Wh)"),
    ("tx-clock-aligned-refused", "answers CALLERROR to a TransactionEvent carrying clock-aligned (Sample.Clock) "
                                 "meter values"),
]

CHARGING_STATION_FAULTS: dict[str, Fault] = {n: Fault(n, "charge_point", t) for n, t in _CHARGING_STATION}
CSMS_FAULTS: dict[str, Fault] = {n: Fault(n, "csms", t) for n, t in _CSMS}


def _merge() -> dict[str, Fault]:
    merged: dict[str, Fault] = {}
    for name in [*CHARGING_STATION_FAULTS, *CSMS_FAULTS]:
        cs, csms = CHARGING_STATION_FAULTS.get(name), CSMS_FAULTS.get(name)
        if cs and csms:
            merged[name] = Fault(name, "both", f"charging station: {cs.description}; CSMS: {csms.description}")
        else:
            merged[name] = cs or csms  # type: ignore[assignment]
    return merged


FAULTS: dict[str, Fault] = _merge()


def faults_for(side: Side) -> dict[str, Fault]:
    return CHARGING_STATION_FAULTS if side == "charge_point" else CSMS_FAULTS


def check_faults(names: Iterable[str], side: Side) -> frozenset[str]:
    """The names as a set; a name the side does not know raises ValueError listing the known ones."""
    known = faults_for(side)
    chosen = frozenset(names)
    unknown = sorted(chosen - known.keys())
    if unknown:
        label = "charging station" if side == "charge_point" else "CSMS"
        raise ValueError(f"unknown 2.0.1 {label} fault(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return chosen


def faults_for_side(names: Iterable[str], side: Side) -> frozenset[str]:
    """The faults of `names` this side has. A run's `--sim-fault` goes to every simulator of every version and was
    checked against all of them (`conformance.versions.check_fault_names`): names of other versions or of the other
    side are left out here."""
    return frozenset(n for n in names if n in faults_for(side))


def describe(side: Side | None = None) -> str:
    """One line per fault, for `--help`."""
    sides: list[Side] = [side] if side else ["charge_point", "csms"]
    return "\n".join(f"{'charging station' if s == 'charge_point' else 'CSMS':16} {f.name:42} {f.description}"
                     for s in sides for f in faults_for(s).values())
