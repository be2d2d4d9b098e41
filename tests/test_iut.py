"""The IUT descriptor: schema, defaults, normalisation and one-line errors for typical mistakes."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conformance.iut import (
    OPTIONAL_DATA,
    SCHEMA_PATH,
    Descriptor,
    DescriptorError,
    UndeclaredNeed,
    descriptor_from_dict,
    load_descriptor,
)
from conformance.wire import Role

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_CP = ROOT / "fixtures/iut/example-charge-point.yaml"
EXAMPLE_CSMS = ROOT / "fixtures/iut/example-csms.yaml"

CHARGE_POINT = {"name": "cp", "sut": "charge_point", "ocpp_version": "1.6", "identity": "CP001", "listen": {}}
CSMS = {"name": "csms", "sut": "csms", "ocpp_version": "2.0.1", "identity": "CP001", "endpoint": "ws://127.0.0.1:9100/ocpp"}


def write(tmp_path: Path, data: dict | str, name: str = "iut.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def merged(base: dict, **changes) -> dict:
    out = copy.deepcopy(base)
    out.update(changes)
    return out


def error_of(tmp_path: Path, data: dict | str) -> str:
    path = write(tmp_path, data)
    with pytest.raises(DescriptorError) as info:
        load_descriptor(path)
    text = str(info.value)
    assert "\n" not in text, "an error must be one line"
    assert text.startswith(f"{path}: "), text
    assert " — " in text, f"no fix in: {text}"
    return text


# --------------------------------------------------------------------------------------------------------------------
# the schema itself


def test_schema_is_valid_and_documents_every_field() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema).check_schema(schema)
    undocumented = []

    def walk(node: dict, at: str) -> None:
        for name, sub in node.get("properties", {}).items():
            if "description" not in sub and sub.get("const") is None:
                undocumented.append(f"{at}{name}")
            walk(sub, f"{at}{name}.")
        for name, sub in node.get("$defs", {}).items():
            walk(sub, f"$defs.{name}.")

    walk(schema, "")
    assert undocumented == []


def test_examples_load() -> None:
    cp = load_descriptor(EXAMPLE_CP)
    assert cp.sut is Role.CHARGE_POINT
    assert cp.url == "ws://127.0.0.1:9000/ocpp/CP001"
    assert cp.subprotocol == "ocpp1.6"
    assert cp.connectors == 2 and cp.declares("smart_charging") and not cp.declares("reservation")
    assert cp.driver["type"] == "manual"
    csms = load_descriptor(EXAMPLE_CSMS)
    assert csms.sut is Role.CSMS
    assert csms.url == "ws://127.0.0.1:9100/ocpp/CP001"
    assert csms.driver == {"type": "http", "base_url": "http://127.0.0.1:8081", "convention": "octt", "timeout": 30, "headers": {}}


def test_defaults_fill_a_minimal_descriptor() -> None:
    d = descriptor_from_dict(CHARGE_POINT)
    assert isinstance(d, Descriptor)
    assert (d.listen_host, d.listen_port, d.listen_path) == ("127.0.0.1", 9000, "/ocpp")
    assert d.endpoint is None
    assert d.security.profile == 0 and d.security.password is None and not d.security.generate
    assert d.features == frozenset({"core"})
    assert d.connectors == 1 and d.fixed_cable is False
    assert d.timeouts.response == 30 and d.timeouts.tolerance == 4 and d.timeouts.case == 300 and d.timeouts.manual == 300
    assert len({*dataclasses.astuple(d.id_tags)} - {None}) == 7 and d.id_tags.sibling_id_tag is None  # optional
    assert d.configuration["unsupported_key"]
    assert d.driver == {"type": "manual"}
    assert d.vendor == {}
    assert d.raw == CHARGE_POINT
    assert d.path is None


def test_an_interval_is_judged_to_the_tolerance_but_at_most_a_quarter_of_it() -> None:
    timeouts = descriptor_from_dict(CHARGE_POINT).timeouts  # tolerance 4 s
    assert timeouts.interval_tolerance(2) == 0.5  # a 2 s interval: 1.4 s and 2.6 s fail
    assert timeouts.interval_tolerance(16) == 4
    assert timeouts.interval_tolerance(300) == 4
    assert dataclasses.replace(timeouts, tolerance=0.2).interval_tolerance(2) == 0.2


def test_descriptor_is_frozen() -> None:
    d = descriptor_from_dict(CHARGE_POINT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.name = "other"  # type: ignore[misc]


def test_core_is_implied_and_fixed_cable_is_declarable() -> None:
    d = descriptor_from_dict(merged(CHARGE_POINT, features=["reservation"], connectors={"fixed_cable": True}))
    assert d.declares("core") and d.declares("reservation") and d.declares("fixed_cable")
    assert not d.declares("smart_charging")


@pytest.mark.parametrize(("version", "subprotocol"), [("1.6", "ocpp1.6"), ("2.0.1", "ocpp2.0.1"), ("2.1", "ocpp2.1")])
def test_subprotocol(version: str, subprotocol: str) -> None:
    assert descriptor_from_dict(merged(CSMS, ocpp_version=version)).subprotocol == subprotocol


def test_unquoted_version_is_accepted(tmp_path: Path) -> None:
    text = yaml.safe_dump(CHARGE_POINT).replace("'1.6'", "1.6")
    assert "'1.6'" not in text
    assert load_descriptor(write(tmp_path, text)).ocpp_version == "1.6"


def test_csms_endpoint_and_tls_paths_are_normalised(tmp_path: Path) -> None:
    (tmp_path / "pki").mkdir()
    (tmp_path / "pki/ca.pem").write_text("x")
    data = merged(
        CSMS,
        endpoint="wss://csms.example.test:8443/ocpp/",
        security={"profile": 2, "password": "0123456789abcdef", "tls": {"ca_cert": "pki/ca.pem"}},
    )
    d = load_descriptor(write(tmp_path, data))
    assert d.endpoint == "wss://csms.example.test:8443/ocpp"
    assert d.url == "wss://csms.example.test:8443/ocpp/CP001"
    assert d.security.ca_cert == (tmp_path / "pki/ca.pem").resolve()
    assert d.security.server_name == "csms.example.test"


def test_charge_point_url_uses_wss_with_tls() -> None:
    d = descriptor_from_dict(merged(CHARGE_POINT, security={"profile": 3, "tls": {"generate": True}}))
    assert d.url == "wss://127.0.0.1:9000/ocpp/CP001"


def test_exec_cwd_resolves_against_the_descriptor_folder(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    data = merged(CHARGE_POINT, driver={"type": "exec", "cwd": "tools", "commands": {"plug_in": "rig plug {connector}"}})
    d = load_descriptor(write(tmp_path, data))
    assert d.driver["cwd"] == str((tmp_path / "tools").resolve())
    assert d.driver["timeout"] == 30 and d.driver["env"] == {}


# --------------------------------------------------------------------------------------------------------------------
# typical mistakes: one line naming the file, the field and the fix


def test_negative_timeout(tmp_path: Path) -> None:
    text = error_of(tmp_path, merged(CHARGE_POINT, timeouts={"response": -1}))
    assert text.endswith("timeouts.response: -1 is less than the minimum of 0 — use a positive number of seconds")


def test_zero_timeout(tmp_path: Path) -> None:
    assert "timeouts.expect: 0 must be more than 0" in error_of(tmp_path, merged(CHARGE_POINT, timeouts={"expect": 0}))


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    assert ": timeouts.respons: unknown key — did you mean 'response'?" in error_of(
        tmp_path, merged(CHARGE_POINT, timeouts={"respons": 5})
    )
    assert ": listn: unknown key — did you mean 'listen'?" in error_of(tmp_path, merged(CHARGE_POINT, listn={}))


def test_unknown_key_without_a_close_match_lists_the_allowed_ones(tmp_path: Path) -> None:
    text = error_of(tmp_path, merged(CHARGE_POINT, connectors={"zzz": 1}))
    assert "connectors.zzz: unknown key — remove it; the keys allowed here are: count, fixed_cable" in text


def test_wrong_type(tmp_path: Path) -> None:
    text = error_of(tmp_path, merged(CHARGE_POINT, connectors={"count": "two"}))
    assert "connectors.count: 'two' is a string, expected an integer — use a whole number of at least 1" in text
    assert "features: 'core' is a string, expected a list" in error_of(tmp_path, merged(CHARGE_POINT, features="core"))


def test_bad_enum_suggests(tmp_path: Path) -> None:
    assert "sut: 'charge-point' is not one of 'charge_point', 'csms' — did you mean 'charge_point'?" in error_of(
        tmp_path, merged(CHARGE_POINT, sut="charge-point")
    )
    assert "features[1]: 'smartcharging' is not one of" in error_of(
        tmp_path, merged(CHARGE_POINT, features=["core", "smartcharging"])
    )
    assert "ocpp_version: '1.5' is not one of '1.6', '2.0.1', '2.1'" in error_of(tmp_path, merged(CHARGE_POINT, ocpp_version="1.5"))


def test_missing_required_field(tmp_path: Path) -> None:
    data = dict(CHARGE_POINT)
    del data["identity"]
    assert "identity: required field is missing — add it, e.g. `identity: CP001`" in error_of(tmp_path, data)


def test_missing_listen_for_a_charge_point(tmp_path: Path) -> None:
    data = dict(CHARGE_POINT)
    del data["listen"]
    assert ": listen: missing: a charge point under test connects to the suite — add `listen:" in error_of(tmp_path, data)


def test_missing_endpoint_for_a_csms(tmp_path: Path) -> None:
    data = dict(CSMS)
    del data["endpoint"]
    assert ": endpoint: missing: the suite connects to the CSMS under test" in error_of(tmp_path, data)


def test_endpoint_for_a_charge_point(tmp_path: Path) -> None:
    assert ": endpoint: only used when sut is csms" in error_of(tmp_path, merged(CHARGE_POINT, endpoint="ws://x/ocpp"))


def test_profile_1_without_password(tmp_path: Path) -> None:
    assert ": security.password: missing: security profile 1 uses HTTP Basic auth" in error_of(
        tmp_path, merged(CHARGE_POINT, security={"profile": 1})
    )


def test_profile_2_without_tls(tmp_path: Path) -> None:
    text = error_of(tmp_path, merged(CHARGE_POINT, security={"profile": 2, "password": "0123456789abcdef"}))
    assert ": security.tls: missing: security profile 2 uses TLS — add `tls: {generate: true}`" in text


def test_profile_3_csms_needs_client_certificate(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("x")
    data = merged(CSMS, endpoint="wss://h/ocpp", security={"profile": 3, "tls": {"ca_cert": "ca.pem"}})
    assert ": security.tls.cert: missing: security profile 3 needs the client certificate" in error_of(tmp_path, data)


def test_tls_file_not_found(tmp_path: Path) -> None:
    data = merged(CHARGE_POINT, security={"profile": 3, "tls": {"cert": "a.pem", "key": "a.key", "ca_cert": "ca.pem"}})
    text = error_of(tmp_path, data)
    assert f": security.tls.ca_cert: file not found: {(tmp_path / 'ca.pem').resolve()} — fix the path" in text


def test_cert_without_key(tmp_path: Path) -> None:
    (tmp_path / "a.pem").write_text("x")
    data = merged(CHARGE_POINT, security={"profile": 0, "tls": {"cert": "a.pem"}})
    assert ": security.tls.key: missing: 'cert' is given without 'key'" in error_of(tmp_path, data)


def test_endpoint_scheme_must_match_the_profile(tmp_path: Path) -> None:
    data = merged(CSMS, security={"profile": 2, "password": "0123456789abcdef", "tls": {"generate": True}})
    assert ": endpoint: security profile 2 uses TLS but the endpoint is ws:// — use wss://" in error_of(tmp_path, data)


def test_endpoint_must_not_include_the_identity(tmp_path: Path) -> None:
    data = merged(CSMS, endpoint="ws://127.0.0.1:9100/ocpp/CP001")
    assert ": endpoint: ends with the identity 'CP001' — remove it" in error_of(tmp_path, data)


# --------------------------------------------------------------------------------------------------------------------
# {identity} in a CSMS endpoint


@pytest.mark.parametrize(("endpoint", "url"), [
    ("ws://127.0.0.1:9000/ws/ocpp/{identity}/", "ws://127.0.0.1:9000/ws/ocpp/CP001/"),
    ("ws://127.0.0.1:9000/ocpp/{identity}/v16", "ws://127.0.0.1:9000/ocpp/CP001/v16"),
    ("ws://127.0.0.1:9000/ocpp/{identity}", "ws://127.0.0.1:9000/ocpp/CP001"),
    ("ws://127.0.0.1:9000/ocpp/", "ws://127.0.0.1:9000/ocpp/CP001"),  # no placeholder: appended, one '/'
])
def test_endpoint_url_with_and_without_identity_placeholder(endpoint: str, url: str) -> None:
    d = descriptor_from_dict(merged(CSMS, endpoint=endpoint))
    assert d.url == url
    assert d.url_for("OTHER") == url.replace("CP001", "OTHER")


def test_identity_is_percent_encoded_as_a_path_segment() -> None:
    d = descriptor_from_dict(merged(CSMS, identity="CP|1", endpoint="ws://h:9000/ws/{identity}/"))
    assert d.url == "ws://h:9000/ws/CP%7C1/"
    assert d.url_for("a/b c") == "ws://h:9000/ws/a%2Fb%20c/"  # another identity the suite connects as
    assert descriptor_from_dict(merged(CSMS, identity="*-_=+@.")).url == "ws://127.0.0.1:9100/ocpp/*-_=+@."


def test_the_reference_charge_point_reaches_an_endpoint_with_the_identity_inside() -> None:
    from conformance.ocpp16.simulators.charge_point.charger import ReferenceChargePoint

    inside = ReferenceChargePoint.__new__(ReferenceChargePoint)
    inside.csms_url, inside.identity = "ws://h:9000/ws/{identity}/", "CP|1"
    assert inside.url == "ws://h:9000/ws/CP%7C1/"
    inside.csms_url = "ws://h:9000/ocpp/"
    assert inside.url == "ws://h:9000/ocpp/CP%7C1"


def test_charge_point_url_uses_the_same_helper() -> None:
    assert descriptor_from_dict(CHARGE_POINT).url_for("CP|2") == "ws://127.0.0.1:9000/ocpp/CP%7C2"


@pytest.mark.parametrize(("endpoint", "message"), [
    ("ws://h:9000/{identity}/{identity}", ": endpoint: has {identity} 2 times — write it once"),
    ("ws://h:9000/ocpp/{id}", ": endpoint: has a brace outside {identity} — the only placeholder is {identity}"),
    ("ws://h:9000/ocpp/{identity}/{x}", ": endpoint: has a brace outside {identity}"),
    ("ws://h:9000/ocpp/{Identity}", ": endpoint: has a brace outside {identity}"),
    ("ws://h:9000/ocpp/identity}", ": endpoint: has a brace outside {identity}"),
    ("ws://{identity}.h:9000/ocpp", ": endpoint: has {identity} outside the URL's path — put it in the path"),
    ("ws://h:9000/ocpp/{identity}?x=1", ": endpoint: has a query or fragment"),
])
def test_bad_identity_placeholders(tmp_path: Path, endpoint: str, message: str) -> None:
    assert message in error_of(tmp_path, merged(CSMS, endpoint=endpoint))


def test_placeholder_endpoint_may_end_with_the_identity_text(tmp_path: Path) -> None:
    d = descriptor_from_dict(merged(CSMS, endpoint="ws://h:9000/CP001/{identity}"))  # a path segment named like it
    assert d.url == "ws://h:9000/CP001/CP001"
    assert "(or write {identity} where the CSMS expects it)" in error_of(
        tmp_path, merged(CSMS, endpoint="ws://h:9000/ocpp/CP001"))


# --------------------------------------------------------------------------------------------------------------------
# test data declared absent


ABSENT = {"valid_2": None, "invalid": None, "blocked": None, "expired": None, "parent": None}


def test_id_tags_and_configuration_entries_can_be_declared_absent() -> None:
    d = descriptor_from_dict(merged(CSMS, id_tags=ABSENT, configuration={"unsupported_key": None}))
    assert d.id_tags.valid == "CONFVALID01"
    assert (d.id_tags.valid_2, d.id_tags.invalid, d.id_tags.blocked, d.id_tags.expired) == (None, None, None, None)
    assert d.id_tags.parent_id_tag is None and d.id_tags.child_id_tag is None
    assert d.id_tags.statuses() == {"CONFVALID01": "Accepted"}
    assert d.lacks("id_tags.blocked") == "the IUT descriptor declares no blocked id tag (id_tags.blocked: null)"
    assert d.lacks("id_tags.parent") == "the IUT descriptor declares no parent/child id tag group (id_tags.parent: null)"
    assert d.lacks("configuration.unsupported_key") == (
        "the IUT descriptor declares no unsupported configuration key (configuration.unsupported_key: null)")
    assert d.lacks("configuration.read_only_key") == (
        "the IUT descriptor declares no read-only configuration key (configuration.read_only_key is not given)")
    assert d.declared_data() == []


def test_defaults_are_present_but_only_written_data_counts_as_declared() -> None:
    d = descriptor_from_dict(merged(CSMS, id_tags={"blocked": "B1"}, configuration={"read_only_key": "NumberOfConnectors"}))
    # firmware images (file_transfer, security) have no default: they are there only when given
    assert all(d.lacks(item) is None for item in OPTIONAL_DATA if not item.startswith(("file_transfer.", "security.", "device_model.")))
    assert d.declared_data() == ["id_tags.blocked", "configuration.read_only_key"]
    assert d.id_tags.expired == "CONFEXPIRED"  # a default: present, but not written in the file


def test_valid_id_tag_cannot_be_absent(tmp_path: Path) -> None:
    text = error_of(tmp_path, merged(CSMS, id_tags={"valid": None}))
    assert ": id_tags.valid: null is an empty value, expected a string" in text


def test_absent_tags_need_not_differ(tmp_path: Path) -> None:
    d = descriptor_from_dict(merged(CHARGE_POINT, id_tags={"blocked": None, "expired": None}))
    assert d.id_tags.blocked is None and d.id_tags.expired is None


def test_parent_group_is_absent_as_a_whole(tmp_path: Path) -> None:
    text = error_of(tmp_path, merged(CSMS, id_tags={"parent": {"id_tag": None}}))
    assert ": id_tags.parent.id_tag: null is an empty value, expected a string" in text


def test_the_examples_show_the_identity_placeholder_and_absent_data() -> None:
    """The commented alternatives in the examples are valid: uncommented, they load and mean what they say."""
    text = EXAMPLE_CSMS.read_text(encoding="utf-8")
    endpoint = "# endpoint: ws://127.0.0.1:9100/ws/ocpp/{identity}/"
    assert endpoint in text
    text = text.replace("\nendpoint: ws://127.0.0.1:9100/ocpp\n", "\n" + endpoint[2:] + "\n")
    for role in ("blocked", "expired"):
        line = f"  # {role}: null"
        assert line in text, f"{EXAMPLE_CSMS} shows how to declare {role} absent"
        text = text.replace(f"  {role}: CONF{role.upper()}", f"  {role}: null", 1)
    d = descriptor_from_dict(yaml.safe_load(text))
    assert d.url == "ws://127.0.0.1:9100/ws/ocpp/CP001/"
    assert d.lacks("id_tags.blocked") and d.lacks("id_tags.expired") and not d.lacks("id_tags.invalid")
    assert "blocked: null" in EXAMPLE_CP.read_text(encoding="utf-8")


def test_a_case_sees_optional_data_only_through_its_needs() -> None:
    d = descriptor_from_dict(merged(CSMS, id_tags={"blocked": "B1"}))
    view = d.for_case("TC_X", ("id_tags.blocked",))
    assert view.id_tags.blocked == "B1" and view.id_tags.valid == "CONFVALID01"
    assert view.name == "csms" and view.url == d.url and view.configuration.get("HeartbeatInterval") is None
    for read in (lambda: view.id_tags.expired, lambda: view.id_tags.child_id_tag,
                 lambda: view.configuration.get("unsupported_key"), lambda: view.configuration["read_only_key"]):
        with pytest.raises(UndeclaredNeed) as info:
            read()
        text = str(info.value)
        assert text.startswith("[suite] TC_X reads ") and "add '" in text and "to the case's needs=(...)" in text
    with pytest.raises(UndeclaredNeed, match="add 'id_tags.parent'"):
        view.id_tags.parent_id_tag


def test_case_rejects_an_unknown_data_need() -> None:
    from conformance.case import case

    with pytest.raises(ValueError, match="needs 'id_tags.blockd' is no optional test data"):
        case("TC_X", "t", spec="s", requirement="r", needs=("id_tags.blockd",))


def test_identity_with_colon(tmp_path: Path) -> None:
    assert ": identity: 'CP:01' is not in the allowed form — use 1-48 characters" in error_of(
        tmp_path, merged(CHARGE_POINT, identity="CP:01")
    )


def test_identity_too_long(tmp_path: Path) -> None:
    assert "is 49 characters, more than the maximum of 48" in error_of(tmp_path, merged(CHARGE_POINT, identity="C" * 49))


def test_id_tag_longer_than_20_only_for_1_6(tmp_path: Path) -> None:
    tags = {"valid": "A" * 24}
    assert ": id_tags.valid: 'AAAAAAAAAAAAAAAAAAAAAAAA' is 24 characters; an OCPP 1.6 idTag has at most 20" in error_of(
        tmp_path, merged(CHARGE_POINT, id_tags=tags)
    )
    assert descriptor_from_dict(merged(CSMS, id_tags=tags)).id_tags.valid == "A" * 24


def test_id_tags_must_differ(tmp_path: Path) -> None:
    data = merged(CHARGE_POINT, id_tags={"valid": "SAME", "blocked": "SAME"})
    assert ": id_tags.blocked: 'SAME' is also id_tags.valid — give each id tag its own value" in error_of(tmp_path, data)


def test_case_cap_shorter_than_expect(tmp_path: Path) -> None:
    data = merged(CHARGE_POINT, timeouts={"case": 20, "expect": 60})
    assert ": timeouts.case: 20 s is shorter than timeouts.expect (60 s)" in error_of(tmp_path, data)


def test_driver_type_typo(tmp_path: Path) -> None:
    assert ": driver.type: 'htp' is not one of 'manual', 'exec', 'http', 'simulator' — did you mean 'http'?" in error_of(
        tmp_path, merged(CHARGE_POINT, driver={"type": "htp"})
    )


def test_driver_member_of_another_type(tmp_path: Path) -> None:
    data = merged(CHARGE_POINT, driver={"type": "manual", "base_url": "http://x"})
    assert ": driver.base_url: unknown key — remove it; the keys allowed here are: type" in error_of(tmp_path, data)


def test_http_driver_needs_base_url(tmp_path: Path) -> None:
    assert ": driver.base_url: required field is missing" in error_of(tmp_path, merged(CSMS, driver={"type": "http"}))


def test_octt_convention_is_for_csms_only(tmp_path: Path) -> None:
    data = merged(CHARGE_POINT, driver={"type": "http", "base_url": "http://127.0.0.1:1", "convention": "octt"})
    assert ": driver.convention: 'octt' is the CSMS test-API convention" in error_of(tmp_path, data)


def test_exec_command_typo_and_placeholder_typo(tmp_path: Path) -> None:
    data = merged(CHARGE_POINT, driver={"type": "exec", "commands": {"plugin": "rig plug"}})
    assert ": driver.commands.plugin: unknown action — did you mean 'plug_in'?" in error_of(tmp_path, data)
    data = merged(CHARGE_POINT, driver={"type": "exec", "commands": {"plug_in": "rig plug {conector}"}})
    assert ": driver.commands.plug_in: unknown placeholder {conector} — did you mean {connector}?" in error_of(tmp_path, data)
    data = merged(CHARGE_POINT, driver={"type": "exec", "commands": {"plug_in": "rig 'plug {connector}"}})
    assert ": driver.commands.plug_in: cannot be split into arguments (No closing quotation) — balance the quotes" in error_of(
        tmp_path, data
    )


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = "name: cp\nsut: charge_point\nidentity: CP001\nlisten:\n  host: 127.0.0.1\n port: 9000\n"
    assert ": line 6, column 2: YAML syntax error:" in error_of(tmp_path, text)


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text = "name: cp\nsut: charge_point\nname: other\n"
    assert ": line 3, column 1: duplicate key 'name' (first at line 1) — keep one of them" in error_of(tmp_path, text)


def test_boolean_key(tmp_path: Path) -> None:
    text = yaml.safe_dump(CHARGE_POINT) + "configuration:\n  yes: 1\n"
    assert ": configuration.True: the key True is not text — quote it (YAML reads yes/no/on/off as booleans)" in error_of(
        tmp_path, text
    )


def test_empty_file(tmp_path: Path) -> None:
    assert "the descriptor is empty, not a mapping of fields — start from" in error_of(tmp_path, "# nothing\n")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(DescriptorError) as info:
        load_descriptor(path)
    assert str(info.value) == f"{path}: file not found — check the path (examples are in fixtures/iut/)"


def test_all_problems_are_kept() -> None:
    with pytest.raises(DescriptorError) as info:
        descriptor_from_dict({"sut": "x"})
    problems = info.value.problems
    assert str(info.value) == problems[0] and len(problems) >= 4
    assert all(p.startswith("<descriptor>: ") and "\n" not in p for p in problems)


def test_smart_charging_facts_default_to_three_phases_of_230_volts_and_can_be_declared_unknown(tmp_path: Path) -> None:
    d = descriptor_from_dict(merged(CHARGE_POINT))
    assert d.smart_charging == {"phases": 3, "voltage": 230, "limit_tolerance": 0.5}
    assert d.lacks("smart_charging.phases") is None and d.declared_data() == []
    single = descriptor_from_dict(merged(CHARGE_POINT, smart_charging={"phases": 1, "voltage": None}))
    assert single.smart_charging["phases"] == 1 and single.declared_data() == ["smart_charging.phases"]
    assert single.lacks("smart_charging.voltage") == (
        "the IUT descriptor declares no voltage of the charge point's supply (smart_charging.voltage: null)")
    view = single.for_case("TC_X", ("smart_charging.phases",))
    assert view.smart_charging["phases"] == 1 and view.smart_charging["limit_tolerance"] == 0.5
    with pytest.raises(UndeclaredNeed, match="add 'smart_charging.voltage'"):
        view.smart_charging["voltage"]
    assert ": smart_charging.phases: 4 is not one of 1, 2, 3, null — write 1, 2 or 3" in error_of(
        tmp_path, merged(CHARGE_POINT, smart_charging={"phases": 4}))
    assert ": smart_charging.limit_tolerance: -1 is less than the minimum of 0 — write a number of amperes" in error_of(
        tmp_path, merged(CHARGE_POINT, smart_charging={"limit_tolerance": -1}))


# --------------------------------------------------------------------------------------------------------------------
# file_transfer: the suite's file servers for a charge point under test

FILE_TRANSFER = {"reachable_address": "127.0.0.1", "protocols": ["ftp", "http"]}


def test_file_transfer_block_is_optional_and_its_absence_says_so() -> None:
    from conformance.case_info import CaseInfo
    from conformance.versions import unmet_need

    d = descriptor_from_dict(merged(CHARGE_POINT))
    info = CaseInfo("TC_X", "t", "s", "r", needs=("file_transfer", "file_transfer.firmware_image"))
    assert d.file_transfer is None
    assert "declares no file_transfer block" in (unmet_need(info, d) or "")
    given = descriptor_from_dict(merged(CHARGE_POINT, file_transfer=dict(FILE_TRANSFER)))
    assert unmet_need(info, given) == ("the IUT descriptor declares no firmware image the charge point installs "
                                       "(file_transfer.firmware_image is not given)")
    assert given.file_transfer.protocols == ("ftp", "http") and given.file_transfer.install_reboot == "self"
    assert given.file_transfer.transfer_timeout == 300 and given.declared_data() == []


def test_firmware_images_resolve_and_only_the_needs_hand_them_out(tmp_path: Path) -> None:
    (tmp_path / "fw.bin").write_bytes(b"image")
    block = dict(FILE_TRANSFER, firmware_image="fw.bin", invalid_firmware_image="generated")
    d = load_descriptor(write(tmp_path, merged(CHARGE_POINT, file_transfer=block)))
    assert d.file_transfer.firmware_image == (tmp_path / "fw.bin").resolve()
    assert d.file_transfer.invalid_firmware_image == "generated"
    assert d.declared_data() == ["file_transfer.firmware_image", "file_transfer.invalid_firmware_image"]
    view = d.for_case("TC_X", ("file_transfer.firmware_image",))
    assert view.file_transfer.firmware_image == d.file_transfer.firmware_image and view.file_transfer.protocols
    with pytest.raises(UndeclaredNeed, match="add 'file_transfer.invalid_firmware_image'"):
        view.file_transfer.invalid_firmware_image


@pytest.mark.parametrize("change,expected", [
    ({"firmware_image": "missing.bin"}, ": file_transfer.firmware_image: file not found: "),
    ({"protocols": ["sftp"]}, ": file_transfer.protocols[0]: 'sftp' is not one of 'ftp', 'http'"),
    ({"protocols": []}, ": file_transfer.protocols: "),
    ({"reachable_address": "ftp://host/"}, ": file_transfer.reachable_address: 'ftp://host/' is not in the allowed form"),
    ({"reachable_address": "192.168.1.20"}, ": file_transfer.reachable_address: 192.168.1.20 is not this machine's "
                                            "loopback address, but the suite's servers listen on listen.host 127.0.0.1"),
    ({"install_reboot": "auto"}, ": file_transfer.install_reboot: 'auto' is not one of 'self', 'driver', 'none'"),
    ({"transfer_timeout": 900}, ": file_transfer.transfer_timeout: 900 s is longer than timeouts.case (300 s)"),
])
def test_file_transfer_mistakes_are_one_line(tmp_path: Path, change: dict, expected: str) -> None:
    assert expected in error_of(tmp_path, merged(CHARGE_POINT, file_transfer=dict(FILE_TRANSFER, **change)))


def test_file_transfer_belongs_to_a_charge_point(tmp_path: Path) -> None:
    text = error_of(tmp_path, merged(CSMS, file_transfer=dict(FILE_TRANSFER)))
    assert ": file_transfer: only used when sut is charge_point" in text


def test_file_transfer_on_the_network_listens_everywhere(tmp_path: Path) -> None:
    data = merged(CHARGE_POINT, listen={"host": "0.0.0.0"}, file_transfer=dict(FILE_TRANSFER, reachable_address="192.168.1.20"))
    assert descriptor_from_dict(data).file_transfer.reachable_address == "192.168.1.20"


def test_the_charge_point_example_shows_a_file_transfer_block(tmp_path: Path) -> None:
    """Uncommented (with the image files it names, and listen.host 0.0.0.0 as it says), the block loads."""
    lines = EXAMPLE_CP.read_text(encoding="utf-8").splitlines()
    start = lines.index("# file_transfer:")
    block = []
    for line in lines[start:]:
        if not line.startswith("#"):
            break
        block.append(line[2:])
    text = "\n".join(lines).replace("  host: 127.0.0.1 ", "  host: 0.0.0.0 ", 1) + "\n" + "\n".join(block) + "\n"
    folder = tmp_path / "firmware"
    folder.mkdir()
    (folder / "acme-4.3.1.bin").write_bytes(b"1")
    (folder / "acme-bad.bin").write_bytes(b"2")
    d = load_descriptor(write(tmp_path, text))
    assert d.file_transfer.reachable_address == "192.168.1.20" and d.file_transfer.protocols == ("ftp", "http")
    assert d.file_transfer.firmware_image == (folder / "acme-4.3.1.bin").resolve()
# -- the security white paper's descriptor data -------------------------------------------------------------------------


def test_security_data_is_read_and_relative_paths_resolve(tmp_path: Path) -> None:
    (tmp_path / "fw.bin").write_bytes(b"image")
    data = merged(CHARGE_POINT, features=["security"], security={
        "profile": 2, "password": "0123456789abcdef0123", "cpo_name": "Example CPO", "firmware_image": "fw.bin",
        "tls": {"generate": True, "key_type": "rsa", "server_name": "csms.example.test"}})
    d = load_descriptor(write(tmp_path, data))
    sec = d.security
    assert (sec.key_type, sec.server_name, sec.cpo_name) == ("rsa", "csms.example.test", "Example CPO")
    assert sec.firmware_image == tmp_path / "fw.bin" and d.lacks("security.firmware_image") is None
    assert d.reachable_address == "127.0.0.1"


def test_security_data_mistakes_are_one_line(tmp_path: Path) -> None:
    assert ": security.firmware_image: file not found: " in error_of(
        tmp_path, merged(CHARGE_POINT, security={"firmware_image": "missing.bin"}))
    assert ": security.tls.key_type: 'dsa' is not one of 'ec', 'rsa'" in error_of(
        tmp_path, merged(CHARGE_POINT, security={"tls": {"generate": True, "key_type": "dsa"}}))
    (tmp_path / "root.pem").write_text("x", encoding="utf-8")
    assert ": security.manufacturer_root: only used when sut is csms" in error_of(
        tmp_path, merged(CHARGE_POINT, security={"manufacturer_root": "root.pem"}))
    assert ": listen.reachable_address: missing: " in error_of(
        tmp_path, merged(CHARGE_POINT, listen={"host": "0.0.0.0"}, features=["security"]))


def test_a_generated_pki_stands_for_the_csms_manufacturer_root(tmp_path: Path) -> None:
    generated = descriptor_from_dict(merged(CSMS, security={"tls": {"generate": True}}))
    assert generated.lacks("security.manufacturer_root") is None
    assert descriptor_from_dict(merged(CSMS, security={"manufacturer_root": None})).lacks(
        "security.manufacturer_root") == ("the IUT descriptor declares no manufacturer root certificate of the CSMS's "
                                          "firmware signing certificates (security.manufacturer_root: null)")
