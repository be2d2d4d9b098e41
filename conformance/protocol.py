"""What the OCPP versions say, as data: the one place where the core learns how versions differ.

The judge, the schema loader, the peer, the descriptor and case location read a `Protocol` instead of branching
on a version string: its subprotocol, where its schemas live and how they are named, its message types and
CALLERROR codes (both spellings the specifications use), which role initiates each action, how long a MessageId
lives, what its roles are called. What the suite *does* in a version (its roles, preconditions, simulators) is
not here: that lives in the version's own package (see `conformance.versions`).

Message directions: 1.6 core specification chapters 4 (operations initiated by the Charge Point) and 5 (by the
Central System), plus the security white paper; 2.0.1 and 2.1 the message direction of each use case in Part 2.
DataTransfer goes both ways in every version. The self-tests check these tables name exactly the actions the
version's schemas define.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from conformance.frames import CALL, CALLERROR, CALLRESULT, CALLRESULTERROR, SEND
from conformance.wire import Role

_CP, _CSMS = Role.CHARGE_POINT, Role.CSMS

_CP_16_CORE = {
    "Authorize", "BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification",
    "Heartbeat", "MeterValues", "StartTransaction", "StatusNotification", "StopTransaction",
}
_CSMS_16_CORE = {
    "CancelReservation", "ChangeAvailability", "ChangeConfiguration", "ClearCache", "ClearChargingProfile",
    "GetCompositeSchedule", "GetConfiguration", "GetDiagnostics", "GetLocalListVersion",
    "RemoteStartTransaction", "RemoteStopTransaction", "ReserveNow", "Reset", "SendLocalList",
    "SetChargingProfile", "TriggerMessage", "UnlockConnector", "UpdateFirmware",
}
# "Improved security for OCPP 1.6-J" white paper.
_CP_16_WHITEPAPER = {
    "LogStatusNotification", "SecurityEventNotification", "SignCertificate", "SignedFirmwareStatusNotification",
}
_CSMS_16_WHITEPAPER = {
    "CertificateSigned", "DeleteCertificate", "ExtendedTriggerMessage", "GetInstalledCertificateIds",
    "GetLog", "InstallCertificate", "SignedUpdateFirmware",
}
WHITEPAPER_ACTIONS_16 = frozenset(_CP_16_WHITEPAPER | _CSMS_16_WHITEPAPER)

_CS_201 = {
    "Authorize", "BootNotification", "ClearedChargingLimit", "FirmwareStatusNotification",
    "Get15118EVCertificate", "GetCertificateStatus", "Heartbeat", "LogStatusNotification", "MeterValues",
    "NotifyChargingLimit", "NotifyCustomerInformation", "NotifyDisplayMessages", "NotifyEVChargingNeeds",
    "NotifyEVChargingSchedule", "NotifyEvent", "NotifyMonitoringReport", "NotifyReport",
    "PublishFirmwareStatusNotification", "ReportChargingProfiles", "ReservationStatusUpdate",
    "SecurityEventNotification", "SignCertificate", "StatusNotification", "TransactionEvent",
}
_CSMS_201 = {
    "CancelReservation", "CertificateSigned", "ChangeAvailability", "ClearCache", "ClearChargingProfile",
    "ClearDisplayMessage", "ClearVariableMonitoring", "CostUpdated", "CustomerInformation",
    "DeleteCertificate", "GetBaseReport", "GetChargingProfiles", "GetCompositeSchedule",
    "GetDisplayMessages", "GetInstalledCertificateIds", "GetLocalListVersion", "GetLog",
    "GetMonitoringReport", "GetReport", "GetTransactionStatus", "GetVariables", "InstallCertificate",
    "PublishFirmware", "RequestStartTransaction", "RequestStopTransaction", "ReserveNow", "Reset",
    "SendLocalList", "SetChargingProfile", "SetDisplayMessage", "SetMonitoringBase", "SetMonitoringLevel",
    "SetNetworkProfile", "SetVariableMonitoring", "SetVariables", "TriggerMessage", "UnlockConnector",
    "UnpublishFirmware", "UpdateFirmware",
}
# Added in 2.1 (NotifyPeriodicEventStream is a SEND message).
_CS_21_NEW = {
    "BatterySwap", "ClosePeriodicEventStream", "GetCertificateChainStatus", "NotifyDERAlarm",
    "NotifyDERStartStop", "NotifyPeriodicEventStream", "NotifyPriorityCharging", "NotifySettlement",
    "OpenPeriodicEventStream", "PullDynamicScheduleUpdate", "ReportDERControl", "VatNumberValidation",
}
_CSMS_21_NEW = {
    "AFRRSignal", "AdjustPeriodicEventStream", "ChangeTransactionTariff", "ClearDERControl", "ClearTariffs",
    "GetDERControl", "GetPeriodicEventStream", "GetTariffs", "NotifyAllowedEnergyTransfer",
    "NotifyWebPaymentStarted", "RequestBatterySwap", "SetDERControl", "SetDefaultTariff",
    "UpdateDynamicSchedule", "UsePriorityCharging",
}
_BOTH = {"DataTransfer"}


def _directions(cp: set[str], csms: set[str]) -> dict[str, frozenset[Role]]:
    table: dict[str, frozenset[Role]] = {}
    for action in cp:
        table[action] = frozenset({_CP})
    for action in csms:
        table[action] = frozenset({_CSMS})
    for action in _BOTH:
        table[action] = frozenset({_CP, _CSMS})
    return table


_COMMON_ERROR_CODES = frozenset({
    "NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError",
    "PropertyConstraintViolation", "TypeConstraintViolation", "GenericError",
})
# The version's own spelling (OCPP-J 1.6 Table 7; 2.0.1 Part 4 Table 8; 2.1 Part 4 Table 9).
_ERROR_CODES_16 = _COMMON_ERROR_CODES | {"FormationViolation", "OccurenceConstraintViolation"}
_ERROR_CODES_2X = _COMMON_ERROR_CODES | {"FormatViolation", "OccurrenceConstraintViolation", "RpcFrameworkError",
                                         "MessageTypeNotSupported"}


# 2.x: the certification profiles of Part 5 (Table 1) a descriptor declares in `features` (Core always), the optional
# features of Part 5 the suite's 2.0.1 cases depend on, and IdTokenEnumType.
_CERTIFICATION_PROFILES_2X = ("core", "advanced_security", "local_auth_list", "smart_charging",
                              "advanced_device_management", "advanced_user_interface", "reservation", "iso15118")
_OPTIONAL_FEATURES_201 = (
    "reset_evse",  # B11/B12: a single EVSE can be reset (ResetRequest with evseId)
    "rejected_keeps_connection",  # B03: while Rejected the station keeps the connection open until its next boot
    "signed_meter_values",  # J01/J02: meter values signed when SignReadings is true (E01: TxStartPoint DataSigned)
)
_ID_TOKEN_TYPES_2X = frozenset({"Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress",
                                "NoAuthorization"})


@dataclass(frozen=True)
class Protocol:
    """One OCPP version as the core needs to know it."""

    version: str
    package: str  # the folder name of the version's cases and behaviour: profiles/<package>, conformance/<package>
    subprotocol: str
    schema_dir: str  # folder of the `ocpp` package holding the version's JSON schemas
    request_schema_suffix: str  # "" (1.6: Authorize.json) or "Request" (2.x: AuthorizeRequest.json)
    message_types: frozenset[int]
    error_codes: frozenset[str]
    # Spellings seen in the field and accepted with a warning: non-canonical code -> canonical code.
    error_code_aliases: dict[str, str]
    format_violation_code: str  # the CALLERROR code for a payload that breaks the schema, as the version spells it
    initiators: dict[str, frozenset[Role]]  # action -> the roles that may send it as a CALL (or SEND)
    csms_name: str
    charge_point_name: str
    message_ids_unique_per: Literal["connection", "identity"]
    one_outstanding_call_rule: str  # RPC-010a (1.6: SHOULD) or RPC-010 (2.x: MUST)
    field_check: Literal["cistring", "date-time", ""]  # field rules the schemas cannot express
    id_token_field: str  # what the version calls the token a driver presents: idTag (1.6), idToken (2.x)
    id_token_max_length: int
    error_description_max_length: int | None = None
    # The CALLERROR code a receiver answers a message of an unknown MessageTypeId with ("" = it ignores the message:
    # 1.6 §4.1.3); 2.x Part 4 §4.4: MessageTypeNotSupported.
    unknown_message_type_code: str = ""
    retry_keeps_message_id: bool = False  # 2.1: a retried identical message may keep its MessageId
    whitepaper_actions: frozenset[str] = field(default_factory=frozenset)  # need the white paper declared
    # Registration (judged by conformance.rules.registration): the charging station's boot request ("" = not judged),
    # the CSMS request that makes it reboot, the CSMS requests that ask for one of its messages, their field naming it,
    # and names that differ from the action.
    boot_action: str = ""
    reset_action: str = ""
    trigger_actions: frozenset[str] = field(default_factory=frozenset)
    trigger_field: str = "requestedMessage"
    triggered_actions: dict[str, str] = field(default_factory=dict)
    # CSMS requests whose answer a charging station may send while Pending (2.x: a report asked for with GetBaseReport
    # or GetReport is sent as NotifyReport) -> the action they allow.
    pending_report_actions: dict[str, str] = field(default_factory=dict)
    # While Rejected: "" = the station answers nothing (1.6 §4.2); else the one CALLERROR code it answers with (2.x
    # B03.FR.08: SecurityError).
    rejected_reply_code: str = ""
    # The charging station's transaction event message, judged by conformance.rules.transactions ("" = not judged).
    transaction_event_action: str = ""
    # What the descriptor's `features` name (feature profiles, 1.6; certification profiles, 2.x), and whether a case's
    # profile folder is one of them (1.6: profiles/ocpp16/<feature profile>/) or a functional block whose cases are
    # chosen by their needs (2.x: profiles/ocpp201/<block>/, Part 2's blocks A-P).
    feature_profiles: tuple[str, ...] = ()
    folders_are_features: bool = True
    # 2.x: optional features (Part 5) a descriptor may claim in `optional_features`, the device model (components and
    # variables instead of configuration keys) and the types an IdToken carries.
    optional_features: tuple[str, ...] = ()
    device_model: bool = False
    id_token_types: frozenset[str] = field(default_factory=frozenset)

    def role_name(self, role: Role) -> str:
        return self.csms_name if role is Role.CSMS else self.charge_point_name

    def initiators_of(self, action: str) -> frozenset[Role]:
        """Roles that may send `action` as a CALL (or 2.1 SEND); empty when the action is unknown."""
        return self.initiators.get(action, frozenset())

    def actions_initiated_by(self, role: Role) -> frozenset[str]:
        """The actions `role` may send as a CALL (DataTransfer goes both ways)."""
        return frozenset(action for action, roles in self.initiators.items() if role in roles)

    def message_label(self, action: str, response: bool) -> str:
        """How the version's specification names a message: Authorize.req / .conf (1.6), AuthorizeRequest (2.x)."""
        if not self.request_schema_suffix:
            return f"{action}.conf" if response else f"{action}.req"
        return action + ("Response" if response else self.request_schema_suffix)

    @property
    def has_callresulterror(self) -> bool:
        return CALLRESULTERROR in self.message_types


