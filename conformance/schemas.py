"""OCPP JSON schemas: one compiled validator per (version, action, direction), full error lists.

Schemas are the files shipped in the installed `ocpp` package (`ocpp/v16/schemas`,
`ocpp/v201/schemas`, `ocpp/v21/schemas`). Known defects of those files are patched at load by
errata overlays (`fixtures/errata/*.yaml`), each with its reason, so a report can list them.

Validation uses `jsonschema_rs` with the draft each file declares and format checking on
(`date-time`, `uri`). `reference_errors` runs python-jsonschema (draft-matched, FormatChecker,
numbers as `Decimal`) and exists only so the suite's own tests can compare the two validators.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any, Iterable

import jsonschema_rs
import yaml

from conformance.frames import clip
from conformance.protocol import VERSIONS, protocol
from conformance.suite_files import ERRATA_DIR

DEFAULT_ERRATA_DIR = ERRATA_DIR

_MESSAGE_LIMIT = 200  # error messages quote the instance; frames can be megabytes long


@dataclass(frozen=True)
class SchemaError:
    """One schema violation: where in the payload, what is wrong, which keyword failed."""

    path: str  # JSONPath of the offending value, e.g. "$.meterValue[0].sampledValue[2].unit"
    message: str
    keyword: str  # required, type, enum, maxLength, format, additionalProperties, ...

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.keyword}]"


class ErrataError(ValueError):
    """An errata overlay file is unusable. The message is one line naming the file and field."""


@dataclass(frozen=True)
class Erratum:
    """A patch applied to a shipped schema, with the reason it is needed."""

    id: str
    version: str
    schema: str  # schema file name without ".json", e.g. "StopTransaction"
    reason: str
    source: str  # where the fix is specified (errata sheet and section)
    file: str  # the overlay file it came from
    patches: tuple[dict[str, Any], ...] = field(repr=False, default=())

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "schema": self.schema,
                "reason": self.reason, "source": self.source, "file": self.file}


_ERRATA_FILE_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["id", "version", "schema", "reason", "source", "patches"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "version": {"enum": list(VERSIONS)},
        "schema": {"type": "string", "minLength": 1},
        "reason": {"type": "string", "minLength": 10},
        "source": {"type": "string", "minLength": 1},
        "patches": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "required": ["op", "path"],
                "additionalProperties": False,
                "properties": {
                    "op": {"enum": ["add_enum", "set", "remove"]},
                    "path": {"type": "string", "pattern": "^/"},
                    "values": {"type": "array", "minItems": 1},
                    "value": {},
                },
            },
        },
    },
}
_errata_validator = jsonschema_rs.validator_for(_ERRATA_FILE_SCHEMA)


def load_errata(directory: str | Path | None = None) -> list[Erratum]:
    """All overlays in `directory` (default `fixtures/errata`), sorted by file name."""
    directory = Path(directory) if directory is not None else DEFAULT_ERRATA_DIR
    if not directory.is_dir():
        return []
    found: list[Erratum] = []
    for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ErrataError(f"{path}: not readable YAML ({_one_line(exc)}); fix the file syntax") from None
        try:
            first_error = next(iter(_errata_validator.iter_errors(data)), None)
        except ValueError as exc:  # YAML types JSON does not have, e.g. an unquoted date
            raise ErrataError(f"{path}: {_one_line(exc)}; quote dates and other non-JSON values") from None
        if first_error is not None:
            where = _json_path(first_error.instance_path)
            raise ErrataError(f"{path}: {where}: {clip(first_error.message, 160)}; "
                              "see the comment at the top of an existing overlay for the format")
        found.append(Erratum(id=data["id"], version=data["version"], schema=data["schema"],
                             reason=" ".join(data["reason"].split()), source=data["source"],
                             file=str(path), patches=tuple(data["patches"])))
    return found


def _apply_patches(schema: dict[str, Any], erratum: Erratum) -> None:
    for index, patch in enumerate(erratum.patches):
        where = f"{erratum.file}: patches[{index}].path {patch['path']!r}"
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in patch["path"].split("/")[1:]]
        parent: Any = schema
        for token in tokens[:-1]:
            parent = _step(parent, token, where, erratum.schema)
        last = tokens[-1]
        op = patch["op"]
        if op == "add_enum":
            target = _step(parent, last, where, erratum.schema)
            if not isinstance(target, list) or "values" not in patch:
                raise ErrataError(f"{where}: add_enum needs an existing enum array and 'values'")
            target.extend(v for v in patch["values"] if v not in target)
        elif op == "set":
            if "value" not in patch:
                raise ErrataError(f"{where}: 'set' needs a 'value'")
            if isinstance(parent, list):
                parent[int(last)] = patch["value"]
            else:
                parent[last] = patch["value"]
        else:  # remove
            _step(parent, last, where, erratum.schema)
            del parent[int(last) if isinstance(parent, list) else last]


def _step(node: Any, token: str, where: str, schema_name: str) -> Any:
    try:
        return node[int(token)] if isinstance(node, list) else node[token]
    except (KeyError, IndexError, ValueError, TypeError):
        raise ErrataError(f"{where}: {token!r} does not exist in {schema_name}.json; "
                          "correct the JSON pointer") from None


class SchemaSet:
    """The schemas of one OCPP version, errata applied. Validators are compiled on first use."""

    _instances: dict[tuple[str, str], "SchemaSet"] = {}
    _instances_lock = threading.Lock()

    def __init__(self, version: str, errata_dir: str | Path | None = None) -> None:
        self.protocol = protocol(version)
        self.version = version
        self._dir = files("ocpp") / self.protocol.schema_dir / "schemas"
        names = {entry.name[:-5] for entry in self._dir.iterdir() if entry.name.endswith(".json")}
        self._files = frozenset(names)
        suffix = self.protocol.request_schema_suffix
        self._actions = frozenset(n.removesuffix(suffix) for n in names
                                  if n.endswith(suffix) and n.removesuffix(suffix) + "Response" in names)
        # SEND messages (2.1) have one schema, named after the action
        self._send_actions = frozenset(n for n in names if suffix and not n.endswith((suffix, "Response")))
        self.errata = [e for e in load_errata(errata_dir) if e.version == version]
        for erratum in self.errata:
            if erratum.schema not in names:
                raise ErrataError(f"{erratum.file}: schema: {erratum.schema!r} is not a {version} "
                                  f"schema file; use the file name without .json")
        self._schemas: dict[str, dict[str, Any]] = {}
        self._validators: dict[tuple[str, bool], Any] = {}
        self._reference: dict[tuple[str, bool], Any] = {}
        self._paths: dict[tuple[str, bool, str], tuple[tuple[str, ...], ...]] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_version(cls, version: str, *, errata_dir: str | Path | None = None) -> "SchemaSet":
        key = (version, str(errata_dir or DEFAULT_ERRATA_DIR))
        with cls._instances_lock:
            found = cls._instances.get(key)
            if found is None:
                found = cls._instances[key] = cls(version, errata_dir)
            return found

    # -- catalogue -------------------------------------------------------------------------
    def actions(self) -> list[str]:
        """Actions with a request/response schema pair (CALL actions)."""
        return sorted(self._actions)

    def has_action(self, action: str) -> bool:
        return action in self._actions

    def send_actions(self) -> list[str]:
        """OCPP 2.1 SEND messages (one schema, no response)."""
        return sorted(self._send_actions)

    def has_send(self, action: str) -> bool:
        return action in self._send_actions

    def file_name(self, action: str, response: bool) -> str:
        """Schema file (without .json) for a CALL/SEND payload (response=False) or a CALLRESULT."""
        if action in self._actions:
            if response:
                return action + "Response"
            return action + self.protocol.request_schema_suffix
        if action in self._send_actions and not response:
            return action
        kind = "response" if response else "request"
        raise KeyError(f"OCPP {self.version} has no {kind} schema for action {action!r}")

    def schema(self, action: str, response: bool) -> dict[str, Any]:
        """The schema as used for validation (errata applied). Do not modify it."""
        return self._load(self.file_name(action, response))

    def draft(self, action: str, response: bool) -> str:
        declared = self.schema(action, response).get("$schema", "")
        return "draft-04" if "draft-04" in declared else "draft-06" if "draft-06" in declared else declared

    # -- validation ------------------------------------------------------------------------
    def validator(self, action: str, response: bool) -> Any:
        """The compiled jsonschema_rs validator (cached)."""
        key = (action, response)
        found = self._validators.get(key)
        if found is None:
            schema = self.schema(action, response)
            with self._lock:
                found = self._validators.get(key)
                if found is None:
                    found = jsonschema_rs.validator_for(schema, validate_formats=True)
                    self._validators[key] = found
        return found

    def is_valid(self, action: str, response: bool, payload: Any) -> bool:
        return self.validator(action, response).is_valid(payload)

    def errors(self, action: str, response: bool, payload: Any) -> list[SchemaError]:
        """Every schema error of `payload`, in the validator's order. Empty when valid."""
        validator = self.validator(action, response)
        try:
            if validator.is_valid(payload):
                return []
            return [SchemaError(_json_path(e.instance_path), clip(e.message, _MESSAGE_LIMIT), _keyword(e))
                    for e in validator.iter_errors(payload)]
        except ValueError as exc:  # values JSON allows but the validator cannot render, e.g. 5000-digit integers
            return [SchemaError("$", f"the payload could not be validated: {clip(_one_line(exc), 120)}", "unsupported")]

    def field_paths(self, action: str, response: bool, kind: str) -> tuple[tuple[str, ...], ...]:
        """Payload paths of fields of a kind, "*" standing for any array index.

        kind "date-time": strings with `format: date-time`; "cistring": length-limited plain
        strings of draft-04 (OCPP 1.6 core) schemas, which the 1.6 spec types as CiString.
        """
        key = (action, response, kind)
        found = self._paths.get(key)
        if found is None:
            schema = self.schema(action, response)
            out: list[tuple[str, ...]] = []
            if kind == "date-time":
                _collect_paths(schema, schema, (), out, _is_date_time, 0)
            elif kind == "cistring":
                if "draft-04" in schema.get("$schema", ""):
                    _collect_paths(schema, schema, (), out, _is_cistring, 0)
            else:
                raise ValueError(f"unknown field kind {kind!r}; use 'date-time' or 'cistring'")
            found = self._paths[key] = tuple(out)
        return found

    # -- differential oracle ---------------------------------------------------------------
    def reference_errors(self, action: str, response: bool, payload: Any) -> list[SchemaError]:
        """Errors according to python-jsonschema: draft-matched, FormatChecker, numbers as Decimal.

        Slow (hundreds of µs); meant for the suite's differential self-test only.
        """
        key = (action, response)
        validator = self._reference.get(key)
        if validator is None:
            validator = self._reference[key] = _reference_validator(self._load_text(self.file_name(action, response)),
                                                                    self._errata_for(self.file_name(action, response)))
        errors = []
        for e in validator.iter_errors(_as_decimal(payload)):
            errors.append(SchemaError(_json_path(e.absolute_path), clip(e.message, _MESSAGE_LIMIT), str(e.validator)))
        return errors

    # -- loading ---------------------------------------------------------------------------
    def _load_text(self, name: str) -> str:
        # The original OCA files carried a BOM; tolerate one.
        return (self._dir / f"{name}.json").read_text(encoding="utf-8-sig")

    def _errata_for(self, name: str) -> list[Erratum]:
        return [e for e in self.errata if e.schema == name]

    def _load(self, name: str) -> dict[str, Any]:
        found = self._schemas.get(name)
        if found is None:
            schema = json.loads(self._load_text(name))
            for erratum in self._errata_for(name):
                _apply_patches(schema, erratum)
            found = self._schemas[name] = schema
        return found


