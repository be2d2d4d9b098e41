"""The Local Authorization List of the suite's charge point (OCPP 1.6 §3.5, §5.10, §5.15, §9.4), and how the suite
judges the list updates a Central System under test sends it.

The list keeps its entries and version through reconnections and reboots, as a charger keeps them in non-volatile
memory; between cases it is emptied again (`SuiteStation.idle`), so no case inherits another's list. A case can switch
the list off (``station.configure(LocalAuthListEnabled=False)``: version -1, updates NotSupported) or make
the next update fail (``station.model.fail_next_list_update()``); both last for the case only. An update is all or
nothing: one that breaks the rules (duplicate idTags, a full list entry without idTagInfo, more entries than
SendLocalListMaxLength or identifiers than LocalAuthListMaxLength) is answered Failed and changes nothing; a
differential update whose version is not above the list's is answered VersionMismatch."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from conformance.errors import ExpectationFailed
from conformance.timestamps import parse_iso

LIST_MAX_LENGTH = 1000  # LocalAuthListMaxLength of the suite's charge point
SEND_MAX_LENGTH = 100  # SendLocalListMaxLength of the suite's charge point

REQ_UPDATE = ("The SendLocalList.req SHALL contain the type of update and the version number the Charge Point MUST "
              "associate with the list after the update; all idTags in localAuthorizationList MUST be unique; in a "
              "full update every entry carries its idTagInfo; a differential update's version is above the list's "
              "(else VersionMismatch); at most SendLocalListMaxLength entries (OCPP 1.6 §5.15, §6.41, §9.4, §7 "
              "AuthorizationData and UpdateStatus).")


@dataclass
class ListUpdate:
    """A SendLocalList.req the suite's charge point answered: the version its list had before, and its answer."""

    payload: dict
    version_before: int
    status: str


@dataclass
class SuiteLocalList:
    version: int = 0
    entries: dict[str, dict] = field(default_factory=dict)  # lower-case idTag -> AuthorizationData
    fail_next: bool = False  # the next update is answered Failed (for this case)
    updates: list[ListUpdate] = field(default_factory=list)


def local_list_configuration() -> dict[str, tuple[str, bool, str]]:
    """The Local Auth List Management keys (OCPP 1.6 §9.4): value, read-only, kind."""
    return {
        "LocalAuthListEnabled": ("true", False, "bool"),
        "LocalAuthListMaxLength": (str(LIST_MAX_LENGTH), True, "int"),
        "SendLocalListMaxLength": (str(SEND_MAX_LENGTH), True, "int"),
    }


class LocalListResponder:
    """The list part of `ChargePointResponder16`: answers GetLocalListVersion and SendLocalList from the list."""

    local_list: SuiteLocalList

    def list_in_use(self) -> bool:
        return self.config_bool("LocalAuthListEnabled")

    def on_GetLocalListVersion(self, p: dict) -> dict:
        return {"listVersion": self.local_list.version if self.list_in_use() else -1}

    def on_SendLocalList(self, p: dict) -> dict:
        before = self.local_list.version
        status = self._apply_list_update(p)
        self.local_list.updates.append(ListUpdate(p, before, status))
        return {"status": status}

    def clear_list(self) -> None:
        """The list is empty (version 0), as on a charger no Central System has sent a list yet."""
        self.local_list.entries, self.local_list.version = {}, 0

    def fail_next_list_update(self) -> None:
        self.local_list.fail_next = True

    def restore_list_case(self) -> None:
        """Back to idle between cases: no failure pending, and the list a case filled emptied again."""
        self.local_list.fail_next = False
        self.local_list.updates.clear()
        self.clear_list()

    def _apply_list_update(self, p: dict) -> str:
        lal = self.local_list
        if not self.list_in_use():
            return "NotSupported"
        if lal.fail_next:
            lal.fail_next = False
            return "Failed"
        items = p.get("localAuthorizationList") or []
        if list_problems(p, lal.version, self.config_int("SendLocalListMaxLength")):
            return "VersionMismatch" if _version_only(p, lal.version) else "Failed"
        entries = {} if p.get("updateType") == "Full" else dict(lal.entries)
        for item in items:
            key = str(item.get("idTag", "")).lower()
            if "idTagInfo" in item:
                entries[key] = dict(item)
            else:
                entries.pop(key, None)
        if len(entries) > self.config_int("LocalAuthListMaxLength"):
            return "Failed"
        lal.entries = entries
        lal.version = p["listVersion"] if entries else 0  # §5.10: version 0 = the list is empty
        return "Accepted"

    def listed(self, id_tag: str) -> dict | None:
        """The idTagInfo the list holds for `id_tag` (an Accepted entry past its expiryDate reads Expired), or None
        when the list is off or does not hold it."""
        if not self.list_in_use():
            return None
        entry = self.local_list.entries.get(id_tag.lower())
        if entry is None:
            return None
        info = dict(entry.get("idTagInfo") or {})
        expiry = parse_iso(info.get("expiryDate"))
        if info.get("status") == "Accepted" and expiry is not None and expiry <= datetime.now(timezone.utc):
            info["status"] = "Expired"
        return info


