"""A corpus of broken and hostile customer configurations: each is refused with the file, the key (or line)
and what was expected — a CustomerConfigError, never another exception — or accepted and noted (a BOM)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from config_helpers import CUSTOMER, valid_config

from customers import CustomerConfigError, MigrationHome, load_customer_config
from customers.endpoints import ALLOWED_HOSTS_ENV, secret_env_name
from customers.yaml_reader import BOM_NOTE, MAX_CONFIG_BYTES


def _valid(dump: Path) -> dict[str, Any]:
    data = valid_config(str(dump), str(dump))
    data["target"]["trial"]["authority"] = "https://login.microsoftonline.com"
    return data


def _api_source() -> dict[str, Any]:
    return {
        "api_key_env": secret_env_name(CUSTOMER, "CLINIKO_KEY"),
        "user_agent": "practice-migrate (ops@example.org)",
        "base_url": "https://api.au2.cliniko.com/v1",
    }


@dataclass(frozen=True)
class Broken:
    """A configuration and the text its refusal must contain. `change` edits the parsed valid config;
    `text` replaces the file's bytes entirely (given the valid config's YAML)."""

    name: str
    expected: str
    change: Callable[[dict[str, Any]], None] | None = None
    text: Callable[[str], bytes] | None = None


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[last] = value

    return change


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)
)
FOREIGN = "host evil.example is not"
CORPUS: list[Broken] = [
    # The file itself
    Broken(
        "duplicate_top_level_key",
        "line 2, column 1: not valid YAML (duplicate key 'customer_id'",
        text=lambda t: ("customer_id: other\n" + t).encode(),
    ),
    Broken(
        "duplicate_nested_key",
        "duplicate key 'system'",
        text=lambda t: t.replace("  system: cliniko\n", "  system: cliniko\n  system: cliniko\n", 1).encode(),
    ),
    Broken("alias_bomb", "aliases (*name) are not allowed", text=lambda _t: ALIAS_BOMB.encode()),
    Broken("plain_alias", "aliases (*name) are not allowed", text=lambda t: (t + "sites: &s []\nx: *s\n").encode()),
    Broken(
        "cp1252_file",
        "line 2: bytes are not UTF-8",
        text=lambda t: t.replace("Harbour Physio", "Harbour Physio Renée").encode("cp1252"),
    ),
    Broken("nul_in_file", "not valid YAML", text=lambda t: t.replace("Harbour Physio", "Harbour\x00Physio").encode()),
    Broken("deep_nesting", "nested too deeply", text=lambda _t: ("x: " + "[" * 20000 + "]" * 20000 + "\n").encode()),
    Broken(
        "too_large",
        f"a customer configuration is at most {MAX_CONFIG_BYTES}",
        text=lambda t: (t + "#" * MAX_CONFIG_BYTES).encode(),
    ),
    Broken(
        "python_tag",
        "not valid YAML",
        text=lambda t: (t + "extra: !!python/object/apply:os.system ['true']\n").encode(),
    ),
    Broken("not_a_mapping", "(top level): expected a mapping", text=lambda _t: b"- a\n- b\n"),
    Broken("empty_file", "(top level): expected a mapping", text=lambda _t: b""),
    Broken("broken_yaml", "not valid YAML", text=lambda t: (t + "name: [unclosed\n").encode()),
    # Keys and values
    Broken("unknown_key", "colour: unknown key", _set("colour", "blue")),
    Broken("unknown_nested_key", "dumpp: unknown key", _set("source.trial.dumpp", "x")),
    Broken("program_key_in_file", "read_notes: unknown key", _set("read_notes", ["x"])),
    Broken("bad_customer_id", "customer_id: String should match pattern", _set("customer_id", "Bad|Id")),
    Broken("bad_country", "country: Input should be", _set("country", "US")),
    Broken("bad_time_zone", "time_zone: expected an IANA time zone", _set("time_zone", "Auckland")),
    Broken(
        "bad_site_zone",
        "sites.0.time_zone: expected an IANA time zone",
        _set("sites", [{"source_id": "1", "time_zone": "Mars/Base"}]),
    ),
    Broken("bad_email", "fallback_owner_email: expected an email address", _set("fallback_owner_email", "nobody")),
    Broken(
        "trial_on_production", "trial.environment: expected 'sandbox'", _set("target.trial.environment", "production")
    ),
    Broken(
        "same_url_twice",
        "expected two different environments",
        _set("target.live.url", "https://harbour-sandbox.crm6.dynamics.com"),
    ),
    # Mapping overrides, checked against the spec now rather than in the middle of a run
    Broken(
        "override_unknown_entity",
        "mapping_overrides: patient: unknown entity",
        _set("mapping_overrides", {"patient": {"nhi": "x"}}),
    ),
    Broken(
        "override_unknown_field",
        "mapping_overrides: client.shoe_size: not mapped by any source",
        _set("mapping_overrides", {"client": {"shoe_size": "x"}}),
    ),
    Broken(
        "override_unknown_column",
        "no column",
        _set("mapping_overrides", {"client": {"nhi": {"column": "not_a_column"}}}),
    ),
    Broken(
        "override_unknown_transform",
        "unknown transform 'no_such'",
        _set("mapping_overrides", {"client": {"nhi": {"column": "custom_fields", "transforms": ["no_such"]}}}),
    ),
    Broken(
        "override_bad_parameter",
        "unknown parameter(s) ['colour']",
        _set(
            "mapping_overrides",
            {
                "client": {
                    "nhi": {
                        "column": "custom_fields",
                        "transforms": [{"cliniko_custom_field": {"name": "NHI number", "colour": 1}}],
                    }
                }
            },
        ),
    ),
    Broken(
        "override_not_a_mapping", "client: expected a mapping of field", _set("mapping_overrides", {"client": "nhi"})
    ),
    Broken(
        "override_declares_a_read_column",
        "mapping_overrides: not_migrated_columns.patients.first_name: declared not migrated, but the mapping reads it",
        _set("mapping_overrides", {"not_migrated_columns": {"patients": {"first_name": "not wanted"}}}),
    ),
    Broken(
        "override_declares_without_reason",
        "mapping_overrides: not_migrated_columns.patients.loyalty_tier: give the reason",
        _set("mapping_overrides", {"not_migrated_columns": {"patients": {"loyalty_tier": " "}}}),
    ),
    Broken(
        "override_declares_unknown_table",
        "mapping_overrides: not_migrated_columns.patient: unknown raw table",
        _set("mapping_overrides", {"not_migrated_columns": {"patient": {"loyalty_tier": "why"}}}),
    ),
    Broken(
        "override_declares_not_a_mapping",
        "mapping_overrides: not_migrated_columns: expected a mapping of table",
        _set("mapping_overrides", {"not_migrated_columns": {"patients": "loyalty_tier"}}),
    ),
    # Secrets only from the customer's own variables
    Broken(
        "cloud_credential",
        "target.trial.client_secret_env: expected an environment variable named PM_HARBOUR_PHYSIO__",
        _set("target.trial.client_secret_env", "AWS_SECRET_ACCESS_KEY"),
    ),
    Broken(
        "other_customers_secret",
        "target.live.client_secret_env: expected an environment variable named PM_HARBOUR_PHYSIO__",
        _set("target.live.client_secret_env", "PM_OTHER_PRACTICE__SECRET"),
    ),
    Broken(
        "prefix_trick",
        "expected an environment variable named PM_HARBOUR_PHYSIO__",
        _set("target.trial.client_secret_env", "PM_HARBOUR_PHYSIO__OTHER__SECRET"),
    ),
    Broken(
        "shorter_customers_prefix",
        "expected an environment variable named PM_HARBOUR_PHYSIO__",
        _set("target.trial.client_secret_env", "PM_HARBOUR__PHYSIO_SECRET"),
    ),
    Broken(
        "app_user_secret",
        "target.trial.app_users.0.client_secret_env: expected an environment variable",
        _set("target.trial.app_users", [{"client_id": "x", "client_secret_env": "HOME"}]),
    ),
    Broken(
        "api_key_variable",
        "source.trial.api_key_env: expected an environment variable named PM_HARBOUR_PHYSIO__",
        _set("source.trial", {**_api_source(), "api_key_env": "CLINIKO_API_KEY"}),
    ),
    Broken(
        "secret_name_with_spaces",
        "client_secret_env: String should match",
        _set("target.trial.client_secret_env", "s3cret value!"),
    ),
    # Hosts only of the real services (or the operator's allow-list)
    Broken(
        "foreign_dataverse_host",
        f"target.trial.url: {FOREIGN} *.dynamics.com",
        _set("target.trial.url", "https://evil.example"),
    ),
    Broken(
        "dataverse_suffix_trick",
        "is not *.dynamics.com",
        _set("target.live.url", "https://harbour.crm6.dynamics.com.evil.example"),
    ),
    Broken(
        "dataverse_over_http",
        "target.live.url: String should match pattern '^https://'",
        _set("target.live.url", "http://harbour.crm6.dynamics.com"),
    ),
    Broken(
        "credentials_in_url",
        "expected a URL without user or password",
        _set("target.live.url", "https://user:pass@harbour.crm6.dynamics.com"),
    ),
    Broken(
        "foreign_authority",
        f"target.trial.authority: {FOREIGN} login.microsoftonline.com",
        _set("target.trial.authority", "https://evil.example"),
    ),
    Broken(
        "foreign_cliniko_host",
        f"base_url: {FOREIGN} api.<shard>.cliniko.com",
        _set("source.trial", {**_api_source(), "base_url": "https://evil.example/v1"}),
    ),
]


def _write(path: Path, broken: Broken, data: dict[str, Any]) -> Path:
    text = yaml.safe_dump(data, sort_keys=False)
    if broken.text is not None:
        path.write_bytes(broken.text(text))
    else:
        changed = copy.deepcopy(data)
        assert broken.change is not None
        broken.change(changed)
        path.write_text(yaml.safe_dump(changed, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    folder = tmp_path / "dump"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("broken", CORPUS, ids=[b.name for b in CORPUS])
def test_broken_configuration_is_refused_naming_file_and_key(tmp_path: Path, dump: Path, broken: Broken) -> None:
    path = _write(tmp_path / "customer.yaml", broken, _valid(dump))
    with pytest.raises(CustomerConfigError) as error:
        MigrationHome(tmp_path / "home").register(path)
    assert str(path) in str(error.value)
    assert broken.expected in str(error.value)
    assert not (tmp_path / "home" / "config").exists() or not list((tmp_path / "home" / "config").iterdir())


def test_valid_configuration_registers(tmp_path: Path, dump: Path) -> None:
    path = tmp_path / "customer.yaml"
    path.write_text(yaml.safe_dump(_valid(dump)), encoding="utf-8")
    assert MigrationHome(tmp_path / "home").register(path).customer_id == CUSTOMER


def test_byte_order_mark_is_accepted_and_noted(tmp_path: Path, dump: Path) -> None:
    path = tmp_path / "customer.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + yaml.safe_dump(_valid(dump)).encode())
    assert load_customer_config(path).read_notes == (BOM_NOTE,)
    assert MigrationHome(tmp_path / "home").register(path).customer_id == CUSTOMER


def test_missing_dump_folder_is_refused_when_added(tmp_path: Path) -> None:
    path = tmp_path / "customer.yaml"
    path.write_text(yaml.safe_dump(_valid(tmp_path / "not-there")), encoding="utf-8")
    with pytest.raises(CustomerConfigError, match=r"source\.trial\.dump: expected an existing folder"):
        MigrationHome(tmp_path / "home").register(path)


def test_dump_inside_another_customers_folder_is_refused(tmp_path: Path) -> None:
    home = MigrationHome(tmp_path / "home")
    foreign = home.customer_dir("other-practice") / "reports"
    foreign.mkdir(parents=True)
    path = tmp_path / "customer.yaml"
    path.write_text(yaml.safe_dump(_valid(foreign)), encoding="utf-8")
    with pytest.raises(CustomerConfigError, match=r"source\.trial\.dump: expected a folder outside other customers'"):
        home.register(path)
    own = home.customer_dir(CUSTOMER) / "dumps" / "trial"
    own.mkdir(parents=True)
    path.write_text(yaml.safe_dump(_valid(own)), encoding="utf-8")
    assert home.register(path).customer_id == CUSTOMER


def test_second_customer_with_the_same_secret_prefix_is_refused(tmp_path: Path, dump: Path) -> None:
    home = MigrationHome(tmp_path / "home")
    first = tmp_path / "first.yaml"
    first.write_text(yaml.safe_dump(_valid(dump)), encoding="utf-8")
    home.register(first)
    twin = _valid(dump)
    twin["customer_id"] = "harbour_physio"
    second = tmp_path / "second.yaml"
    second.write_text(yaml.safe_dump(twin), encoding="utf-8")
    with pytest.raises(
        CustomerConfigError, match="prefix PM_HARBOUR_PHYSIO__ is already used by customer 'harbour-physio'"
    ):
        home.register(second)


def test_operator_allows_a_host_the_file_cannot(tmp_path: Path, dump: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _valid(dump)
    data["target"]["trial"]["url"] = "https://dataverse.internal.example"
    path = tmp_path / "customer.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CustomerConfigError, match=r"host dataverse\.internal\.example is not"):
        load_customer_config(path)
    monkeypatch.setenv(ALLOWED_HOSTS_ENV, "*.internal.example")
    assert load_customer_config(path).target.trial.url == "https://dataverse.internal.example"  # type: ignore[union-attr]
