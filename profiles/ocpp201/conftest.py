"""The fixtures of OCPP 2.0.1 cases (OCTT "Before" states, the charging station under test, case variables)."""

from conformance.ocpp201.fixtures import available_evse, charging_station, set_variables, transaction  # noqa: F401
