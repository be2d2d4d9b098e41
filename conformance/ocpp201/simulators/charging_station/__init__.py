"""The reference OCPP 2.0.1 charging station, one module per functional area; `station` puts them together."""

from conformance.ocpp201.simulators.charging_station.station import ReferenceChargingStation

__all__ = ["ReferenceChargingStation"]
