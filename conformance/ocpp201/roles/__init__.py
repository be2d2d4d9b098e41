"""The roles the suite plays in OCPP 2.0.1: the CSMS towards a charging station under test, and a charging
station towards a CSMS under test."""
