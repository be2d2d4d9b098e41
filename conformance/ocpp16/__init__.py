"""What the suite does in OCPP 1.6: roles, steps, preconditions, reference simulators."""
