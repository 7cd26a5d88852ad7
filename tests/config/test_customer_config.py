"""Customer configuration: valid files load; each invalid one names the file, the key and the expectation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from config_helpers import valid_config

from customers import CustomerConfigError, MigrationHome, load_customer_config

VALID: dict[str, Any] = valid_config("dumps/trial", "dumps/live")


@dataclass
class ConfigCase:
    change: dict[str, Any]
    expected: str


def _with(change: dict[str, Any]) -> dict[str, Any]:
    data = yaml.safe_load(yaml.safe_dump(VALID))
    for dotted, value in change.items():
        node = data
        *parents, last = dotted.split(".")
        for part in parents:
            node = node[part]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return data


_DELETE = object()
INVALID = [
    ConfigCase({"customer_id": "Bad|Id"}, "customer_id: String should match pattern"),
    ConfigCase({"country": "US"}, "country: Input should be 'NZ', 'AU' or 'UK'"),
    ConfigCase({"time_zone": "Auckland"}, "time_zone: expected an IANA time zone"),
    ConfigCase(
        {"source.system": "practiceperfect"}, "source.system: unknown source system 'practiceperfect'; valid: cliniko"
    ),
    ConfigCase({"source.trial": _DELETE}, "source.trial: required key is missing"),
    ConfigCase({"fallback_owner_email": "nobody"}, "fallback_owner_email: expected an email address"),
    ConfigCase({"target.trial.environment": "production"}, "trial.environment: expected 'sandbox'"),
    ConfigCase({"target.live.url": "https://harbour-sandbox.crm6.dynamics.com"}, "expected two different environments"),
    ConfigCase(
        {"target.live.url": "http://insecure.example"}, "target.live.url: String should match pattern '^https://'"
    ),
    ConfigCase(
        {"target.trial.client_secret_env": "s3cret value!"}, "target.trial.client_secret_env: String should match"
    ),
    ConfigCase({"colour": "blue"}, "colour: unknown key"),
]


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "customer.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_valid_configuration_loads_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    config = load_customer_config(_write(tmp_path, VALID))
    assert config.customer_id == "harbour-physio"
    assert config.fallback_owner_email == "owner@harbour.example"
    assert config.dump_dir("trial") == (tmp_path / "dumps" / "trial").resolve()
    assert config.phone_region == "NZ"


@pytest.mark.parametrize("case", INVALID, ids=lambda c: next(iter(c.change)))
def test_invalid_configuration_names_file_key_and_expectation(tmp_path: Path, case: ConfigCase) -> None:
    path = _write(tmp_path, _with(case.change))
    with pytest.raises(CustomerConfigError) as error:
        load_customer_config(path)
    message = str(error.value)
    assert str(path) in message
    assert case.expected in message


def test_broken_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("customer_id: a\nname: [unclosed\n", encoding="utf-8")
    with pytest.raises(CustomerConfigError, match=r"line \d+, column \d+: not valid YAML"):
        load_customer_config(path)


def test_register_copies_with_absolute_paths_and_checks_the_file_name(tmp_path: Path) -> None:
    home = MigrationHome(tmp_path / "home")
    for kind in ("trial", "live"):
        (tmp_path / "dumps" / kind).mkdir(parents=True)
    config = home.register(_write(tmp_path, VALID))
    stored = yaml.safe_load(home.config_path("harbour-physio").read_text())
    assert Path(stored["source"]["trial"]["dump"]).is_absolute()
    assert home.load("harbour-physio").dump_dir("live") == config.dump_dir("live")
    assert home.customer_ids() == ["harbour-physio"]
    with pytest.raises(CustomerConfigError, match="is not registered"):
        home.load("unknown")