OCPP16 = Protocol(
    version="1.6",
    package="ocpp16",
    subprotocol="ocpp1.6",
    schema_dir="v16",
    request_schema_suffix="",
    message_types=frozenset({CALL, CALLRESULT, CALLERROR}),
    error_codes=_ERROR_CODES_16,
    error_code_aliases={"FormatViolation": "FormationViolation",
                        "OccurrenceConstraintViolation": "OccurenceConstraintViolation"},
    format_violation_code="FormationViolation",
    initiators=_directions(_CP_16_CORE | _CP_16_WHITEPAPER, _CSMS_16_CORE | _CSMS_16_WHITEPAPER),
    csms_name="Central System",
    charge_point_name="Charge Point",
    message_ids_unique_per="connection",
    one_outstanding_call_rule="RPC-010a",
    field_check="cistring",
    id_token_field="idTag",
    id_token_max_length=20,  # idTag is CiString20Type
    whitepaper_actions=WHITEPAPER_ACTIONS_16,
    boot_action="BootNotification",
    reset_action="Reset",
    trigger_actions=frozenset({"TriggerMessage", "ExtendedTriggerMessage"}),
    triggered_actions={"SignChargePointCertificate": "SignCertificate"},
    feature_profiles=("core", "firmware_management", "local_auth_list", "reservation", "remote_trigger",
                      "smart_charging", "security"),
)

