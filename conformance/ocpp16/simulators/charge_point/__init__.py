"""The reference OCPP 1.6 charge point, one module per functional area; `charger` puts them together."""

from conformance.ocpp16.simulators.charge_point.charger import ReferenceChargePoint
from conformance.ocpp16.simulators.charge_point.configuration import CONFIG_SPECS

__all__ = ["CONFIG_SPECS", "ReferenceChargePoint"]
