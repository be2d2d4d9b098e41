"""The OCPP 2.0.1 device model (Part 1 §4, Part 2 B05-B08): components with variables, each with its attributes
(Actual, Target, MinSet, MaxSet), their mutability (ReadOnly, WriteOnly, ReadWrite) and the variable's
characteristics (data type, unit, limits, list of values).

`DeviceModel` answers what GetVariables, SetVariables, GetBaseReport and GetReport ask: the result status of each
requested attribute as Part 2 B05/B06 gives it (UnknownComponent, UnknownVariable, NotSupportedAttributeType,
Rejected for a read-only variable or an invalid value, Accepted, RebootRequired) and the report data of a base report.
Both the suite's own charging station and the reference simulator build on it; `standard_variables` is the Core
device model a station of this kind has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable

ATTRIBUTE_TYPES = ("Actual", "Target", "MinSet", "MaxSet")
MUTABILITIES = ("ReadOnly", "WriteOnly", "ReadWrite")
DATA_TYPES = ("string", "decimal", "integer", "dateTime", "boolean", "OptionList", "SequenceList", "MemberList")
LIST_TYPES = ("OptionList", "SequenceList", "MemberList")
REPORT_BASES = ("ConfigurationInventory", "FullInventory", "SummaryInventory")
# SummaryInventory: the components' state (Part 2 B07, ReportBaseEnumType).
SUMMARY_VARIABLES = frozenset({"AvailabilityState", "Available", "Problem", "Tripped", "Overload", "Fallback"})
MAX_VALUE_LENGTH = 1000  # SetVariableDataType.attributeValue is string(1000)

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass
class Attribute:
    value: str
    mutability: str = "ReadWrite"
    persistent: bool = True
    constant: bool = False


@dataclass
class Characteristics:
    data_type: str
    unit: str | None = None
    min_limit: float | None = None
    max_limit: float | None = None
    values_list: str | None = None  # comma separated: the allowed values of a list type
    supports_monitoring: bool = False

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dataType": self.data_type, "supportsMonitoring": self.supports_monitoring}
        if self.unit:
            out["unit"] = self.unit
        if self.min_limit is not None:
            out["minLimit"] = self.min_limit
        if self.max_limit is not None:
            out["maxLimit"] = self.max_limit
        if self.values_list is not None:
            out["valuesList"] = self.values_list
        return out


@dataclass
class Variable:
    """One variable of one component (instance, EVSE, connector), with its attributes."""

    component: str
    name: str
    attributes: dict[str, Attribute]
    characteristics: Characteristics
    component_instance: str | None = None
    evse: int | None = None
    connector: int | None = None
    instance: str | None = None
    reboot_required: bool = False  # a new value takes effect after a reboot (SetVariables RebootRequired)
    live: Callable[[], str] | None = None  # the Actual value, read from the station's state when asked

    def component_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.component}
        if self.component_instance is not None:
            out["instance"] = self.component_instance
        if self.evse is not None:
            out["evse"] = {"id": self.evse, **({"connectorId": self.connector} if self.connector is not None else {})}
        return out

    def variable_payload(self) -> dict[str, Any]:
        return {"name": self.name, **({"instance": self.instance} if self.instance is not None else {})}

    def value_of(self, attribute: str = "Actual") -> str:
        if attribute == "Actual" and self.live is not None:
            return self.live()
        return self.attributes[attribute].value

    def label(self) -> str:
        where = self.component + (f"[{self.component_instance}]" if self.component_instance else "")
        if self.evse is not None:
            where += f"@EVSE {self.evse}" + (f"/{self.connector}" if self.connector is not None else "")
        return f"{where}.{self.name}" + (f"[{self.instance}]" if self.instance else "")


def component_key(component: Any) -> tuple:
    """(name, instance, evse id, connector id) of a ComponentType payload (names compare case-insensitively:
    identifierString)."""
    if not isinstance(component, dict):
        return ("", None, None, None)
    evse = component.get("evse") if isinstance(component.get("evse"), dict) else {}
    return (str(component.get("name", "")).lower(), component.get("instance"), evse.get("id"), evse.get("connectorId"))


def variable_key(variable: Any) -> tuple:
    if not isinstance(variable, dict):
        return ("", None)
    return (str(variable.get("name", "")).lower(), variable.get("instance"))


@dataclass
class SetOutcome:
    status: str
    variable: Variable | None = None
    previous: str | None = None  # the attribute's value before an accepted change


class DeviceModel:
    """The components and variables of one charging station."""

    def __init__(self, variables: Iterable[Variable]) -> None:
        self.variables: list[Variable] = list(variables)
        self._index: dict[tuple, Variable] = {}
        self._components: set[tuple] = set()
        for v in self.variables:
            key = component_key(v.component_payload())
            self._components.add(key)
            self._index[key + variable_key(v.variable_payload())] = v
        self.changed: list[tuple[Variable, str, str]] = []  # (variable, attribute, value) set through `set`

    # -- lookup -------------------------------------------------------------------------------------------------
    def has_component(self, component: Any) -> bool:
        return component_key(component) in self._components

    def find(self, component: Any, variable: Any) -> Variable | None:
        return self._index.get(component_key(component) + variable_key(variable))

    def variable(self, component: str, name: str, *, instance: str | None = None, evse: int | None = None,
                 connector: int | None = None) -> Variable:
        """A variable the station itself uses (KeyError when the model lacks it)."""
        payload: dict[str, Any] = {"name": component}
        if evse is not None:
            payload["evse"] = {"id": evse, **({"connectorId": connector} if connector is not None else {})}
        found = self.find(payload, {"name": name, **({"instance": instance} if instance else {})})
        if found is None:
            raise KeyError(f"{component}.{name}" + (f"[{instance}]" if instance else ""))
        return found

    def value(self, component: str, name: str, **where: Any) -> str:
        return self.variable(component, name, **where).value_of()

    def int_value(self, component: str, name: str, default: int = 0, **where: Any) -> int:
        try:
            return int(float(self.value(component, name, **where)))
        except (KeyError, ValueError):
            return default

    def bool_value(self, component: str, name: str, default: bool = False, **where: Any) -> bool:
        try:
            return self.value(component, name, **where).lower() == "true"
        except KeyError:
            return default

    # -- GetVariables (B06) -------------------------------------------------------------------------------------
    def get(self, request: dict) -> dict[str, Any]:
        """The GetVariableResultType for one GetVariableDataType."""
        component, variable = request.get("component"), request.get("variable")
        attribute = request.get("attributeType") or "Actual"
        result: dict[str, Any] = {"component": component, "variable": variable}
        if request.get("attributeType") is not None:
            result["attributeType"] = attribute
        if not self.has_component(component):
            return {"attributeStatus": "UnknownComponent", **result}
        found = self.find(component, variable)
        if found is None:
            return {"attributeStatus": "UnknownVariable", **result}
        held = found.attributes.get(attribute)
        if held is None:
            return {"attributeStatus": "NotSupportedAttributeType", **result}
        if held.mutability == "WriteOnly":
            return {"attributeStatus": "Rejected", **result}
        return {"attributeStatus": "Accepted", "attributeValue": found.value_of(attribute), **result}

    # -- SetVariables (B05) -------------------------------------------------------------------------------------
    def check_set(self, request: dict) -> SetOutcome:
        """What a SetVariableDataType would come to, without changing anything."""
        component, variable = request.get("component"), request.get("variable")
        attribute = request.get("attributeType") or "Actual"
        if not self.has_component(component):
            return SetOutcome("UnknownComponent")
        found = self.find(component, variable)
        if found is None:
            return SetOutcome("UnknownVariable")
        held = found.attributes.get(attribute)
        if held is None:
            return SetOutcome("NotSupportedAttributeType", found)
        if held.mutability == "ReadOnly" or held.constant:
            return SetOutcome("Rejected", found)
        value = request.get("attributeValue")
        if not isinstance(value, str) or not valid_value(found.characteristics, value):
            return SetOutcome("Rejected", found)
        return SetOutcome("RebootRequired" if found.reboot_required else "Accepted", found, held.value)

    def set(self, request: dict) -> SetOutcome:
        """Apply one SetVariableDataType; returns its status (and the value it replaced)."""
        outcome = self.check_set(request)
        if outcome.status in ("Accepted", "RebootRequired") and outcome.variable is not None:
            attribute = request.get("attributeType") or "Actual"
            outcome.variable.attributes[attribute].value = request["attributeValue"]
            self.changed.append((outcome.variable, attribute, request["attributeValue"]))
        return outcome

    def restore(self, variable: Variable, attribute: str, value: str) -> None:
        """Put an attribute back (the owner's action, whatever its mutability)."""
        variable.attributes[attribute].value = value

    # -- reports (B07, B08) -------------------------------------------------------------------------------------
    def report(self, base: str) -> list[dict[str, Any]]:
        """The ReportDataType entries of a base report."""
        if base == "ConfigurationInventory":
            chosen = [v for v in self.variables
                      if any(a.mutability in ("ReadWrite", "WriteOnly") for a in v.attributes.values())]
        elif base == "SummaryInventory":
            chosen = [v for v in self.variables if v.name in SUMMARY_VARIABLES]
        else:
            chosen = list(self.variables)
        return [self.report_data(v) for v in chosen]

    def custom_report(self, criteria: list[str], component_variables: list[dict]) -> list[dict[str, Any]]:
        """GetReport: the variables matching the component variables asked for (a component alone: all its
        variables; a variable without instance: all its instances) whose components meet the criteria."""
        chosen: list[Variable] = []
        for v in self.variables:
            if component_variables and not any(_matches(v, cv) for cv in component_variables):
                continue
            if criteria and not self._meets(v, criteria):
                continue
            chosen.append(v)
        return [self.report_data(v) for v in chosen]

    def _meets(self, v: Variable, criteria: list[str]) -> bool:
        """ComponentCriterionEnumType: a component is Active / Available / Enabled / Problem when its variable of that
        name is true; a component without it counts as Available and Enabled, not Active, not in Problem."""
        siblings = {x.name: x for x in self.variables if component_key(x.component_payload()) ==
                    component_key(v.component_payload())}
        for criterion in criteria:
            held = siblings.get(criterion)
            if held is not None and "Actual" in held.attributes:
                if held.value_of().lower() == "true":
                    return True
            elif criterion in ("Available", "Enabled"):
                return True
        return False

    @staticmethod
    def report_data(v: Variable) -> dict[str, Any]:
        attributes = []
        for kind in ATTRIBUTE_TYPES:
            held = v.attributes.get(kind)
            if held is None:
                continue
            entry: dict[str, Any] = {"type": kind, "mutability": held.mutability, "persistent": held.persistent,
                                     "constant": held.constant}
            if held.mutability != "WriteOnly":
                entry["value"] = v.value_of(kind)
            attributes.append(entry)
        return {"component": v.component_payload(), "variable": v.variable_payload(),
                "variableAttribute": attributes, "variableCharacteristics": v.characteristics.payload()}


def _matches(v: Variable, asked: dict) -> bool:
    if component_key(v.component_payload()) != component_key(asked.get("component")):
        return False
    wanted = asked.get("variable")
    if not isinstance(wanted, dict):
        return True
    name, instance = variable_key(wanted)
    return name == v.name.lower() and (instance is None or instance == v.instance)


def valid_value(c: Characteristics, value: str) -> bool:
    """Whether `value` is a valid value of a variable with characteristics `c` (Part 1 §4: data types and limits;
    string limits are lengths)."""
    if len(value) > MAX_VALUE_LENGTH:
        return False
    kind = c.data_type
    if kind in ("integer", "decimal"):
        if not (_INTEGER if kind == "integer" else _DECIMAL).fullmatch(value.strip()):
            return False
        number = float(value)
        return ((c.min_limit is None or number >= c.min_limit) and (c.max_limit is None or number <= c.max_limit))
    if kind == "boolean":
        return value in ("true", "false")
    if kind == "dateTime":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True
    if kind in LIST_TYPES:
        allowed = [item.strip() for item in (c.values_list or "").split(",") if item.strip()]
        items = [item.strip() for item in value.split(",")]
        if kind == "OptionList":
            return value in allowed
        if not value or any(not item for item in items) or len(set(items)) != len(items):
            return False
        return all(item in allowed for item in items) if allowed else True
    return ((c.min_limit is None or len(value) >= c.min_limit)
            and (c.max_limit is None or len(value) <= c.max_limit))  # string


# ---------------------------------------------------------------------------------------------------------------------
# the Core device model of a charging station

def _var(component: str, name: str, value: str, data_type: str, *, mutability: str = "ReadWrite",
         unit: str | None = None, min_limit: float | None = None, max_limit: float | None = None,
         values_list: str | None = None, **where: Any) -> Variable:
    return Variable(component, name, {"Actual": Attribute(value, mutability)},
                    Characteristics(data_type, unit, min_limit, max_limit, values_list), **where)


MEASURANDS = ("Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered,Voltage,SoC,"
              "Energy.Active.Import.Interval")
CONNECTOR_STATES = "Available,Occupied,Reserved,Unavailable,Faulted"
TX_POINTS = "PowerPathClosed"  # where the stations of the suite start and stop transactions (E01: TxStartPoint)
TX_POINT_VALUES = "ParkingBayOccupancy,EVConnected,Authorized,DataSigned,PowerPathClosed,EnergyTransfer"


@dataclass
class StationFacts:
    """What the standard device model is built from."""

    evses: tuple[int, ...]
    identity: str
    security_profile: int = 0
    organization: str = "ocpp-conformance"
    heartbeat_interval: int = 300
    offline_threshold: int = 60
    items_per_message: int = 16
    bytes_per_message: int = 65000
    state_of: Callable[[int | None, int | None], str] | None = None  # (evse, connector) -> AvailabilityState
    now: Callable[[], str] | None = None
    network_slots: str = "0,1,2,3"  # the configuration slots NetworkConfigurationPriority may list
    extra: list[Variable] = field(default_factory=list)


def standard_variables(facts: StationFacts) -> list[Variable]:
    """The variables Part 2 requires of a Core charging station (the controllers of blocks B, C, E, J and A, and
    the ChargingStation, EVSE and Connector components), with values of a new station."""
    ro = "ReadOnly"
    state = facts.state_of or (lambda evse, connector: "Available")
    out = [
        _var("OCPPCommCtrlr", "HeartbeatInterval", str(facts.heartbeat_interval), "integer", unit="s", min_limit=1,
             max_limit=86400),
        _var("OCPPCommCtrlr", "OfflineThreshold", str(facts.offline_threshold), "integer", unit="s", min_limit=0,
             max_limit=86400),
        _var("OCPPCommCtrlr", "NetworkConfigurationPriority", "0", "SequenceList", values_list=facts.network_slots),
        _var("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "3", "integer", min_limit=1, max_limit=100),
        _var("OCPPCommCtrlr", "MessageTimeout", "30", "integer", mutability=ro, unit="s", instance="Default"),
        _var("OCPPCommCtrlr", "MessageAttempts", "3", "integer", min_limit=0, max_limit=10,
             instance="TransactionEvent"),
        _var("OCPPCommCtrlr", "MessageAttemptInterval", "10", "integer", unit="s", min_limit=0, max_limit=3600,
             instance="TransactionEvent"),
        _var("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", "true", "boolean"),
        _var("OCPPCommCtrlr", "ResetRetries", "2", "integer", min_limit=0, max_limit=10),
        _var("OCPPCommCtrlr", "FileTransferProtocols", "HTTP,HTTPS,FTP", "MemberList", mutability=ro,
             values_list="FTP,FTPS,HTTP,HTTPS,SFTP"),
        _var("OCPPCommCtrlr", "WebSocketPingInterval", "0", "integer", unit="s", min_limit=0, max_limit=3600),
        _var("AuthCtrlr", "AuthorizeRemoteStart", "true", "boolean"),
        _var("AuthCtrlr", "LocalAuthorizeOffline", "true", "boolean"),
        _var("AuthCtrlr", "LocalPreAuthorize", "false", "boolean"),
        _var("TxCtrlr", "EVConnectionTimeOut", "60", "integer", unit="s", min_limit=1, max_limit=3600),
        _var("TxCtrlr", "StopTxOnEVSideDisconnect", "true", "boolean"),
        _var("TxCtrlr", "StopTxOnInvalidId", "true", "boolean"),
        _var("TxCtrlr", "TxStartPoint", TX_POINTS, "MemberList", values_list=TX_POINT_VALUES),
        _var("TxCtrlr", "TxStopPoint", TX_POINTS, "MemberList", values_list=TX_POINT_VALUES.replace(",DataSigned", "")),
        _var("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "false", "boolean"),
        _var("AuthCtrlr", "DisableRemoteAuthorization", "false", "boolean"),
        _var("SampledDataCtrlr", "SignReadings", "false", "boolean"),
        _var("AlignedDataCtrlr", "SignReadings", "false", "boolean"),
        _var("SampledDataCtrlr", "TxStartedMeasurands", "Energy.Active.Import.Register", "MemberList",
             values_list=MEASURANDS),
        _var("SampledDataCtrlr", "TxUpdatedMeasurands", "Energy.Active.Import.Register", "MemberList",
             values_list=MEASURANDS),
        _var("SampledDataCtrlr", "TxUpdatedInterval", "0", "integer", unit="s", min_limit=0, max_limit=3600),
        _var("SampledDataCtrlr", "TxEndedMeasurands", "Energy.Active.Import.Register", "MemberList",
             values_list=MEASURANDS),
        _var("SampledDataCtrlr", "TxEndedInterval", "0", "integer", unit="s", min_limit=0, max_limit=3600),
        _var("AlignedDataCtrlr", "Measurands", "Energy.Active.Import.Register", "MemberList", values_list=MEASURANDS),
        _var("AlignedDataCtrlr", "Interval", "0", "integer", unit="s", min_limit=0, max_limit=86400),
        _var("AlignedDataCtrlr", "TxEndedMeasurands", "Energy.Active.Import.Register", "MemberList",
             values_list=MEASURANDS),
        _var("AlignedDataCtrlr", "TxEndedInterval", "0", "integer", unit="s", min_limit=0, max_limit=86400),
        _var("SecurityCtrlr", "SecurityProfile", str(facts.security_profile), "integer", mutability=ro,
             min_limit=0, max_limit=3),
        _var("SecurityCtrlr", "OrganizationName", facts.organization, "string", max_limit=64),
        _var("SecurityCtrlr", "CertificateEntries", "0", "integer", mutability=ro),
        _var("SecurityCtrlr", "Identity", facts.identity, "string", mutability=ro, max_limit=48),
        _var("ClockCtrlr", "TimeSource", "Heartbeat", "SequenceList", values_list="Heartbeat,NTP,GPS,RealTimeClock"),
        Variable("ClockCtrlr", "DateTime", {"Actual": Attribute("", ro, persistent=False)},
                 Characteristics("dateTime"), live=facts.now),
        Variable("ChargingStation", "AvailabilityState", {"Actual": Attribute("Available", ro, persistent=False)},
                 Characteristics("OptionList", values_list=CONNECTOR_STATES), live=lambda: state(None, None)),
        Variable("ChargingStation", "Available", {"Actual": Attribute("true", ro, persistent=False)},
                 Characteristics("boolean"), live=lambda: _available(state(None, None))),
        _var("ChargingStation", "SupplyPhases", "3", "integer", mutability=ro, min_limit=0, max_limit=3),
    ]
    for instance in ("GetReport", "GetVariables", "SetVariables"):
        out.append(_var("DeviceDataCtrlr", "ItemsPerMessage", str(facts.items_per_message), "integer", mutability=ro,
                        instance=instance))
        out.append(_var("DeviceDataCtrlr", "BytesPerMessage", str(facts.bytes_per_message), "integer",
                        mutability=ro, instance=instance))
    for evse, connectors in enumerate(facts.evses, start=1):
        out += [
            Variable("EVSE", "AvailabilityState", {"Actual": Attribute("Available", ro, persistent=False)},
                     Characteristics("OptionList", values_list=CONNECTOR_STATES), evse=evse,
                     live=lambda e=evse: state(e, None)),
            Variable("EVSE", "Available", {"Actual": Attribute("true", ro, persistent=False)},
                     Characteristics("boolean"), evse=evse, live=lambda e=evse: _available(state(e, None))),
            Variable("EVSE", "Power", {"Actual": Attribute("0", ro, persistent=False),
                                       "MaxSet": Attribute("22000", "ReadWrite")},
                     Characteristics("decimal", unit="W", max_limit=22000), evse=evse),
            _var("EVSE", "SupplyPhases", "3", "integer", mutability=ro, min_limit=0, max_limit=3, evse=evse),
        ]
        for connector in range(1, connectors + 1):
            out += [
                Variable("Connector", "AvailabilityState", {"Actual": Attribute("Available", ro, persistent=False)},
                         Characteristics("OptionList", values_list=CONNECTOR_STATES), evse=evse, connector=connector,
                         live=lambda e=evse, c=connector: state(e, c)),
                Variable("Connector", "Available", {"Actual": Attribute("true", ro, persistent=False)},
                         Characteristics("boolean"), evse=evse, connector=connector,
                         live=lambda e=evse, c=connector: _available(state(e, c))),
                _var("Connector", "ConnectorType", "cType2", "string", mutability=ro, evse=evse, connector=connector),
                _var("Connector", "SupplyPhases", "3", "integer", mutability=ro, min_limit=0, max_limit=3, evse=evse,
                     connector=connector),
            ]
    if facts.security_profile in (1, 2):
        out.append(Variable("SecurityCtrlr", "BasicAuthPassword", {"Actual": Attribute("", "WriteOnly")},
                            Characteristics("string", min_limit=16, max_limit=40)))  # A00.FR.205: 16-40
    return out + list(facts.extra)


def _available(state: str) -> str:
    return "false" if state in ("Unavailable", "Faulted") else "true"


# The variables a FullInventory of a Core charging station reports at least (Part 2, the required variables of the
# controllers of the Core functional blocks and of the ChargingStation, EVSE and Connector components): what
# TC_B_53_CS looks for. (component, variable, instance); EVSE and Connector once per EVSE / connector.
REQUIRED_VARIABLES: tuple[tuple[str, str, str | None], ...] = (
    ("OCPPCommCtrlr", "NetworkConfigurationPriority", None),
    ("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", None),
    ("OCPPCommCtrlr", "OfflineThreshold", None),
    ("OCPPCommCtrlr", "MessageTimeout", "Default"),
    ("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"),
    ("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent"),
    ("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", None),
    ("OCPPCommCtrlr", "ResetRetries", None),
    ("OCPPCommCtrlr", "FileTransferProtocols", None),
    ("DeviceDataCtrlr", "ItemsPerMessage", "GetReport"),
    ("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables"),
    ("DeviceDataCtrlr", "BytesPerMessage", "GetReport"),
    ("DeviceDataCtrlr", "BytesPerMessage", "GetVariables"),
    ("AuthCtrlr", "AuthorizeRemoteStart", None),
    ("AuthCtrlr", "LocalAuthorizeOffline", None),
    ("AuthCtrlr", "LocalPreAuthorize", None),
    ("TxCtrlr", "EVConnectionTimeOut", None),
    ("TxCtrlr", "StopTxOnEVSideDisconnect", None),
    ("TxCtrlr", "StopTxOnInvalidId", None),
    ("TxCtrlr", "TxStartPoint", None),
    ("TxCtrlr", "TxStopPoint", None),
    ("SampledDataCtrlr", "TxStartedMeasurands", None),
    ("SampledDataCtrlr", "TxUpdatedMeasurands", None),
    ("SampledDataCtrlr", "TxUpdatedInterval", None),
    ("SampledDataCtrlr", "TxEndedMeasurands", None),
    ("SampledDataCtrlr", "TxEndedInterval", None),
    ("AlignedDataCtrlr", "Measurands", None),
    ("AlignedDataCtrlr", "Interval", None),
    ("AlignedDataCtrlr", "TxEndedMeasurands", None),
    ("AlignedDataCtrlr", "TxEndedInterval", None),
    ("SecurityCtrlr", "SecurityProfile", None),
    ("SecurityCtrlr", "OrganizationName", None),
    ("SecurityCtrlr", "CertificateEntries", None),
    ("ClockCtrlr", "DateTime", None),
    ("ClockCtrlr", "TimeSource", None),
    ("ChargingStation", "AvailabilityState", None),
    ("ChargingStation", "Available", None),
    ("ChargingStation", "SupplyPhases", None),
    ("EVSE", "AvailabilityState", None),
    ("EVSE", "Available", None),
    ("EVSE", "Power", None),
    ("EVSE", "SupplyPhases", None),
    ("Connector", "AvailabilityState", None),
    ("Connector", "Available", None),
    ("Connector", "ConnectorType", None),
    ("Connector", "SupplyPhases", None),
)
