"""The IUT descriptor: a YAML file saying what is under test, how to reach it and how to make it act.

`load_descriptor(path)` reads and validates it against `iut_schema.json` (defaults come from the schema too), then
checks the rules a schema cannot express well (which of listen/endpoint, security profile needs, id tag lengths).
Every mistake becomes a `DescriptorError` whose text is one line: ``<file>: <field path>: <problem> — <fix>``.

Test data an IUT does not have (a CSMS without a Blocked tag) is declared absent with null, e.g.
``id_tags: {blocked: null}``; `OPTIONAL_DATA` lists what may be absent. A case that uses such data names it in
``@case(..., needs=("id_tags.blocked",))``: it is then not applicable to a descriptor without it
(`Descriptor.lacks`), and the descriptor a case sees (`Descriptor.for_case`) refuses to hand out optional data the
case did not declare, so a forgotten `needs` is a suite error instead of a wrong verdict.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import ipaddress
import json
import shlex
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import quote, urlsplit

import jsonschema
import yaml

from conformance.errors import Broken
from conformance.protocol import PROTOCOLS, protocol
from conformance.wire import Role

SCHEMA_PATH = Path(__file__).with_name("iut_schema.json")
EXAMPLES = "fixtures/iut/example-charge-point.yaml"

FEATURES = ("core", "firmware_management", "local_auth_list", "reservation", "remote_trigger", "smart_charging", "security")
# Descriptor blocks only OCPP versions with a device model (2.x) use.
DEVICE_MODEL_BLOCKS = ("evses", "device_model", "optional_features")

# Actions a charge point driver knows (name -> parameters); the exec driver's command names are checked against them.
CHARGE_POINT_ACTIONS: dict[str, tuple[str, ...]] = {
    "plug_in": ("connector",),
    "unplug": ("connector",),
    "present_id_tag": ("id_tag", "connector"),
    "power_cycle": (),
    "reboot": (),
    "go_offline": (),
    "come_online": (),
    "raise_fault": ("connector", "error_code"),
    "clear_fault": ("connector",),
    "make_lock_fail": ("connector", "fail"),
    "make_unlock_fail": ("connector", "fail"),
    "suspend_ev": ("connector",),
    "resume_ev": ("connector",),
    "set_security_profile": ("profile",),
}
INTERVAL_SHARE = 0.25  # the largest part of a timed interval a timing check lets pass as tolerance
# Placeholders an exec command template may use.
PLACEHOLDERS = ("connector", "id_tag", "identity", "action", "payload", "version", "station_id", "error_code", "fail",
                "profile", "status")

# Where a CSMS endpoint puts the charge point's identity when its URL does not end with it.
IDENTITY_PLACEHOLDER = "{identity}"
# Characters of an identity left as they are in a URL path segment (RFC 3986 pchar); the rest is percent-encoded.
_IDENTITY_SAFE = "*-_=+@."

# Test data a descriptor may declare absent (null): the `needs` name a case declares -> what it is, for messages.
OPTIONAL_DATA: dict[str, str] = {
    "id_tags.valid_2": "second accepted id tag",
    "id_tags.invalid": "invalid (unknown) id tag",
    "id_tags.blocked": "blocked id tag",
    "id_tags.expired": "expired id tag",
    "id_tags.parent": "parent/child id tag group",
    "configuration.unsupported_key": "unsupported configuration key",
    "configuration.read_only_key": "read-only configuration key",
    "smart_charging.phases": "number of phases of the charge point's supply",
    "smart_charging.voltage": "voltage of the charge point's supply",
    "file_transfer.firmware_image": "firmware image the charge point installs",
    "file_transfer.invalid_firmware_image": "firmware image the charge point refuses to install",
    "security.firmware_image": "firmware image for secure firmware updates",
    "security.manufacturer_root": "manufacturer root certificate of the CSMS's firmware signing certificates",
    "device_model.read_only_variable": "read-only variable of the device model",
    "device_model.unknown_component": "component the device model does not have",
    "device_model.unknown_variable": "variable the device model does not have",
    "device_model.actual_only_variable": "variable with only an Actual attribute",
}
# A firmware image entry that asks the suite to generate its own test image (conformance.file_transfer).
GENERATED_IMAGE = "generated"
# IdTags attribute -> the optional data it belongs to.
_ID_TAG_DATA = {
    "valid_2": "id_tags.valid_2",
    "invalid": "id_tags.invalid",
    "blocked": "id_tags.blocked",
    "expired": "id_tags.expired",
    "parent_id_tag": "id_tags.parent",
    "child_id_tag": "id_tags.parent",
}


class DescriptorError(Exception):
    """A mistake in an IUT descriptor. str(e) is one line: ``<file>: <field path>: <problem> — <fix>``.

    `problems` holds every problem found (the first one is str(e)), so a CLI can list them all at once.
    """

    def __init__(self, line: str, problems: Iterable[str] | None = None) -> None:
        super().__init__(line)
        self.problems: list[str] = list(problems) if problems else [line]


@dataclass(frozen=True)
class Timeouts:
    response: float
    connect: float
    expect: float
    tolerance: float
    case: float
    manual: float
    settle: float = 3.0  # time the IUT gets to act unwatched: absence windows, offline actions

    def interval_tolerance(self, interval: float) -> float:
        """The tolerance a check of a timed interval (heartbeat, sample interval, ConnectionTimeOut, ...) allows on
        either side: `tolerance`, but at most a quarter of the interval. A case configures its intervals short to stay
        fast; with the whole tolerance a 2 s interval would pass anything from 0 to 6 s, so it is judged to ±0.5 s."""
        return min(self.tolerance, interval * INTERVAL_SHARE)


@dataclass(frozen=True)
class VariableRef:
    """A variable of an OCPP 2.x device model, as a descriptor names it."""

    component: str
    variable: str
    instance: str | None = None  # the variable's instance
    component_instance: str | None = None
    evse: int | None = None

    def component_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.component}
        if self.component_instance:
            out["instance"] = self.component_instance
        if self.evse is not None:
            out["evse"] = {"id": self.evse}
        return out

    def variable_payload(self) -> dict[str, Any]:
        return {"name": self.variable, **({"instance": self.instance} if self.instance else {})}

    def __str__(self) -> str:
        where = self.component + (f"[{self.component_instance}]" if self.component_instance else "")
        where += f"@EVSE {self.evse}" if self.evse is not None else ""
        return f"{where}.{self.variable}" + (f"[{self.instance}]" if self.instance else "")


@dataclass(frozen=True)
class DeviceModelFacts:
    """What an OCPP 2.x descriptor says about the station's device model (None where declared absent)."""

    read_only_variable: VariableRef | None
    unknown_component: str | None
    unknown_variable: VariableRef | None
    actual_only_variable: VariableRef | None
    report_bases: tuple[str, ...]