def list_problems(p: dict, version_before: int, send_max: int) -> list[str]:
    """What is wrong with a SendLocalList.req sent to a list at `version_before` (empty when nothing)."""
    problems = []
    items = p.get("localAuthorizationList") or []
    version = p.get("listVersion")
    full = p.get("updateType") == "Full"
    tags = [str(item.get("idTag", "")) for item in items]
    counts = Counter(t.lower() for t in tags)
    twice = sorted({t for t in tags if counts[t.lower()] > 1})
    if twice:
        problems.append(f"idTag(s) {', '.join(twice)} appear more than once (all idTags MUST be unique, §5.15)")
    if len(items) > send_max:
        problems.append(f"{len(items)} entries, more than the charge point's SendLocalListMaxLength {send_max} "
                        "(§6.41)")
    if full:
        bare = [t for t, item in zip(tags, items) if "idTagInfo" not in item]
        if bare:
            problems.append(f"full update entries without idTagInfo: {', '.join(bare)} (required in a full update, "
                            "§7 AuthorizationData)")
        if items and isinstance(version, int) and version < 1:
            problems.append(f"a full list with entries has listVersion {version}; 0 means an empty list and -1 no "
                            "list at all (§5.10)")
    elif isinstance(version, int) and version <= version_before:
        problems.append(f"a differential update with listVersion {version}, not above the list's version "
                        f"{version_before}: the Charge Point answers VersionMismatch (§7 UpdateStatus)")
    return problems


def _version_only(p: dict, version_before: int) -> bool:
    """The update's only problem is its version (a differential one not above the list's)."""
    return (p.get("updateType") == "Differential" and isinstance(p.get("listVersion"), int)
            and p["listVersion"] <= version_before
            and not list_problems({**p, "listVersion": version_before + 1}, version_before, 1 << 30))


async def judge_list_update(station: Any, req: Any, *, asked: dict | None = None) -> ListUpdate:
    """Judge a SendLocalList.req the Central System under test sent the suite's charge point: the rules of the
    update (`list_problems`), each idTagInfo as the token database has it (`check_id_tag_info`), and, when the
    operator asked for it, the update type and identifiers asked for. Returns what the charge point answered."""
    await station.reaction(req)  # the suite's charge point has answered it
    model = station.model
    update = next((u for u in reversed(model.local_list.updates) if u.payload is req.payload), None) or next(
        (u for u in reversed(model.local_list.updates) if u.payload == req.payload), None)
    if update is None:
        raise ExpectationFailed(f"the suite's charge point did not answer SendLocalList.req #{req.seq}",
                                station.peer.last_frames())
    p = req.payload or {}
    problems = list_problems(p, update.version_before, model.config_int("SendLocalListMaxLength"))
    if problems:
        station._deviation(f"SendLocalList.req #{req.seq} ({p.get('updateType')}, listVersion {p.get('listVersion')}): "
                           + "; ".join(problems), REQ_UPDATE)
    for item in p.get("localAuthorizationList") or []:
        if isinstance(item.get("idTagInfo"), dict):
            station.check_id_tag_info(item["idTagInfo"], str(item.get("idTag")), f"SendLocalList.req #{req.seq}")
    if asked is not None:
        _check_as_asked(station, req, p, asked)
    return update


def _check_as_asked(station: Any, req: Any, p: dict, asked: dict) -> None:
    if p.get("updateType") != asked.get("updateType"):
        station._deviation(f"SendLocalList.req #{req.seq} has updateType {p.get('updateType')!r}, the operator asked "
                           f"for {asked.get('updateType')!r}", REQ_UPDATE)
    if "listVersion" in asked and p.get("listVersion") != asked["listVersion"]:
        station._deviation(f"SendLocalList.req #{req.seq} has listVersion {p.get('listVersion')!r}, the operator asked "
                           f"for {asked['listVersion']!r}", REQ_UPDATE)
    sent = {str(i.get("idTag", "")).lower(): i for i in p.get("localAuthorizationList") or []}
    wanted = {str(i.get("idTag", "")).lower(): i for i in asked.get("localAuthorizationList") or []}
    # a full list may hold more of the Central System's identifiers; a differential update changes only those asked
    full = p.get("updateType") == "Full"
    if not set(wanted) <= set(sent) or (not full and set(sent) != set(wanted)):
        station._deviation(f"SendLocalList.req #{req.seq} carries idTags {sorted(sent)}, the operator asked for "
                           f"{'a list holding ' if full else ''}{sorted(wanted)}", REQ_UPDATE)
    for key, item in wanted.items():
        if ("idTagInfo" in item) != ("idTagInfo" in sent[key]):
            what = "with" if "idTagInfo" in item else "without"
            station._deviation(f"SendLocalList.req #{req.seq}: the operator asked for idTag {item.get('idTag')} "
                               f"{what} idTagInfo (in a differential update: add or update / remove, §7 "
                               "AuthorizationData)", REQ_UPDATE)
