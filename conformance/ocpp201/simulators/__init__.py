"""Reference OCPP 2.0.1 simulators: a charging station and a CSMS, correct by default, with named faults."""