@dataclass(frozen=True)
class IdTags:
    """The id tags of the descriptor; None where the descriptor declares the tag absent."""

    valid: str
    valid_2: str | None
    invalid: str | None
    blocked: str | None
    expired: str | None
    parent_id_tag: str | None
    child_id_tag: str | None  # an accepted tag whose parent is parent_id_tag
    sibling_id_tag: str | None = None  # a second accepted tag of the same group (optional)

    def role_of(self, token: str) -> str | None:
        """The descriptor role of `token` (valid, valid_2, invalid, blocked, expired, parent), None if it has none."""
        roles = {self.valid: "valid", self.valid_2: "valid_2", self.invalid: "invalid", self.blocked: "blocked",
                 self.expired: "expired", self.parent_id_tag: "parent", self.child_id_tag: "parent",
                 self.sibling_id_tag: "parent"}
        return roles.get(token)

    def statuses(self) -> dict[str, str]:
        """Every declared tag -> the status its role stands for (Accepted, Invalid, Blocked, Expired)."""
        table = {self.valid: "Accepted", self.valid_2: "Accepted", self.child_id_tag: "Accepted",
                 self.sibling_id_tag: "Accepted", self.invalid: "Invalid", self.blocked: "Blocked",
                 self.expired: "Expired"}
        return {tag: status for tag, status in table.items() if tag is not None}


@dataclass(frozen=True)
class Security:
    profile: int
    password: str | None
    ca_cert: Path | None
    cert: Path | None
    key: Path | None
    server_name: str | None
    generate: bool
    key_type: str = "ec"
    cpo_name: str | None = None
    firmware_image: Path | None = None
    manufacturer_root: Path | None = None

    @property
    def tls(self) -> bool:
        return self.profile >= 2

    @property
    def has_tls_material(self) -> bool:
        """Whether the suite can speak TLS for this IUT (generated PKI or files), also at a profile without TLS: a
        case that upgrades the security profile needs it."""
        return self.generate or self.cert is not None or self.ca_cert is not None


@dataclass(frozen=True)
class FileTransfer:
    """How a charge point under test reaches the suite's file servers, and the firmware images the cases serve it
    (a path, GENERATED_IMAGE, or None where the descriptor declares none)."""

    reachable_address: str
    protocols: tuple[str, ...]
    ftp_user: str
    ftp_password: str | None
    http_port: int
    ftp_port: int
    firmware_image: Path | str | None
    invalid_firmware_image: Path | str | None
    install_reboot: str
    transfer_timeout: float


@dataclass(frozen=True)
class Descriptor:
    path: Path | None
    name: str
    sut: Role
    ocpp_version: str
    identity: str
    listen_host: str
    listen_port: int
    listen_path: str
    endpoint: str | None
    security: Security
    features: frozenset[str]
    connectors: int
    fixed_cable: bool
    id_tags: IdTags
    configuration: dict[str, Any]
    timeouts: Timeouts
    driver: dict[str, Any]
    vendor: dict[str, Any]
    raw: dict
    smart_charging: dict[str, Any] = dataclasses.field(default_factory=dict)  # electrical facts, limit tolerance
    file_transfer: FileTransfer | None = None
    reachable_address: str | None = None  # sut=charge_point: where the charger reaches the suite's file servers
    evses: tuple[int, ...] = ()  # 2.x: connectors of each EVSE (EVSE id = position + 1); `connectors` = their number
    device_model: DeviceModelFacts | None = None  # 2.x
    optional_features: frozenset[str] = frozenset()  # 2.0.1: the Part 5 optional features the IUT claims
    id_token_types: dict[str, str] = dataclasses.field(default_factory=dict)  # 2.x: tag role -> IdTokenEnumType

    def id_token_type(self, token: str) -> str:
        """The IdToken type (2.x) the descriptor gives `token`: its role's, else the default one (ISO14443)."""
        role = self.id_tags.role_of(token)
        return self.id_token_types.get(role or "", self.id_token_types.get("default", "ISO14443"))

    def declares(self, feature: str) -> bool:
        """True if the IUT declares the feature profile (or the capability 'fixed_cable')."""
        if feature == "fixed_cable":
            return self.fixed_cable
        return feature in self.features

    @property
    def subprotocol(self) -> str:
        return protocol(self.ocpp_version).subprotocol

    @property
    def scheme(self) -> str:
        return "wss" if self.security.profile >= 2 else "ws"

    @property
    def url(self) -> str:
        """The WebSocket URL of the link: where the suite connects (csms) or where the charger connects (charge_point)."""
        return self.url_for(self.identity)

    def url_for(self, identity: str) -> str:
        """The WebSocket URL a charge point with `identity` uses (the suite sometimes connects as another one):
        the identity, percent-encoded as a path segment, in place of the endpoint's {identity} or appended."""
        if self.sut is Role.CSMS:
            return station_url(self.endpoint or "", identity)
        return f"{self.scheme}://{self.listen_host}:{self.listen_port}{self.listen_path}/{identity_segment(identity)}"

    def lacks(self, item: str) -> str | None:
        """Why the optional test data `item` (a key of OPTIONAL_DATA) is absent from this descriptor; None if present."""
        if _data_value(self, item) is not None:
            return None
        given, _ = _raw_entry(self.raw, item)
        where = f"{item}: null" if given else f"{item} is not given"
        return f"the IUT descriptor declares no {OPTIONAL_DATA[item]} ({where})"

    def declared_data(self) -> list[str]:
        """The optional test data the descriptor's file gives explicitly (defaults not counted), in OPTIONAL_DATA order."""
        return [item for item in OPTIONAL_DATA if _raw_entry(self.raw, item)[1] is not None]

    def for_case(self, case_id: str, needs: Iterable[str]) -> "CaseDescriptor":
        """The descriptor as the case `case_id` sees it: optional test data only where its `needs` name it."""
        return CaseDescriptor(self, case_id, frozenset(needs))

    @property
    def label(self) -> str:
        """Where the descriptor came from, for messages."""
        return str(self.path) if self.path else "<descriptor>"


