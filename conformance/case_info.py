"""What a conformance case is, as the catalogue and the reports see it: OCTT ID, title, requirement, and where it
belongs (OCPP version, feature profile, system under test), learnt from where its module lives
(``profiles/ocpp16/core/charge_point/…``) and the module's ``SECTION``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conformance.protocol import BY_PACKAGE
from conformance.wire import Role

# 1.6 names the system under test charge_point, 2.x charging_station.
SUT_DIRS = {"charge_point": Role.CHARGE_POINT, "charging_station": Role.CHARGE_POINT, "csms": Role.CSMS}
CERTIFICATION_NEED = "certification_profile:"  # a 2.x case's need naming its certification profile


@dataclass(frozen=True)
class CaseInfo:
    id: str
    title: str
    spec: str
    requirement: str
    section: str = ""
    profile: str = ""  # feature profile, e.g. "core"; "" for transport cases that apply to every IUT
    ocpp_version: str = ""  # "" = any version
    sut: Role | None = None  # None = either role
    needs: tuple[str, ...] = ()  # descriptor features beyond the profile, e.g. ("fixed_cable",)
    block: str = ""  # 2.x: the functional block folder, e.g. "b_provisioning"

    def located(self, path: Path, section: str | None) -> "CaseInfo":
        """Fill version, profile and SUT from the module path under profiles/."""
        parts = list(path.parts)
        info = self
        if "profiles" in parts:
            rest = parts[parts.index("profiles") + 1 :]
            if rest and rest[0] in BY_PACKAGE:
                version = BY_PACKAGE[rest[0]]
                info = replace(info, ocpp_version=info.ocpp_version or version.version)
                if len(rest) > 2 and version.folders_are_features:
                    info = replace(info, profile=info.profile or rest[1])
                elif len(rest) > 2:  # 2.x: the folder is a functional block, the profile a certification profile
                    named = [n.removeprefix(CERTIFICATION_NEED) for n in info.needs if n.startswith(CERTIFICATION_NEED)]
                    info = replace(info, block=info.block or rest[1], profile=info.profile or (named or ["core"])[0])
                if len(rest) > 3 and rest[2] in SUT_DIRS:
                    info = replace(info, sut=info.sut or SUT_DIRS[rest[2]])
        if section and not info.section:
            info = replace(info, section=section)
        return info

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "ocpp_version": self.ocpp_version or "any",
            "profile": self.profile or "transport",
            "section": self.section,
            "sut": str(self.sut) if self.sut else "any",
            "spec": self.spec,
            "requirement": self.requirement,
            **({"block": self.block} if self.block else {}),
        }
