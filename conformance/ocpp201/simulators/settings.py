"""How a `driver.type: simulator` descriptor sets up a 2.0.1 reference simulator: its `driver.options`, the delay of
the late-reply fault and the security profiles the simulators run at (shared by both sides)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.iut import Descriptor


def driver_options(descriptor: "Descriptor", allowed: set[str]) -> dict[str, Any]:
    """The descriptor's `driver.options`; an option the simulator does not know is a one-line ValueError."""
    options = dict(descriptor.driver.get("options") or {})
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"{descriptor.label}: driver.options: unknown option(s) {', '.join(unknown)} — known: "
                         f"{', '.join(sorted(allowed))}")
    return options


def late_reply_delay(descriptor: "Descriptor", options: dict[str, Any]) -> float:
    """How late the late-reply fault answers: later than the suite waits for an answer."""
    t = descriptor.timeouts
    return float(options.pop("late_reply_delay", t.response + t.tolerance + 1))


def check_plain_profile(descriptor: "Descriptor") -> None:
    if descriptor.security.profile >= 2:
        raise ValueError(f"{descriptor.label}: security.profile: the 2.0.1 reference simulators run at security "
                         "profiles 0 and 1 — use 0 or 1")