OCPP201 = Protocol(
    version="2.0.1",
    package="ocpp201",
    subprotocol="ocpp2.0.1",
    schema_dir="v201",
    request_schema_suffix="Request",
    message_types=frozenset({CALL, CALLRESULT, CALLERROR}),
    error_codes=_ERROR_CODES_2X,
    error_code_aliases={"OccurenceConstraintViolation": "OccurrenceConstraintViolation"},
    format_violation_code="FormatViolation",
    initiators=_directions(_CS_201, _CSMS_201),
    csms_name="CSMS",
    charge_point_name="Charging Station",
    message_ids_unique_per="identity",
    one_outstanding_call_rule="RPC-010",
    field_check="date-time",
    id_token_field="idToken",
    id_token_max_length=36,  # IdTokenType.idToken is identifierString(36)
    error_description_max_length=255,
    unknown_message_type_code="MessageTypeNotSupported",
    # Registration (Part 2 B01-B03): while Pending the station sends only what TriggerMessage, GetBaseReport or
    # GetReport asked for (B02.FR.02); while Rejected it answers the CSMS's requests with SecurityError (B03.FR.08).
    boot_action="BootNotification",
    reset_action="Reset",
    trigger_actions=frozenset({"TriggerMessage"}),
    triggered_actions={"SignChargingStationCertificate": "SignCertificate", "SignV2GCertificate": "SignCertificate",
                       "SignCombinedCertificate": "SignCertificate"},
    pending_report_actions={"GetBaseReport": "NotifyReport", "GetReport": "NotifyReport"},
    rejected_reply_code="SecurityError",
    transaction_event_action="TransactionEvent",
    feature_profiles=_CERTIFICATION_PROFILES_2X,
    folders_are_features=False,
    optional_features=_OPTIONAL_FEATURES_201,
    device_model=True,
    id_token_types=_ID_TOKEN_TYPES_2X,
)

