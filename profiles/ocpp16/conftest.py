"""The fixtures of OCPP 1.6 cases (OCTT "Before" states, the suite's own charge point, case configuration)."""

from conformance.ocpp16.fixtures import available_connector, charging_session, configure, station  # noqa: F401