def _data_value(descriptor: Descriptor, item: str) -> Any:
    block, _, name = item.partition(".")
    if block == "id_tags":
        return descriptor.id_tags.child_id_tag if name == "parent" else getattr(descriptor.id_tags, name)
    if block == "smart_charging":
        return descriptor.smart_charging.get(name)
    if block == "file_transfer":
        return getattr(descriptor.file_transfer, name, None)
    if block == "device_model":
        return getattr(descriptor.device_model, name, None)
    if block == "security":
        value = getattr(descriptor.security, name)
        if value is None and name == "manufacturer_root" and descriptor.security.generate:
            return "the generated test PKI's manufacturer root"
        return value
    return descriptor.configuration.get(name)


def _raw_entry(raw: Any, item: str) -> tuple[bool, Any]:
    """(whether the descriptor file gives `item`, its value there)."""
    block, _, name = item.partition(".")
    section = raw.get(block) if isinstance(raw, dict) else None
    if not isinstance(section, dict) or name not in section:
        return False, None
    return True, section[name]


class UndeclaredNeed(Broken):
    """A case read optional test data its @case does not declare in `needs`: a mistake of the suite."""

    def __init__(self, case_id: str, item: str) -> None:
        super().__init__(f"{case_id} reads {item}, which an IUT descriptor may declare absent, but its @case does not "
                         f"declare it — add {item!r} to the case's needs=(...)")


class CaseDescriptor:
    """A descriptor as one case sees it: everything as in the descriptor, except that optional test data
    (`OPTIONAL_DATA`) is handed out only when the case's `needs` name it."""

    def __init__(self, descriptor: Descriptor, case_id: str, needs: frozenset[str]) -> None:
        self._descriptor = descriptor
        self.case_id = case_id
        self.needs = needs
        self.id_tags = CaseIdTags(self)
        self.configuration = CaseMapping(self, "configuration")
        self.smart_charging = CaseMapping(self, "smart_charging")
        self.file_transfer = CaseBlock(self, "file_transfer") if descriptor.file_transfer is not None else None
        self.security = CaseBlock(self, "security")
        self.device_model = CaseBlock(self, "device_model") if descriptor.device_model is not None else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._descriptor, name)

    def require(self, item: str) -> None:
        if item not in self.needs:
            raise UndeclaredNeed(self.case_id, item)

    @property
    def whole(self) -> Descriptor:
        """The descriptor itself, for the suite's own machinery."""
        return self._descriptor


class CaseIdTags:
    """The descriptor's id tags as a case sees them (see `CaseDescriptor`)."""

    def __init__(self, view: CaseDescriptor) -> None:
        self._view = view

    def __getattr__(self, name: str) -> Any:
        item = _ID_TAG_DATA.get(name)
        if item is not None:
            self._view.require(item)
        return getattr(self._view.whole.id_tags, name)


class CaseBlock:
    """A block of the descriptor (file_transfer, security) as a case sees it (see `CaseDescriptor`): optional data in
    it must be among the case's needs."""

    def __init__(self, view: CaseDescriptor, block: str) -> None:
        self._view = view
        self._block = block

    def __getattr__(self, name: str) -> Any:
        item = f"{self._block}.{name}"
        if item in OPTIONAL_DATA:
            self._view.require(item)
        return getattr(getattr(self._view.whole, self._block), name)


class CaseMapping(Mapping):
    """A mapping of the descriptor (configuration, smart_charging) as a case sees it (see `CaseDescriptor`): optional
    data in it must be among the case's needs."""

    def __init__(self, view: CaseDescriptor, block: str) -> None:
        self._view = view
        self._block = block
        self._data = getattr(view.whole, block)

    def __getitem__(self, key: str) -> Any:
        item = f"{self._block}.{key}"
        if item in OPTIONAL_DATA:
            self._view.require(item)
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


# --------------------------------------------------------------------------------------------------------------------
# loading


def load_descriptor(path: str | Path) -> Descriptor:
    """Read, validate and normalise a descriptor file. Raises `DescriptorError` (one line) on any mistake."""
    path = Path(path)
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DescriptorError(f"{label}: file not found — check the path (examples are in fixtures/iut/)") from None
    except IsADirectoryError:
        raise DescriptorError(f"{label}: is a folder, not a descriptor file — name a .yaml file inside it") from None
    except UnicodeDecodeError as exc:
        raise DescriptorError(f"{label}: not UTF-8 text ({exc.reason} at byte {exc.start}) — save the file as UTF-8") from None
    except OSError as exc:
        raise DescriptorError(f"{label}: cannot be read ({exc.strerror}) — check the file's permissions") from None
    data = _parse_yaml(text, label)
    return descriptor_from_dict(data, path)