def applied_errata(versions: Iterable[str] = VERSIONS) -> list[Erratum]:
    """Overlays in force for the given versions, for reports."""
    return [e for v in versions for e in SchemaSet.for_version(v).errata]


# -- helpers ---------------------------------------------------------------------------------
def _json_path(parts: Iterable[Any]) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += "." + part
        else:
            out += "[" + json.dumps(str(part)) + "]"
    return out


def _keyword(error: Any) -> str:
    path = error.schema_path
    if path and isinstance(path[-1], str):
        return path[-1]
    name = type(error.kind).__name__
    return name[:1].lower() + name[1:]


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _resolve(root: dict[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = root
        for token in ref[2:].split("/"):
            target = target.get(token, {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
    return node


def _is_date_time(node: dict[str, Any]) -> bool:
    return node.get("format") == "date-time"


def _is_cistring(node: dict[str, Any]) -> bool:
    return node.get("type") == "string" and "maxLength" in node and "enum" not in node and "format" not in node


def _collect_paths(root: dict[str, Any], node: Any, path: tuple[str, ...], out: list[tuple[str, ...]],
                   wanted: Any, depth: int) -> None:
    node = _resolve(root, node)
    if not isinstance(node, dict) or depth > 32:
        return
    if wanted(node):
        out.append(path)
        return
    for name, sub in (node.get("properties") or {}).items():
        _collect_paths(root, sub, path + (name,), out, wanted, depth + 1)
    items = node.get("items")
    if isinstance(items, dict):
        _collect_paths(root, items, path + ("*",), out, wanted, depth + 1)


def _as_decimal(value: Any) -> Any:
    """Floats as exact decimals of their shortest repr, so multipleOf 0.1 is judged on 21.4, not 21.399…"""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _as_decimal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_decimal(v) for v in value]
    return value


def _reference_validator(text: str, errata: list[Erratum]) -> Any:
    import jsonschema
    from jsonschema import validators

    schema = json.loads(text, parse_float=Decimal)
    for erratum in errata:
        _apply_patches(schema, erratum)
    cls = validators.validator_for(schema)
    if cls is not jsonschema.Draft4Validator:
        # Draft-06 counts 1.0 as an integer; with numbers parsed as Decimal the stock check misses it.
        stock = cls.TYPE_CHECKER

        def is_integer(checker: Any, instance: Any) -> bool:
            if isinstance(instance, Decimal):
                return instance.is_finite() and instance == instance.to_integral_value()
            return stock.is_type(instance, "integer")

        cls = validators.extend(cls, type_checker=stock.redefine("integer", is_integer))
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_at_paths(paths: Iterable[tuple[str, ...]], leaf: dict[str, Any]) -> dict[str, Any]:
    """A schema applying `leaf` at each payload path ("*" = array items) and checking nothing else.

    Lets a field-level check that the OCPP schemas cannot express run inside the compiled
    validator: one fast `is_valid` per payload, Python only when something fails.
    """
    root: dict[str, Any] = {}
    for path in paths:
        node = root
        for key in path:
            if key == "*":
                node = node.setdefault("items", {})
            else:
                node = node.setdefault("properties", {}).setdefault(key, {})
        node.update(leaf)
    return root
