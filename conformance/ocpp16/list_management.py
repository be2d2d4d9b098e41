"""The suite as Central System managing a charge point's Local Authorization List (OCPP 1.6 §3.5, §5.10, §5.15):
list entries, updates and version reads whose answers are judged, the list's limits (§9.4), and the clean-up that
empties a list a case filled.

OCPP 1.6 has no message to read a list's entries back, so a charger's list is judged by its version and by what it
authorizes; after a case that changed the list it is emptied (a full update without entries, version 0), the state
a charger is in when no Central System has sent it a list."""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from conformance.errors import Inconclusive
from conformance.timestamps import in_days
from conformance.wire import MessageType

REQ_VERSION = ("The Charge Point SHALL answer GetLocalListVersion.req with the version number of its Local "
               "Authorization List; 0 SHALL be used for an empty list, -1 when it has no list (OCPP 1.6 §5.10).")
REQ_UPDATE = ("Upon receipt of a SendLocalList.req the Charge Point SHALL respond with a SendLocalList.conf saying "
              "whether it accepted the update; after it, the list's version is the one the request carried "
              "(OCPP 1.6 §5.15).")
MAX_UPDATES = 100  # SendLocalList.req a case may send to fill a charger's list to its LocalAuthListMaxLength

_RUN = secrets.token_hex(3).upper()
_SERIAL = itertools.count(1)


def new_id_tag() -> str:
    """An identifier no token database knows, unique in this run (an IdToken, at most 20 characters)."""
    return f"LAL{_RUN}{next(_SERIAL):06d}"


def entry(id_tag: str, status: str = "Accepted", *, parent: str | None = None) -> dict:
    """An AuthorizationData with its idTagInfo (an Accepted one valid for a day)."""
    info: dict[str, Any] = {"status": status}
    if status == "Accepted":
        info["expiryDate"] = in_days(1)
    if parent:
        info["parentIdTag"] = parent
    return {"idTag": id_tag, "idTagInfo": info}


def removal(id_tag: str) -> dict:
    """An entry of a differential update that removes `id_tag` from the list (no idTagInfo, §7 AuthorizationData)."""
    return {"idTag": id_tag}


def update(version: int, update_type: str, items: list[dict] | None = None) -> dict:
    body: dict[str, Any] = {"listVersion": version, "updateType": update_type}
    if items:
        body["localAuthorizationList"] = items
    return body


async def list_version(charge_point: Any) -> int:
    """The version the charger reports for its list (judged to be an integer by the schema)."""
    conf = await charge_point.call("GetLocalListVersion", {}, requirement=REQ_VERSION)
    return conf.list_version


async def send_list(charge_point: Any, body: dict) -> Any:
    return await charge_point.call("SendLocalList", body, requirement=REQ_UPDATE)


async def expect_version(charge_point: Any, expected: int, why: str) -> None:
    got = await list_version(charge_point)
    assert got == expected, (
        f"[behaviour] GetLocalListVersion.conf has listVersion {got}; {why} it is {expected} (OCPP 1.6 §5.10, §5.15)")


async def accepted(charge_point: Any, body: dict, why: str) -> Any:
    """Send an update the charger has every reason to accept, and check that it did."""
    conf = await send_list(charge_point, body)
    assert conf.status == "Accepted", (
        f"[behaviour] SendLocalList.req ({body['updateType']}, listVersion {body['listVersion']}, "
        f"{len(body.get('localAuthorizationList') or [])} entries) was answered {conf.status!r}; {why}, so it is "
        "Accepted (OCPP 1.6 §5.15)")
    return conf


async def list_limits(charge_point: Any) -> tuple[int, int]:
    """(LocalAuthListMaxLength, SendLocalListMaxLength) as the charger reports them (OCPP 1.6 §9.4)."""
    keys = ["LocalAuthListMaxLength", "SendLocalListMaxLength"]
    conf = await charge_point.call("GetConfiguration", {"key": keys})
    held = {e.get("key"): e.get("value") for e in (conf.get("configurationKey") or []) if isinstance(e, dict)}
    limits = []
    for key in keys:
        value = str(held.get(key, "")).strip()
        if not value.isdigit() or int(value) < 1:
            raise Inconclusive(f"the charge point reports {key}",
                               f"GetConfiguration gives {held.get(key)!r} for it (a required key of the Local Auth "
                               "List Management profile, OCPP 1.6 §9.4)", frame_seq=conf.record.seq)
        limits.append(int(value))
    return limits[0], limits[1]


async def restore_local_list(link: Any) -> None:
    """After a charge point case that changed the charger's list: empty it again (a full update without entries).
    Best effort: what cannot be done is noted in the wire log."""
    records = link.wire.segment_records(link.wire.segment)
    answers = {r.answers: r for r in records if r.from_iut and r.answers is not None}
    changed = any(r.is_call and not r.from_iut and r.action == "SendLocalList" and r.seq in answers
                  and answers[r.seq].message_type == MessageType.CALLRESULT
                  and (answers[r.seq].payload or {}).get("status") == "Accepted" for r in records)
    if not changed or not link.peer.connected:
        return
    try:
        conf = await link.peer.call("SendLocalList", update(1, "Full"), within=link.descriptor.timeouts.response,
                                    error_ok=True)
    except AssertionError:
        conf = None
    if conf is None or conf.error_code or conf.get("status") != "Accepted":
        link.wire.event("note", restore_failed="SendLocalList Full without entries (emptying the Local "
                                               "Authorization List the case filled)")
