"""Which role may initiate which message, per OCPP version.

1.6: core specification chapters 4 (operations initiated by the Charge Point) and 5 (by the
Central System), plus the security white paper. 2.0.1 and 2.1: the message direction of each
use case in Part 2. DataTransfer goes both ways in every version. The self-tests check that
these tables name exactly the actions the version's schemas define.
"""

from __future__ import annotations

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


def _table(cp: set[str], csms: set[str]) -> dict[str, frozenset[Role]]:
    table: dict[str, frozenset[Role]] = {}
    for action in cp:
        table[action] = frozenset({_CP})
    for action in csms:
        table[action] = frozenset({_CSMS})
    for action in _BOTH:
        table[action] = frozenset({_CP, _CSMS})
    return table


INITIATORS: dict[str, dict[str, frozenset[Role]]] = {
    "1.6": _table(_CP_16_CORE | _CP_16_WHITEPAPER, _CSMS_16_CORE | _CSMS_16_WHITEPAPER),
    "2.0.1": _table(_CS_201, _CSMS_201),
    "2.1": _table(_CS_201 | _CS_21_NEW, _CSMS_201 | _CSMS_21_NEW),
}


def initiators(version: str, action: str) -> frozenset[Role]:
    """Roles that may send `action` as a CALL (or 2.1 SEND); empty when the action is unknown."""
    return INITIATORS[version].get(action, frozenset())


def role_name(role: Role, version: str) -> str:
    if role is Role.CSMS:
        return "Central System" if version == "1.6" else "CSMS"
    return "Charge Point" if version == "1.6" else "Charging Station"
