"""The Local Authorization List (C16 §3.5, §5.10 GetLocalListVersion, §5.15 SendLocalList, §9.4 keys).

The list lives in non-volatile memory with its version. While LocalAuthListEnabled is false the charger has no list
in use: it reports version -1 and refuses updates with NotSupported. An update is all or nothing: one that would
hold more identifiers than LocalAuthListMaxLength, or that carries more entries than SendLocalListMaxLength, fails
and leaves the list as it was."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from conformance.timestamps import parse_iso


class LocalAuthListHandlers:
    """The Central System reads the list version and sends list updates."""

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_: Any):
        return call_result.GetLocalListVersion(list_version=self.cp._local_list_version())

    @on(Action.send_local_list)
    def on_send_local_list(self, raw_payload: dict, **_: Any):
        status = self.cp._update_local_list(raw_payload["listVersion"], raw_payload["updateType"],
                                            raw_payload.get("localAuthorizationList") or [])
        return call_result.SendLocalList(status=status)


class LocalAuthList:
    """The list and its version; identifiers are case-insensitive (C16 §7 IdToken)."""

    def _local_list_enabled(self) -> bool:
        return self._bool("LocalAuthListEnabled")

    def _local_list_version(self) -> int:
        if not self._local_list_enabled() and "disabled-list-version-reported" not in self.faults:
            return -1  # C16 §5.10: -1 = no Local Authorization List
        return self.local_list_version

    def _update_local_list(self, version: int, update_type: str, entries: list[dict]) -> str:
        if not self._local_list_enabled() and "disabled-list-updated" not in self.faults:
            return "NotSupported"
        if len(entries) > self._int("SendLocalListMaxLength"):
            return "Failed"
        tags = [str(e.get("idTag", "")).lower() for e in entries]
        if len(set(tags)) != len(tags):
            return "Failed"  # C16 §5.15: idTags in one update MUST be unique
        if update_type == "Full":
            if any("idTagInfo" not in e for e in entries):
                return "Failed"  # C16 §7 AuthorizationData: idTagInfo is required in a full update
            if entries and version < 1:
                return "Failed"  # C16 §5.10: 0 is the version of an empty list, -1 of no list
            updated = {str(e["idTag"]).lower(): dict(e) for e in entries}
        else:
            if version <= self.local_list_version and "version-mismatch-ignored" not in self.faults:
                return "VersionMismatch"  # C16 §7 UpdateStatus: a differential version not above the list's
            updated = dict(self.local_list)
            for entry in entries:
                key = str(entry["idTag"]).lower()
                if "idTagInfo" in entry:
                    updated[key] = dict(entry)
                elif "differential-delete-ignored" not in self.faults:
                    updated.pop(key, None)  # C16 §7 AuthorizationData: an entry without idTagInfo is removed
        if len(updated) > self._int("LocalAuthListMaxLength"):
            if "local-list-overflow-accepted" not in self.faults:
                return "Failed"
            updated = dict(list(updated.items())[:self._int("LocalAuthListMaxLength")])  # the rest is lost
        self.local_list = updated
        # C16 §5.10: version 0 says the list is empty, whatever version the update carried
        self.local_list_version = version if updated or "empty-list-version-kept" in self.faults else 0
        return "Accepted"

    def _local_list_lookup(self, id_tag: str) -> dict | None:
        """The idTagInfo the list holds for `id_tag` (an Accepted one past its expiryDate reads Expired), or None."""
        if not self._local_list_enabled() or "local-list-ignored" in self.faults:
            return None
        entry = self.local_list.get(id_tag.lower())
        if entry is None:
            return None
        info = dict(entry.get("idTagInfo") or {})
        expiry = parse_iso(info.get("expiryDate"))
        if info.get("status") == "Accepted" and expiry is not None and expiry < self.now():
            info["status"] = "Expired"
        return info
