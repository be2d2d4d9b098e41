"""What a conformance case is, as the catalogue and the reports see it: OCTT ID, title, requirement, and where it
belongs (OCPP version, feature profile, system under test), learnt from where its module lives
(``profiles/ocpp16/core/charge_point/…``; for 2.x ``profiles/ocpp201/<functional block>/<csms|charging_station>/…``
with the certification profile given by the case) and the module's ``SECTION``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conformance.protocol import BY_PACKAGE
from conformance.wire import Role

SUT_DIRS = {"charge_point": Role.CHARGE_POINT, "charging_station": Role.CHARGE_POINT, "csms": Role.CSMS}


@dataclass(frozen=True)
class CaseInfo:
    id: str
    title: str
    spec: str
    requirement: str
    section: str = ""
    profile: str = ""  # 1.6 feature profile, 2.x certification profile, e.g. "core"; "" for transport cases
    block: str = ""  # 2.x functional block folder, e.g. "b_provisioning" ("" for 1.6: its folders are profiles)
    ocpp_version: str = ""  # "" = any version
    sut: Role | None = None  # None = either role
    needs: tuple[str, ...] = ()  # descriptor features beyond the profile, e.g. ("fixed_cable",)

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
                elif len(rest) > 2:  # a 2.x folder is a functional block; the certification profile is the case's
                    info = replace(info, block=info.block or rest[1])
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
            **({"block": self.block} if self.block else {}),
            "section": self.section,
            "sut": str(self.sut) if self.sut else "any",
            "spec": self.spec,
            "requirement": self.requirement,
        }
