"""The fixtures of OCPP 2.0.1 cases (OCTT "Before" states; the charging station under test and case variables; the
suite's own charging station, its transactions and the CSMS's operator)."""

from conformance.ocpp201.fixtures import (  # noqa: F401
    available_evse,
    charging_station,
    operator,
    registration,
    set_variables,
    station,
    transaction,
    transactions,
)
