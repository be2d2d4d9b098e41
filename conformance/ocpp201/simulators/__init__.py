"""Reference OCPP 2.0.1 simulators: a charging station and a CSMS, correct by default, with named faults.

They are the suite's built-in 2.0.1 IUTs and the basis of its self-tests: `charging_station/` and `csms/` (one module
per functional area), `rpc` (the OCPP-J 2.0.1 core both build on), `faults`, `driver` (in-process) and `control`
(HTTP control API and the `simulate` command).
"""
