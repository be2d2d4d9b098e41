"""The fixtures of OCPP 2.0.1 cases (OCTT "Before" states, the suite's own charging station, the CSMS's operator)."""

from conformance.ocpp201.fixtures import operator, registration, station, transactions  # noqa: F401
