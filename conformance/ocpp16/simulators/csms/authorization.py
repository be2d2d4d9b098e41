"""The token database: idTagInfo for Authorize, StartTransaction and StopTransaction (C16 §4.1, §7.23); unknown
tags are Invalid, expired ones Expired."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from conformance.ocpp16.simulators.csms.records import IdTagRecord
from conformance.timestamps import iso, parse_iso


class AuthorizationHandlers:
    """The charge point asks about an id tag."""

    @on(Action.authorize)
    def on_authorize(self, id_tag: str, **_: Any):
        info = self.csms.id_tag_info(id_tag)
        if info["status"] == "Accepted" and "valid-tag-rejected" in self.csms.faults:
            info = {"status": "Invalid"}
        return call_result.Authorize(id_tag_info=info)


class TokenDatabase:
    """Id tags and their status."""

    def id_tag_info(self, id_tag: str) -> dict:
        """idTagInfo for a token, following the database (unknown = Invalid)."""
        record = self.id_tags.get(id_tag)
        if record is None:
            for token, candidate in self.id_tags.items():
                if token.lower() == id_tag.lower():  # IdToken is case-insensitive (CiString20)
                    record = candidate
                    break
        if record is None:
            status = "Accepted" if "invalid-tag-accepted" in self.faults else "Invalid"
            return self._info(status, None, None)
        status = record.status
        expiry = parse_iso(record.expiry_date)
        if status == "Accepted" and expiry is not None and expiry < datetime.now(timezone.utc):
            status = "Expired"
        if status == "Blocked" and "blocked-tag-accepted" in self.faults:
            status = "Accepted"
        if status == "Expired" and "expired-tag-accepted" in self.faults:
            status, expiry = "Accepted", None
        return self._info(status, expiry, record.parent_id_tag)

    def _info(self, status: str, expiry: datetime | None, parent: str | None) -> dict:
        info: dict[str, Any] = {"status": status}
        if status == "Accepted":
            info["expiryDate"] = iso(expiry if expiry is not None else datetime.now(timezone.utc) + self.accepted_expiry)
            if "accepted-expiry-in-past" in self.faults:
                info["expiryDate"] = iso(datetime.now(timezone.utc) - timedelta(days=1))
        elif expiry is not None:
            info["expiryDate"] = iso(expiry)
        if parent and "parent-id-tag-missing" not in self.faults:
            info["parentIdTag"] = parent
        return info

    async def add_id_tag(self, id_tag: str, status: str = "Accepted", expiry_date: str | None = None, parent_id_tag: str | None = None) -> None:
        self.id_tags[id_tag] = IdTagRecord(status, expiry_date, parent_id_tag)

    async def remove_id_tag(self, id_tag: str) -> None:
        self.id_tags.pop(id_tag, None)
