"""What a case about the connection's security needs of the IUT descriptor, whatever the OCPP version: a security
profile, TLS material the suite can use, a driver action that puts the IUT back."""

from __future__ import annotations

from typing import Any


def security_need_unmet(kind: str, value: str, descriptor: Any) -> str | None:
    """Why a case's need does not hold for `descriptor` (None when it does):
    `security_profile:1|2` (the IUT runs one of these profiles), `tls_material` (the suite can speak TLS for it, also
    below profile 2: a case that raises the profile needs it), `driver:<action>` (its driver can do the action)."""
    sec = descriptor.security
    if kind == "security_profile":
        allowed = sorted(int(p) for p in value.split("|"))
        if sec.profile in allowed:
            return None
        names = " or ".join(str(p) for p in allowed)
        return f"the case needs security profile {names}; the IUT descriptor declares {sec.profile} (security.profile)"
    if kind == "tls_material":
        if value == "generated":
            if sec.generate:
                return None
            return ("the suite signs certificates for the charge point with its test PKI, which the IUT descriptor "
                    "does not use (security.tls.generate: true)")
        if sec.has_tls_material:
            return None
        return "the case needs TLS material for a higher security profile (security.tls: generate: true, or files)"
    if kind == "driver":
        driver = descriptor.driver
        if driver.get("type") == "exec" and value not in (driver.get("commands") or {}):
            return f"the case needs the driver action {value} to put the IUT back (driver.commands.{value})"
        return None
    raise ValueError(f"unknown security need {kind}:{value}")