def descriptor_from_dict(data: dict, path: Path | None = None) -> Descriptor:
    """Validate and normalise descriptor data (as parsed from YAML). Relative file paths resolve against the
    descriptor's folder (the current folder when `path` is None)."""
    path = Path(path) if path is not None else None
    label = str(path) if path is not None else "<descriptor>"
    if not isinstance(data, dict):
        shown = "empty" if data is None else _article(_kind(data))
        raise DescriptorError(
            f"{label}: the descriptor is {shown}, not a mapping of fields — start from {EXAMPLES} (name, sut, ocpp_version, identity, ...)"
        )
    raw = copy.deepcopy(data)
    data = copy.deepcopy(data)
    _check_keys_are_text(data, label, ())
    # YAML reads an unquoted 1.6 or 2.1 as a number; the intent is clear, so accept it.
    if isinstance(data.get("ocpp_version"), float) and str(data["ocpp_version"]) in PROTOCOLS:
        data["ocpp_version"] = str(data["ocpp_version"])

    problems = [_render(label, err) for err in _schema_errors(data)]
    if problems:
        raise DescriptorError(problems[0], problems)
    given = set(data)  # before defaults: listen/endpoint must be given explicitly
    if isinstance(data.get("connectors"), dict) and "count" in data["connectors"]:
        given.add("connectors.count")
    _apply_defaults(_schema(), data)
    if "file_transfer" not in given:
        del data["file_transfer"]  # its defaults complete a given block; without one the charger has no file transfer
    base = path.parent if path is not None else Path.cwd()
    problems = [f"{label}: {where}: {what}" for where, what in _cross_field_problems(data, given, base)]
    if problems:
        raise DescriptorError(problems[0], problems)
    return _build(data, raw, path, base)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.get(key)
        except TypeError:  # unhashable key: let the normal constructor report it
            continue
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}' (first at line {first.start_mark.line + 1})", key_node.start_mark
            )
        seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse_yaml(text: str, label: str) -> Any:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = exc.problem or exc.context or "invalid YAML"
        if "duplicate key" in problem:
            raise DescriptorError(f"{label}: {where}: {problem} — keep one of them (merge the two blocks)") from None
        raise DescriptorError(
            f"{label}: {where}: YAML syntax error: {problem} — check the indentation there and quote values containing ': ', '#', '{{' or '['"
        ) from None
    except yaml.YAMLError as exc:
        raise DescriptorError(f"{label}: YAML error: {str(exc).splitlines()[0]} — fix the YAML syntax") from None


def _check_keys_are_text(value: Any, label: str, at: tuple) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise DescriptorError(
                    f"{label}: {_dotted(at + (str(key),))}: the key {key!r} is not text — quote it"
                    + (" (YAML reads yes/no/on/off as booleans)" if isinstance(key, bool) else "")
                )
            _check_keys_are_text(item, label, at + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_keys_are_text(item, label, at + (i,))


# --------------------------------------------------------------------------------------------------------------------
# schema


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = _schema()
    return jsonschema.validators.validator_for(schema)(schema)  # the schema itself is checked by the self-tests


def _schema_errors(data: dict) -> list[jsonschema.ValidationError]:
    errors = list(_validator().iter_errors(data))
    if not errors:
        return []
    best = jsonschema.exceptions.best_match(errors)
    rest = sorted((e for e in errors if e is not best), key=lambda e: [str(p) for p in e.absolute_path])
    return [best, *rest]


def _resolve(schema: dict) -> dict:
    """Follow a local $ref, keeping sibling keywords (description, default) of the referring schema."""
    ref = schema.get("$ref")
    if not ref or not ref.startswith("#/"):
        return schema
    target: Any = _schema()
    for part in ref[2:].split("/"):
        target = target[part]
    return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}


def _apply_defaults(schema: dict, value: Any) -> None:
    """Fill in the schema's `default`s, recursively; absent objects with defaulted members are created."""
    schema = _resolve(schema)
    if not isinstance(value, dict):
        return
    for name, sub in schema.get("properties", {}).items():
        sub = _resolve(sub)
        if name not in value:
            if "default" in sub:
                value[name] = copy.deepcopy(sub["default"])
            elif "object" in _types(sub) and any("default" in _resolve(p) for p in sub.get("properties", {}).values()):
                value[name] = {}
            else:
                continue
        _apply_defaults(sub, value[name])
    # The driver's own members depend on its type (if/then branches in the schema).
    for branch in schema.get("allOf", []):
        const = branch.get("if", {}).get("properties", {}).get("type", {}).get("const")
        if const is not None and value.get("type") == const:
            _apply_defaults(branch["then"], value)


def _types(schema: dict) -> list[str]:
    kind = schema.get("type", [])
    return kind if isinstance(kind, list) else [kind]


def _render(label: str, err: jsonschema.ValidationError) -> str:
    where, problem, fix = _explain(err)
    return f"{label}: {where}: {problem} — {fix}"


