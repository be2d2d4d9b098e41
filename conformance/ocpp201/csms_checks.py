"""How the suite judges what a CSMS under test sends on its operator's behalf: the request carries what the operator
asked, as OCPP 2.0.1 means it (a component and variable named by name, instance and EVSE; attributeType Actual when
absent)."""

from __future__ import annotations

from typing import Any

from conformance.wire import Record


def variable_key(item: Any) -> tuple:
    """A GetVariableDataType / SetVariableDataType / ComponentVariableType as what it names: component (name,
    instance, EVSE), variable (name, instance) and attribute type (Actual when absent)."""
    if not isinstance(item, dict):
        return (repr(item),)
    component, variable = item.get("component") or {}, item.get("variable") or {}
    evse = component.get("evse") or {}
    return (component.get("name"), component.get("instance"), evse.get("id"), evse.get("connectorId"),
            variable.get("name"), variable.get("instance"), item.get("attributeType") or "Actual")


def _shown(key: tuple) -> str:
    component, c_instance, evse, connector, variable, v_instance, attribute = key
    where = f"[evse {evse}{f'/{connector}' if connector is not None else ''}]" if evse is not None else ""
    return (f"{component}{f'({c_instance})' if c_instance else ''}{where}.{variable}"
            f"{f'[{v_instance}]' if v_instance else ''} {attribute}")


def check_variables_as_asked(request: Record, field: str, asked: list[dict], *, values: bool = False) -> None:
    """The CSMS's GetVariables/SetVariables request names exactly the variables the operator asked for (and, with
    `values`, sets each to the value asked), each once, in any order."""
    sent = (request.payload or {}).get(field) or []
    got = {variable_key(item): item for item in sent}
    wanted = {variable_key(item): item for item in asked}
    missing = [k for k in wanted if k not in got]
    extra = [k for k in got if k not in wanted]
    where = f"{request.action}Request (#{request.seq})"
    assert not missing and not extra and len(sent) == len(asked), (
        f"[behaviour] {where} names {', '.join(_shown(k) for k in got) or 'nothing'}; the operator asked for "
        f"{', '.join(_shown(k) for k in wanted)}"
        + (f" (missing: {', '.join(_shown(k) for k in missing)})" if missing else ""))
    if values:
        for key, item in wanted.items():
            value = got[key].get("attributeValue")
            assert value == item["attributeValue"], (
                f"[behaviour] {where} sets {_shown(key)} to {value!r}, the operator asked for "
                f"{item['attributeValue']!r}")


async def connection_refused(link: Any, label: str, **connect: Any) -> str:
    """Open an extra connection the CSMS must refuse (`connect`: the suite's endpoint's connect options, e.g. another
    password); returns how it refused, fails the case when it did not."""
    from conformance.transport import HandshakeRefused, TlsFailure

    try:
        ws = await link.endpoint.connect(attach=False, **connect)
    except HandshakeRefused as exc:
        how = f"HTTP {exc.status}"
    except TlsFailure as exc:
        how = f"TLS: {exc.reason}"
    else:
        await ws.close()
        raise AssertionError(f"[behaviour] the CSMS accepted a connection with {label}; it SHALL refuse it")
    link.wire.event("note", refused=f"{label}: {how}")
    return how