OCPP21 = Protocol(
    version="2.1",
    package="ocpp21",
    subprotocol="ocpp2.1",
    schema_dir="v21",
    request_schema_suffix="Request",
    message_types=frozenset({CALL, CALLRESULT, CALLERROR, CALLRESULTERROR, SEND}),
    error_codes=_ERROR_CODES_2X,
    error_code_aliases={"OccurenceConstraintViolation": "OccurrenceConstraintViolation"},
    format_violation_code="FormatViolation",
    initiators=_directions(_CS_201 | _CS_21_NEW, _CSMS_201 | _CSMS_21_NEW),
    csms_name="CSMS",
    charge_point_name="Charging Station",
    message_ids_unique_per="identity",
    one_outstanding_call_rule="RPC-010",
    field_check="",
    id_token_field="idToken",
    id_token_max_length=255,  # IdTokenType.idToken is identifierString(255) in 2.1
    error_description_max_length=255,
    unknown_message_type_code="MessageTypeNotSupported",
    retry_keeps_message_id=True,
    feature_profiles=_CERTIFICATION_PROFILES_2X,
    folders_are_features=False,
    device_model=True,
    id_token_types=_ID_TOKEN_TYPES_2X,
)

PROTOCOLS: dict[str, Protocol] = {p.version: p for p in (OCPP16, OCPP201, OCPP21)}
VERSIONS: tuple[str, ...] = tuple(PROTOCOLS)
BY_PACKAGE: dict[str, Protocol] = {p.package: p for p in PROTOCOLS.values()}


def protocol(version: str) -> Protocol:
    """The data of OCPP `version`; ValueError naming the known versions otherwise."""
    found = PROTOCOLS.get(version)
    if found is None:
        raise ValueError(f"unknown OCPP version {version!r}; use one of {', '.join(VERSIONS)}")
    return found
