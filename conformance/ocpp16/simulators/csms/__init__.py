"""The reference OCPP 1.6 Central System, one module per functional area; `server` puts them together."""

from conformance.ocpp16.simulators.csms.commands import CSMS_ACTIONS, action_name
from conformance.ocpp16.simulators.csms.records import Station, UnknownAction, UnknownStation
from conformance.ocpp16.simulators.csms.server import ReferenceCsms

__all__ = ["CSMS_ACTIONS", "ReferenceCsms", "Station", "UnknownAction", "UnknownStation", "action_name"]
