"""Rules every OCPP-J frame is judged by, and the engine that applies them.

`RULES` lists each rule with its ID, level, spec reference and requirement; `Judge` applies them
to every frame of a link and to its opening handshakes.
"""

from conformance.rules.catalogue import RULES, Rule
from conformance.rules.judge import Handshake, Judge
from conformance.wire import Level, Record, Role, Violation

__all__ = ["RULES", "Rule", "Handshake", "Judge", "Level", "Record", "Role", "Violation"]
