"""The reference OCPP 2.0.1 CSMS, one module per functional area; `server` puts them together."""

from conformance.ocpp201.simulators.csms.commands import CSMS_ACTIONS, action_name
from conformance.ocpp201.simulators.csms.records import Station, UnknownAction, UnknownStation
from conformance.ocpp201.simulators.csms.server import ReferenceCsms201

__all__ = ["CSMS_ACTIONS", "ReferenceCsms201", "Station", "UnknownAction", "UnknownStation", "action_name"]
