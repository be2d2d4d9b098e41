"""What the suite's charge point does after answering a command: the answer, and the work that follows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable


@dataclass
class Reaction:
    """A reply to the Central System, and what the charge point then does (`then(station)`, after the reply)."""

    reply: dict
    then: Callable[[Any], Awaitable[Any]]
