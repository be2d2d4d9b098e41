"""The charge points' Local Authorization Lists as the Central System manages them (C16 §3.5, §5.10, §5.15).

Per charge point it keeps the list it believes the charger holds and that list's version: learnt from
GetLocalListVersion and from every SendLocalList the charger accepted. An operator's SendLocalList without
listVersion gets the next version; a differential update the charger answers Failed or VersionMismatch is sent
again as the full list (C16 §5.15: the Central System SHOULD retry with updateType Full)."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any

from conformance.ocpp16.simulators.rpc import CallError, CallTimeout, RpcEndpoint


@dataclass
class KnownLocalList:
    """What the Central System knows of one charger's list: None until it learnt a version."""

    version: int | None = None
    entries: dict[str, dict] = field(default_factory=dict)  # lower-case idTag -> AuthorizationData


def applied(entries: dict[str, dict], update_type: str, items: list[dict]) -> dict[str, dict]:
    """The list after an update: a full one replaces it, a differential one adds, updates and (entries without
    idTagInfo) removes identifiers (C16 §7 AuthorizationData)."""
    result = {} if update_type == "Full" else dict(entries)
    for item in items:
        key = str(item.get("idTag", "")).lower()
        if "idTagInfo" in item:
            result[key] = copy.deepcopy(item)
        else:
            result.pop(key, None)
    return result


class LocalAuthListCommands:
    """Completing the operator's list commands and keeping what the answers reveal. List commands to one charge
    point run one at a time, so a version is picked knowing the answer to the previous update."""

    LIST_COMMANDS = ("GetLocalListVersion", "SendLocalList")

    def known_local_list(self, station_id: str) -> KnownLocalList:
        return self.local_lists.setdefault(station_id, KnownLocalList())

    def _prepared_local_list(self, station_id: str, body: dict) -> dict:
        """The SendLocalList the operator asked for; a version the operator left out is picked when it is sent."""
        if "listVersion" not in body:
            self._pick_version(station_id, body)
            self._versions_to_pick.add(id(body))
        items = body.get("localAuthorizationList")
        if items and body.get("updateType") == "Full" and "local-list-full-without-idtaginfo" in self.faults:
            body["localAuthorizationList"] = [{"idTag": item["idTag"]} for item in items]
        if items and "local-list-duplicate-idtag" in self.faults:
            body["localAuthorizationList"] = [*items, copy.deepcopy(items[0])]
        return body

    def _pick_version(self, station_id: str, body: dict) -> None:
        current = max(self.known_local_list(station_id).version or 0, 0)
        stays = body.get("updateType") == "Differential" and "local-list-version-not-increased" in self.faults
        body["listVersion"] = current if stays else current + 1

    async def _run_command(self, station_id: str, session: RpcEndpoint, name: str, body: dict,
                           on_sent: asyncio.Event | None) -> dict:
        if name not in self.LIST_COMMANDS:
            return await super()._run_command(station_id, session, name, body, on_sent)
        async with self._list_turns.setdefault(station_id, asyncio.Lock()):
            if id(body) in self._versions_to_pick:
                self._versions_to_pick.discard(id(body))
                self._pick_version(station_id, body)
            reply = await super()._run_command(station_id, session, name, body, on_sent)
            await self._after_list_command(session, station_id, name, body, reply)
            return reply

    async def _after_list_command(self, session: RpcEndpoint, station_id: str, name: str, body: dict,
                                  reply: dict) -> None:
        known = self.known_local_list(station_id)
        if name == "GetLocalListVersion" and isinstance(reply.get("listVersion"), int):
            known.version = reply["listVersion"]
            if known.version <= 0:
                known.entries = {}
        if name != "SendLocalList":
            return
        items = body.get("localAuthorizationList") or []
        status = reply.get("status")
        if status == "Accepted":
            known.entries = applied(known.entries, body["updateType"], items)
            known.version = body["listVersion"] if known.entries else 0
        elif status in ("Failed", "VersionMismatch") and body.get("updateType") == "Differential" \
                and "local-list-no-full-retry" not in self.faults:
            intended = applied(known.entries, "Differential", items)
            full: dict[str, Any] = {"listVersion": max(body["listVersion"], (known.version or 0) + 1),
                                    "updateType": "Full"}
            if intended:
                full["localAuthorizationList"] = list(intended.values())
            try:
                again = await session.call_raw("SendLocalList", full)
            except (CallError, CallTimeout, ConnectionError) as exc:
                self.logger.info("%s: the full list after a %s differential update failed: %s", station_id, status, exc)
                return
            if again.get("status") == "Accepted":
                known.entries = intended
                known.version = full["listVersion"] if intended else 0