def _explain(err: jsonschema.ValidationError) -> tuple[str, str, str]:
    at = tuple(err.absolute_path)
    schema = err.schema if isinstance(err.schema, dict) else {}
    hint = schema.get("x-fix")
    value = err.instance
    kind = err.validator

    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        extras = [k for k in value if k not in allowed]
        key = extras[0] if extras else "?"
        guess = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        if guess:
            fix = f"did you mean '{guess[0]}'?"
        elif allowed:
            fix = f"remove it; the keys allowed here are: {', '.join(allowed)}"
        else:
            fix = "remove it; this block takes no other keys"
        return _dotted(at + (key,)), "unknown key", fix
    if kind == "required":
        missing = next((k for k in err.validator_value if k not in value), err.validator_value[0])
        prop = _resolve(schema.get("properties", {}).get(missing, {}))
        example = (prop.get("examples") or [None])[0]
        if example is None and "enum" in prop:
            example = prop["enum"][0]
        fix = f"add it, e.g. `{missing}: {example}`" if example is not None else "add it"
        if prop.get("description"):
            fix += f" ({_first_sentence(prop['description'])})"
        return _dotted(at + (missing,)), "required field is missing", fix
    if kind == "type":
        expected = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        problem = f"{_show(value)} is {_article(_kind(value))}, expected {' or '.join(_article(t) for t in expected)}"
        return _dotted(at), problem, hint or f"write {_article(expected[0])}"
    if kind in ("enum", "const"):
        options = err.validator_value if kind == "enum" else [err.validator_value]
        problem = f"{_show(value)} is not one of {', '.join(_show(o) for o in options)}"
        guess = difflib.get_close_matches(str(value), [str(o) for o in options], n=1, cutoff=0.6)
        if guess:
            fix = f"did you mean {_show(options[[str(o) for o in options].index(guess[0])])}?"
        else:
            fix = hint or f"use one of: {', '.join(str(o) for o in options)}"
        return _dotted(at), problem, fix
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        limit = err.validator_value
        if kind == "exclusiveMinimum" and value == limit:
            problem = f"{_show(value)} must be more than {limit}"
        elif kind == "exclusiveMaximum" and value == limit:
            problem = f"{_show(value)} must be less than {limit}"
        elif kind.endswith("inimum"):
            problem = f"{_show(value)} is less than the minimum of {limit}"
        else:
            problem = f"{_show(value)} is more than the maximum of {limit}"
        return _dotted(at), problem, hint or "use a value in the allowed range"
    if kind == "maxLength":
        problem = f"{_show(value)} is {len(value)} characters, more than the maximum of {err.validator_value}"
        return _dotted(at), problem, hint or f"shorten it to {err.validator_value} characters"
    if kind == "minLength":
        return _dotted(at), "must not be empty", hint or "write a value"
    if kind == "pattern":
        return _dotted(at), f"{_show(value)} is not in the allowed form", hint or f"match the pattern {err.validator_value}"
    if kind == "uniqueItems":
        seen: list = []
        dup = next((v for v in value if v in seen or seen.append(v)), None)  # type: ignore[func-returns-value]
        return _dotted(at), f"lists {_show(dup)} more than once", "list each entry once"
    if kind == "propertyNames":
        bad = err.instance
        return _dotted(at), f"{_show(bad)} is not a valid name here", hint or "use letters, digits and '_', starting with a letter"
    return _dotted(at), err.message, hint or f"see the description of this field in {SCHEMA_PATH.name}"


def _first_sentence(text: str) -> str:
    head = text.split(". ")[0].split(": ")[0].rstrip(".")
    keep_case = len(head) > 1 and head[1].isupper()  # an acronym such as "OCPP"
    return head if keep_case else head[:1].lower() + head[1:]


def _dotted(at: Iterable[Any]) -> str:
    out = ""
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


_TYPE_WORDS = {"object": "mapping", "array": "list", "null": "empty value"}


def _article(kind: str) -> str:
    word = _TYPE_WORDS.get(kind, kind)
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _show(value: Any) -> str:
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, default=str)
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --------------------------------------------------------------------------------------------------------------------
# rules across fields


