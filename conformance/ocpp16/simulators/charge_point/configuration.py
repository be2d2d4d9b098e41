"""Configuration keys of the reference charge point (OCPP 1.6 §9.1 Core keys, the white paper's AuthorizationKey)
and GetConfiguration / ChangeConfiguration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from conformance.ocpp16.simulators.charge_point.state import MEASURANDS


@dataclass(frozen=True)
class ConfigSpec:
    kind: str  # bool | int | csl | measurands | str | hexkey
    default: str
    readonly: bool = False
    minimum: int | None = 0
    maximum: int | None = None
    max_items_key: str | None = None  # key holding the maximum list length
    write_only: bool = False  # never returned by GetConfiguration


CONFIG_SPECS: dict[str, ConfigSpec] = {
    "AllowOfflineTxForUnknownId": ConfigSpec("bool", "false"),
    "AuthorizationCacheEnabled": ConfigSpec("bool", "true"),
    "AuthorizeRemoteTxRequests": ConfigSpec("bool", "false"),
    "BlinkRepeat": ConfigSpec("int", "3"),
    "ClockAlignedDataInterval": ConfigSpec("int", "0"),
    "ConnectionTimeOut": ConfigSpec("int", "60"),
    "ConnectorPhaseRotation": ConfigSpec("csl", "0.RST,1.RST,2.RST"),
    "ConnectorPhaseRotationMaxLength": ConfigSpec("int", "4", readonly=True),
    "GetConfigurationMaxKeys": ConfigSpec("int", "64", readonly=True),
    "HeartbeatInterval": ConfigSpec("int", "300"),
    "LightIntensity": ConfigSpec("int", "50", maximum=100),
    "LocalAuthListEnabled": ConfigSpec("bool", "true"),
    "LocalAuthListMaxLength": ConfigSpec("int", "20", readonly=True),
    "LocalAuthorizeOffline": ConfigSpec("bool", "true"),
    "LocalPreAuthorize": ConfigSpec("bool", "false"),
    "MaxEnergyOnInvalidId": ConfigSpec("int", "0"),
    "MeterValuesAlignedData": ConfigSpec("measurands", "Energy.Active.Import.Register", max_items_key="MeterValuesAlignedDataMaxLength"),
    "MeterValuesAlignedDataMaxLength": ConfigSpec("int", "9", readonly=True),
    "MeterValuesSampledData": ConfigSpec("measurands", "Energy.Active.Import.Register,Power.Active.Import", max_items_key="MeterValuesSampledDataMaxLength"),
    "MeterValuesSampledDataMaxLength": ConfigSpec("int", "9", readonly=True),
    "MeterValueSampleInterval": ConfigSpec("int", "60"),
    "MinimumStatusDuration": ConfigSpec("int", "0"),
    "NumberOfConnectors": ConfigSpec("int", "2", readonly=True),
    "ResetRetries": ConfigSpec("int", "1"),
    "StopTransactionOnEVSideDisconnect": ConfigSpec("bool", "true"),
    "StopTransactionOnInvalidId": ConfigSpec("bool", "true"),
    "StopTxnAlignedData": ConfigSpec("measurands", "", max_items_key="StopTxnAlignedDataMaxLength"),
    "StopTxnAlignedDataMaxLength": ConfigSpec("int", "9", readonly=True),
    "StopTxnSampledData": ConfigSpec("measurands", "", max_items_key="StopTxnSampledDataMaxLength"),
    "StopTxnSampledDataMaxLength": ConfigSpec("int", "9", readonly=True),
    "SendLocalListMaxLength": ConfigSpec("int", "10", readonly=True),
    "SupportedFeatureProfiles": ConfigSpec("csl", "Core,FirmwareManagement,LocalAuthListManagement,Reservation,RemoteTrigger,SmartCharging", readonly=True),
    "SupportedFeatureProfilesMaxLength": ConfigSpec("int", "6", readonly=True),
    "SupportedFileTransferProtocols": ConfigSpec("csl", "FTP,HTTP", readonly=True),
    "TransactionMessageAttempts": ConfigSpec("int", "3", minimum=1),
    "TransactionMessageRetryInterval": ConfigSpec("int", "10"),
    "UnlockConnectorOnEVSideDisconnect": ConfigSpec("bool", "true"),
    "WebSocketPingInterval": ConfigSpec("int", "0"),
    # Smart Charging (§9.4), read-only facts of the charger (smart_charging.py).
    "ChargeProfileMaxStackLevel": ConfigSpec("int", "8", readonly=True),
    "ChargingScheduleAllowedChargingRateUnit": ConfigSpec("csl", "Current,Power", readonly=True),
    "ChargingScheduleMaxPeriods": ConfigSpec("int", "10", readonly=True),
    "MaxChargingProfilesInstalled": ConfigSpec("int", "10", readonly=True),
    # Security (J16 §6.2.2): the Basic-auth password, write-only.
    "AuthorizationKey": ConfigSpec("hexkey", "", write_only=True),
    # Security white paper edition 3: its configuration keys (SecurityProfile and CpoName set in security.py)
    "SecurityProfile": ConfigSpec("int", "0", maximum=3),
    "CpoName": ConfigSpec("str", ""),
    "CertificateStoreMaxLength": ConfigSpec("int", "20", readonly=True),
    "CertificateSignedMaxChainSize": ConfigSpec("int", "10000", readonly=True),
    "AdditionalRootCertificateCheck": ConfigSpec("bool", "false", readonly=True),
    # Vendor key (not OCPP): back-up power lets the charger end and report its transactions before a power failure
    # takes it down (OCTT TC_032_1); false = it reports them once power is back (TC_032_2).
    "StopTransactionsBeforePowerDown": ConfigSpec("bool", "false"),
    # Reservation profile (C16 §9.3)
    "ReserveConnectorZeroSupported": ConfigSpec("bool", "true", readonly=True),
    # Vendor key (not OCPP): false = the charger is "configured not to accept reservations" (C16 §5.13: Rejected).
    "ReservationsEnabled": ConfigSpec("bool", "true"),
}


def valid_config_value(spec: ConfigSpec, value: str, config: Mapping[str, str]) -> bool:
    if spec.kind == "bool":
        return value.lower() in ("true", "false")
    if spec.kind == "int":
        try:
            number = int(value.strip())
        except ValueError:
            return False
        if spec.minimum is not None and number < spec.minimum:
            return False
        return spec.maximum is None or number <= spec.maximum
    if spec.kind == "measurands":
        items = [v.strip() for v in value.split(",") if v.strip()]
        if any(item not in MEASURANDS for item in items):
            return False
        limit = int(config.get(spec.max_items_key or "", "99") or 99)
        return len(items) <= limit
    if spec.kind == "hexkey":
        # 16..20 bytes as hex text (J16 §6.2.2 / security white paper).
        return 32 <= len(value) <= 40 and len(value) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in value)
    if spec.kind == "csl":
        return all(part.strip() for part in value.split(",")) if value else True
    return True


class ConfigurationHandlers:
    """The Central System reads and changes the configuration."""

    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None, **_: Any):
        cp = self.cp
        leak = "get-configuration-leaks-authorization-key" in cp.faults

        def entry(name: str) -> dict:
            spec = CONFIG_SPECS.get(name)
            item = {"key": name, "readonly": bool(spec and spec.readonly)}
            value = cp.config.get(name)
            if value is not None:
                item["value"] = value
            return item

        def hidden(name: str) -> bool:
            spec = CONFIG_SPECS.get(name)
            return bool(spec and spec.write_only) and not leak

        if not key:
            known = [entry(name) for name in cp.config if not hidden(name)]
            if "get-configuration-all-incomplete" in cp.faults:
                known = [item for item in known if item["key"] not in ("ConnectionTimeOut", "StopTxnSampledData")]
            return call_result.GetConfiguration(configuration_key=known)
        found, unknown = [], []
        for name in key:
            if name in cp.config and not hidden(name):
                found.append(entry(name))
            else:
                unknown.append(name)
        if "unknown-key-not-reported" in cp.faults:
            unknown = []
        return call_result.GetConfiguration(configuration_key=found or None, unknown_key=unknown or None)

    @on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str, **_: Any):
        return call_result.ChangeConfiguration(status=self.cp._change_configuration(key, value))


class Configuration:
    """Values as the charger keeps them, and what a change sets in motion."""

    def _change_configuration(self, key: str, value: str) -> str:
        special = self._change_security_key(key, value)  # keys of the security white paper (security.py)
        if special is not None:
            return special
        spec = CONFIG_SPECS.get(key)
        if spec is None or key not in self.config:
            return "Rejected" if "unknown-config-key-rejected" in self.faults else "NotSupported"
        if spec.readonly:
            return "Accepted" if "read-only-key-accepted" in self.faults else "Rejected"
        if not valid_config_value(spec, value, self.config) and "invalid-config-value-accepted" not in self.faults:
            return "Rejected"
        if "change-configuration-not-applied" in self.faults:
            return "Accepted"
        self.config[key] = value
        if key == "HeartbeatInterval":
            self._restart_heartbeat()
        elif key in ("MeterValueSampleInterval", "MeterValuesSampledData"):
            for c in self.connectors[1:]:
                if c.transaction is not None:
                    self._start_sampler(c)
        elif key == "ClockAlignedDataInterval":
            self._restart_aligned_loop()
        return "Accepted"

    def _int(self, key: str) -> int:
        try:
            return int(self.config.get(key, "0") or 0)
        except ValueError:
            return 0

    def _bool(self, key: str) -> bool:
        return self.config.get(key, "false").strip().lower() == "true"
