"""What the suite does in OCPP 2.0.1: the roles it plays (`roles`), its preconditions and fixtures, and its
reference simulators (`simulators`), in the same shape as `conformance.ocpp16`.

It exports no `SUPPORT` yet: a 2.0.1 descriptor is refused with one line until the roles are written, while
2.0.1 frames are already judged (schemas, RPC framework) by the core."""