def _cross_field_problems(data: dict, given: set[str], base: Path) -> list[tuple[str, str]]:
    """(field path, 'problem — fix') for every rule the schema does not express."""
    out: list[tuple[str, str]] = []
    sut = data["sut"]
    sec = data["security"]
    profile = sec["profile"]
    tls = sec.get("tls")

    if sut == "charge_point":
        if "listen" not in given:
            out.append(("listen", "missing: a charge point under test connects to the suite — add `listen: {host: 127.0.0.1, port: 9000, path: /ocpp}`"))
        if "endpoint" in given:
            out.append(("endpoint", "only used when sut is csms (the suite connects to a CSMS) — remove it; a charge point connects to `listen`"))
    else:
        if "endpoint" not in given:
            out.append(("endpoint", "missing: the suite connects to the CSMS under test — add `endpoint: ws://<host>:<port>/<path>` (without the identity)"))
        if "listen" in given:
            out.append(("listen", "only used when sut is charge_point (the charger connects to the suite) — remove it; use `endpoint` for a CSMS"))
        endpoint = data.get("endpoint")
        if isinstance(endpoint, str):
            scheme = urlsplit(endpoint).scheme
            if profile >= 2 and scheme != "wss":
                out.append(("endpoint", f"security profile {profile} uses TLS but the endpoint is {scheme}:// — use wss://"))
            if profile <= 1 and scheme == "wss":
                out.append(("endpoint", f"security profile {profile} has no TLS but the endpoint is wss:// — use ws://, or security.profile 2 or 3"))
            out.extend(_endpoint_problems(endpoint, data["identity"]))

    if profile in (1, 2) and not sec.get("password"):
        out.append(("security.password", f"missing: security profile {profile} uses HTTP Basic auth — add the charge point's password (1.6 AuthorizationKey, 2.x BasicAuthPassword)"))
    if profile >= 2:
        if tls is None:
            out.append(("security.tls", f"missing: security profile {profile} uses TLS — add `tls: {{generate: true}}` or the certificate files (ca_cert, cert, key)"))
        elif not tls.get("generate"):
            out.extend(_tls_file_problems(sut, profile, tls))
    for name in ("firmware_image", "manufacturer_root"):
        if sec.get(name) and not _resolve_file(base, sec[name]).is_file():
            out.append((f"security.{name}", f"file not found: {_resolve_file(base, sec[name])} — fix the path (relative to the descriptor's folder), or write null"))
    if sut == "csms" and sec.get("firmware_image"):
        out.append(("security.firmware_image", "only used when sut is charge_point (the suite signs it for the charger) — remove it"))
    if sut == "charge_point" and sec.get("manufacturer_root"):
        out.append(("security.manufacturer_root", "only used when sut is csms (the suite's charge point checks the CSMS's firmware signatures with it) — remove it"))
    if sut == "charge_point" and (data.get("listen") or {}).get("host") in ("0.0.0.0", "::") and not (data.get("listen") or {}).get("reachable_address") and "security" in data.get("features", []):
        out.append(("listen.reachable_address", "missing: the suite listens on every interface, so the URLs of its file servers need the address the charger reaches this machine at — add it"))
    if tls:
        if bool(tls.get("cert")) != bool(tls.get("key")):
            have, lack = ("cert", "key") if tls.get("cert") else ("key", "cert")
            out.append((f"security.tls.{lack}", f"missing: '{have}' is given without '{lack}' — give both (a certificate and its private key)"))
        for name in ("ca_cert", "cert", "key"):
            if tls.get(name) and not _resolve_file(base, tls[name]).is_file():
                out.append((f"security.tls.{name}", f"file not found: {_resolve_file(base, tls[name])} — fix the path (relative to the descriptor's folder) or use `generate: true`"))

    out.extend(_version_problems(data, given))
    tags = data["id_tags"]
    parent = tags["parent"] or {}
    flat = {
        "valid": tags["valid"],
        "valid_2": tags["valid_2"],
        "invalid": tags["invalid"],
        "blocked": tags["blocked"],
        "expired": tags["expired"],
        "parent.id_tag": parent.get("id_tag"),
        "parent.parent_id_tag": parent.get("parent_id_tag"),
    }
    flat = {name: tag for name, tag in flat.items() if tag is not None}  # null: the IUT has no such tag
    if (tags["parent"] or {}).get("id_tag_2"):
        flat["parent.id_tag_2"] = tags["parent"]["id_tag_2"]
    version = protocol(data["ocpp_version"])
    for name, tag in flat.items():
        if len(tag) > version.id_token_max_length:
            out.append((f"id_tags.{name}", f"{tag!r} is {len(tag)} characters; an OCPP {version.version} "
                                           f"{version.id_token_field} has at most {version.id_token_max_length} — shorten it"))
    owners: dict[str, str] = {}
    for name, tag in flat.items():
        if name == "parent.parent_id_tag":
            continue  # a parent may also be a plain valid tag
        if tag in owners:
            out.append((f"id_tags.{name}", f"{tag!r} is also id_tags.{owners[tag]} — give each id tag its own value"))
        owners.setdefault(tag, name)
    if parent and flat["parent.id_tag"] == flat["parent.parent_id_tag"]:
        out.append(("id_tags.parent.parent_id_tag", "equals parent.id_tag — a tag cannot be its own parent; use another value"))

    t = data["timeouts"]
    longest = max(("response", "connect", "expect"), key=lambda k: t[k])
    if t["case"] < t[longest]:
        out.append(("timeouts.case", f"{t['case']:g} s is shorter than timeouts.{longest} ({t[longest]:g} s) — raise case or lower {longest}"))
    if "file_transfer" in data:
        out.extend(_file_transfer_problems(data, base))

    driver = data["driver"]
    if driver["type"] == "http" and driver.get("convention") == "octt" and sut != "csms":
        out.append(("driver.convention", "'octt' is the CSMS test-API convention, but sut is charge_point — use `convention: vendor`"))
    if driver["type"] == "exec":
        out.extend(_exec_problems(driver, sut, base))
    return out


def _version_problems(data: dict, given: set[str]) -> list[tuple[str, str]]:
    """Fields that belong to some OCPP versions only: the feature names of the version, and the device model blocks
    of 2.x (EVSEs, device model facts, optional features, IdToken types) instead of 1.6's connector count."""
    version = protocol(data["ocpp_version"])
    out: list[tuple[str, str]] = []
    kind = "certification profile" if version.device_model else "feature profile"
    for i, feature in enumerate(data["features"]):
        if feature not in version.feature_profiles:
            out.append((f"features[{i}]", f"{feature!r} is no OCPP {version.version} {kind} — use one of: "
                                          f"{', '.join(version.feature_profiles)}"))
    typed = "types" in (data.get("id_tags") or {})
    if not version.device_model:
        for block in DEVICE_MODEL_BLOCKS:
            if block in given:
                out.append((block, f"only used for OCPP 2.x (a device model with EVSEs), not OCPP {version.version} — "
                                   "remove it"))
        if typed:
            out.append(("id_tags.types", f"OCPP {version.version} id tags have no type — remove it"))
        return out
    if "connectors.count" in given:
        out.append(("connectors.count", f"OCPP {version.version} counts connectors per EVSE — remove it and list the "
                                        "EVSEs under evses, e.g. [{id: 1, connectors: 1}]"))
    ids = [e["id"] for e in data.get("evses") or []]
    if ids and sorted(ids) != list(range(1, len(ids) + 1)):
        out.append(("evses", f"the EVSE ids {sorted(ids)} are not 1..{len(ids)} without gaps — number the EVSEs 1, "
                             "2, ... as the station does"))
    for i, feature in enumerate(data.get("optional_features") or []):
        if feature not in version.optional_features:
            known = ", ".join(version.optional_features) or "none"
            out.append((f"optional_features[{i}]", f"{feature!r} is no optional feature the suite knows for OCPP "
                                                   f"{version.version} (known: {known}) — remove it"))
    for role, value in ((data.get("id_tags") or {}).get("types") or {}).items():
        if value not in version.id_token_types:
            out.append((f"id_tags.types.{role}", f"{value!r} is no OCPP {version.version} IdToken type — use one of: "
                                                 f"{', '.join(sorted(version.id_token_types))}"))
    return out


