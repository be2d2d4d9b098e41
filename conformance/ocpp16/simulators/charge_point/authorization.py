"""Authorizing id tags: Authorize, the authorization cache, the Local Authorization List and local authorization
(C16 §3.5, §4.1, §5.4)."""

from __future__ import annotations

import asyncio
from typing import Any, Mapping

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action
from websockets.exceptions import ConnectionClosed

from conformance.ocpp16.simulators.rpc import CallError, CallTimeout
from conformance.timestamps import parse_iso


class AuthorizationHandlers:
    """The Central System clears the cache."""

    @on(Action.clear_cache)
    def on_clear_cache(self, **_: Any):
        if "clear-cache-ignored" not in self.cp.faults:
            self.cp.cache.clear()
        return call_result.ClearCache(status="Accepted")


class Authorization:
    """The idTagInfo the charger acts on."""

    def _cache_enabled(self) -> bool:
        return self._bool("AuthorizationCacheEnabled")

    def _cache_store(self, id_tag: str, info: Mapping[str, Any]) -> None:
        # C16 §3.5.3: identifiers in the Local Authorization List are not added to the cache
        if self._cache_enabled() and self._local_list_lookup(id_tag) is None:
            self.cache[id_tag] = dict(info)

    def _cache_lookup(self, id_tag: str) -> dict | None:
        if not self._cache_enabled() or "cache-ignored" in self.faults:
            return None
        entry = self.cache.get(id_tag)
        if entry is None:
            return None
        entry = dict(entry)
        expiry = parse_iso(entry.get("expiryDate"))
        if entry.get("status") == "Accepted" and expiry is not None and expiry < self.now():
            entry["status"] = "Expired"
        return entry

    async def _authorize(self, id_tag: str) -> dict:
        """The idTagInfo the charger acts on (C16 §3.5 local authorization, §4.1 Authorize)."""
        if "start-without-authorize" in self.faults:
            return {"status": "Accepted"}
        listed = self._local_list_lookup(id_tag)  # C16 §3.5.3: the list has priority over the cache
        cached = listed if listed is not None else self._cache_lookup(id_tag)
        rpc = self._rpc
        if rpc is not None and self.registration == "Accepted":
            if self._bool("LocalPreAuthorize") and cached and cached.get("status") == "Accepted":
                return cached
            try:
                reply = await self._request("Authorize", {"idTag": id_tag})
                info = reply.get("idTagInfo") or {"status": "Invalid"}
                self._cache_store(id_tag, info)
                return dict(info)
            except (CallError, CallTimeout, ConnectionError, ConnectionClosed, asyncio.TimeoutError) as exc:
                self.logger.info("%s: Authorize failed (%s); deciding offline", self.identity, exc)
        if self._bool("LocalAuthorizeOffline") and cached and cached.get("status") == "Accepted":
            return cached
        if cached is None and self._bool("AllowOfflineTxForUnknownId"):
            return {"status": "Accepted"}
        return {"status": cached.get("status", "Invalid") if cached else "Invalid"}