def _file_transfer_problems(data: dict, base: Path) -> list[tuple[str, str]]:
    """The file_transfer block belongs to a charge point under test; its images exist; its servers can be reached."""
    block = data["file_transfer"]
    if data["sut"] != "charge_point":
        return [("file_transfer", "only used when sut is charge_point (the suite serves the charger's files) — remove "
                                  "it; a CSMS under test gives its own URLs")]
    out: list[tuple[str, str]] = []
    for name in ("firmware_image", "invalid_firmware_image"):
        image = block.get(name)
        if image is not None and image != GENERATED_IMAGE and not _resolve_file(base, image).is_file():
            out.append((f"file_transfer.{name}", f"file not found: {_resolve_file(base, image)} — fix the path "
                                                 f"(relative to the descriptor's folder), or write '{GENERATED_IMAGE}' or null"))
    host = (data.get("listen") or {}).get("host", "127.0.0.1")
    if _loopback(host) and not _loopback(block["reachable_address"]):
        out.append(("file_transfer.reachable_address", f"{block['reachable_address']} is not this machine's loopback "
                                                       f"address, but the suite's servers listen on listen.host {host} — set "
                                                       "listen.host to 0.0.0.0 (or an address of this machine the charger reaches)"))
    if block["transfer_timeout"] > data["timeouts"]["case"]:
        out.append(("file_transfer.transfer_timeout", f"{block['transfer_timeout']:g} s is longer than timeouts.case "
                                                      f"({data['timeouts']['case']:g} s) — raise timeouts.case"))
    return out


def _loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _endpoint_problems(endpoint: str, identity: str) -> list[tuple[str, str]]:
    """A CSMS endpoint ends before the identity, or marks where the identity goes with {identity}."""
    out: list[tuple[str, str]] = []
    parts = urlsplit(endpoint)
    marks = endpoint.count(IDENTITY_PLACEHOLDER)
    others = endpoint.replace(IDENTITY_PLACEHOLDER, "")
    if marks > 1:
        out.append(("endpoint", f"has {IDENTITY_PLACEHOLDER} {marks} times — write it once, where the CSMS expects the charge point's identity"))
    elif "{" in others or "}" in others:
        out.append(("endpoint", f"has a brace outside {IDENTITY_PLACEHOLDER} — the only placeholder is {IDENTITY_PLACEHOLDER} (spelt exactly so); remove the other braces"))
    elif marks and IDENTITY_PLACEHOLDER not in parts.path:
        out.append(("endpoint", f"has {IDENTITY_PLACEHOLDER} outside the URL's path — put it in the path, e.g. ws://127.0.0.1:9000/ws/ocpp/{IDENTITY_PLACEHOLDER}/"))
    if parts.query or parts.fragment:
        out.append(("endpoint", "has a query or fragment — remove the part after '?' or '#'"))
    if not marks and endpoint.rstrip("/").rsplit("/", 1)[-1] == identity:
        out.append(("endpoint", f"ends with the identity '{identity}' — remove it; the suite appends '/<identity>' itself "
                                f"(or write {IDENTITY_PLACEHOLDER} where the CSMS expects it)"))
    return out


def _tls_file_problems(sut: str, profile: int, tls: dict) -> list[tuple[str, str]]:
    out = []
    if sut == "charge_point":
        need = {"cert": "the server certificate the suite presents as CSMS", "key": "its private key"}
        if profile == 3:
            need["ca_cert"] = "the CA that issued the charger's client certificate"
    else:
        need = {"ca_cert": "the CA that issued the CSMS's server certificate"}
        if profile == 3:
            need.update(cert="the client certificate the suite presents as a charge point", key="its private key")
    for name, role in need.items():
        if not tls.get(name):
            out.append((f"security.tls.{name}", f"missing: security profile {profile} needs {role} — add the PEM file path, or `generate: true`"))
    return out


def identity_segment(identity: str) -> str:
    """A charge point identity as one URL path segment: percent-encoded but for the characters RFC 3986 allows."""
    return quote(identity, safe=_IDENTITY_SAFE)


def station_url(endpoint: str, identity: str) -> str:
    """The URL a charge point with `identity` connects to at a CSMS `endpoint`: the identity, percent-encoded as a
    path segment, in place of the endpoint's {identity} or appended."""
    segment = identity_segment(identity)
    if IDENTITY_PLACEHOLDER in endpoint:
        return endpoint.replace(IDENTITY_PLACEHOLDER, segment)
    return f"{endpoint.rstrip('/')}/{segment}"


def _exec_problems(driver: dict, sut: str, base: Path) -> list[tuple[str, str]]:
    out = []
    known = list(CHARGE_POINT_ACTIONS) if sut == "charge_point" else ["send_command", "set_security_profile",
                                                                       "set_boot_status"]
    for action, template in driver["commands"].items():
        where = f"driver.commands.{action}"
        if action not in known:
            guess = difflib.get_close_matches(action, known, n=1, cutoff=0.75)
            if guess:
                out.append((where, f"unknown action — did you mean '{guess[0]}'?"))
                continue
        try:
            tokens = shlex.split(template)
        except ValueError as exc:
            out.append((where, f"cannot be split into arguments ({exc}) — balance the quotes"))
            continue
        if not tokens:
            out.append((where, "is empty — write the command line to run"))
            continue
        for token in tokens:
            try:
                parsed = [(f, conv) for _, f, _, conv in string.Formatter().parse(token) if f is not None]
            except ValueError as exc:
                out.append((where, f"bad placeholder in {token!r} ({exc}) — write placeholders as {{name}} and literal braces as {{{{ }}}}"))
                break
            fields = [f for f, _ in parsed]
            odd = [conv for _, conv in parsed if conv not in (None, "q")]
            if odd:
                out.append((where, f"unknown conversion !{odd[0]} — use {{name}} or {{name!q}} (shell-quoted)"))
                break
            bad = [f for f in fields if f not in PLACEHOLDERS]
            if bad:
                guess = difflib.get_close_matches(bad[0], PLACEHOLDERS, n=1, cutoff=0.6)
                tip = f"did you mean {{{guess[0]}}}?" if guess else f"use one of {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
                out.append((where, f"unknown placeholder {{{bad[0]}}} — {tip}"))
                break
    if driver.get("cwd") and not _resolve_file(base, driver["cwd"]).is_dir():
        out.append(("driver.cwd", f"folder not found: {_resolve_file(base, driver['cwd'])} — fix the path (relative to the descriptor's folder)"))
    return out


def _resolve_file(base: Path, name: str) -> Path:
    path = Path(name).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


# --------------------------------------------------------------------------------------------------------------------
# building


def _build(data: dict, raw: dict, path: Path | None, base: Path) -> Descriptor:
    sec = data["security"]
    tls = sec.get("tls") or {}

    def file(name: str) -> Path | None:
        return _resolve_file(base, tls[name]) if tls.get(name) else None

    security = Security(
        profile=sec["profile"],
        password=sec.get("password"),
        ca_cert=file("ca_cert"),
        cert=file("cert"),
        key=file("key"),
        server_name=tls.get("server_name") or (urlsplit(data["endpoint"]).hostname if data.get("endpoint") else None),
        generate=bool(tls.get("generate", False)),
        key_type=tls.get("key_type") or "ec",
        cpo_name=sec.get("cpo_name"),
        firmware_image=_resolve_file(base, sec["firmware_image"]) if sec.get("firmware_image") else None,
        manufacturer_root=_resolve_file(base, sec["manufacturer_root"]) if sec.get("manufacturer_root") else None,
    )
    listen = data.get("listen") or {"host": "127.0.0.1", "port": 9000, "path": "/ocpp"}
    version = protocol(data["ocpp_version"])
    evses: tuple[int, ...] = ()
    device_model = None
    connectors = int(data["connectors"]["count"])
    if version.device_model:
        listed = sorted(data.get("evses") or [{"id": 1}], key=lambda e: e["id"])
        evses = tuple(int(e.get("connectors", 1)) for e in listed)
        connectors = len(evses)  # driver actions name an EVSE
        facts = data.get("device_model") or {}
        device_model = DeviceModelFacts(
            read_only_variable=_variable_ref(facts.get("read_only_variable")),
            unknown_component=facts.get("unknown_component"),
            unknown_variable=_variable_ref(facts.get("unknown_variable")),
            actual_only_variable=_variable_ref(facts.get("actual_only_variable")),
            report_bases=tuple(facts.get("report_bases") or ()),
        )
    tags = data["id_tags"]
    t = data["timeouts"]
    driver = dict(data["driver"])
    if driver["type"] == "exec":
        driver["cwd"] = str(_resolve_file(base, driver["cwd"]) if driver.get("cwd") else base.resolve())
        driver.setdefault("env", {})
    if driver["type"] == "http":
        driver["base_url"] = driver["base_url"].rstrip("/")
        driver.setdefault("headers", {})
    return Descriptor(
        path=path,
        name=data["name"],
        sut=Role(data["sut"]),
        ocpp_version=data["ocpp_version"],
        identity=data["identity"],
        listen_host=listen["host"],
        listen_port=int(listen["port"]),
        listen_path=listen["path"].rstrip("/") or "",
        endpoint=_normal_endpoint(data.get("endpoint")),
        security=security,
        features=frozenset(data["features"]) | {"core"},
        connectors=connectors,
        fixed_cable=bool(data["connectors"]["fixed_cable"]),
        id_tags=IdTags(
            valid=tags["valid"],
            valid_2=tags["valid_2"],
            invalid=tags["invalid"],
            blocked=tags["blocked"],
            expired=tags["expired"],
            parent_id_tag=(tags["parent"] or {}).get("parent_id_tag"),
            child_id_tag=(tags["parent"] or {}).get("id_tag"),
            sibling_id_tag=(tags["parent"] or {}).get("id_tag_2") or None,
        ),
        id_token_types=dict(tags.get("types") or {}),
        configuration=data["configuration"],
        timeouts=Timeouts(**{k: float(v) for k, v in t.items()}),
        driver=driver,
        vendor=data["vendor"],
        raw=raw,
        smart_charging=dict(data.get("smart_charging") or {}),
        file_transfer=_file_transfer(data.get("file_transfer"), base),
        reachable_address=listen.get("reachable_address") or listen["host"],
        evses=evses,
        device_model=device_model,
        optional_features=frozenset(data.get("optional_features") or ()),
    )


def _variable_ref(value: dict | None) -> VariableRef | None:
    if not value:
        return None
    return VariableRef(component=value["component"], variable=value["variable"], instance=value.get("instance"),
                       component_instance=value.get("component_instance"), evse=value.get("evse"))


def _file_transfer(block: dict | None, base: Path) -> FileTransfer | None:
    if block is None:
        return None

    def image(name: str) -> Path | str | None:
        value = block.get(name)
        return value if value in (None, GENERATED_IMAGE) else _resolve_file(base, value)

    return FileTransfer(
        reachable_address=block["reachable_address"],
        protocols=tuple(block["protocols"]),
        ftp_user=block["ftp_user"],
        ftp_password=block.get("ftp_password"),
        http_port=int(block["http_port"]),
        ftp_port=int(block["ftp_port"]),
        firmware_image=image("firmware_image"),
        invalid_firmware_image=image("invalid_firmware_image"),
        install_reboot=block["install_reboot"],
        transfer_timeout=float(block["transfer_timeout"]),
    )


def _normal_endpoint(endpoint: str | None) -> str | None:
    """Without a trailing '/' (the suite appends '/<identity>'); an endpoint with {identity} stays as written, since
    what follows the identity is the CSMS's own choice."""
    if not endpoint:
        return None
    return endpoint if IDENTITY_PLACEHOLDER in endpoint else endpoint.rstrip("/")
