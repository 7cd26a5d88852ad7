"""Mapping specs are validated before anything runs; every error names its path in the file."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from mappings.spec import SPEC_DIR, SpecError, apply_overrides, load_spec, parse_spec


@pytest.fixture(scope="module")
def cliniko_data() -> dict[str, Any]:
    return yaml.safe_load((SPEC_DIR / "cliniko.yaml").read_text())


@dataclass
class SpecCase:
    expected: str
    edit: Any  # callable(dict) -> None


def _client_fields(data: dict) -> dict:
    return data["entities"]["client"]["sources"][0]["fields"]


INVALID_SPECS = [
    SpecCase(
        "entities.client.sources[0].fields.email.transforms[0]: unknown transform 'emial'; valid:",
        lambda d: _client_fields(d).__setitem__("email", {"column": "email", "transforms": ["emial"]}),
    ),
    SpecCase(
        "entities.client.sources[0].fields.shoe_size: not a field of client",
        lambda d: _client_fields(d).__setitem__("shoe_size", "occupation"),
    ),
    SpecCase(
        "entities.client.sources[0].fields: required field 'last_name' of client is not mapped",
        lambda d: _client_fields(d).pop("last_name"),
    ),
    SpecCase(
        "(parse_date): unknown parameter(s) ['format']",
        lambda d: _client_fields(d).__setitem__(
            "date_of_birth", {"column": "date_of_birth", "transforms": [{"parse_date": {"format": "x"}}]}
        ),
    ),
    SpecCase(
        "entities.client.sources[0].table: unknown raw table 'patient'",
        lambda d: d["entities"]["client"]["sources"][0].__setitem__("table", "patient"),
    ),
    SpecCase(
        "lookups: raw table(s) ['taxes'] are neither an entity source nor a lookup",
        lambda d: d["lookups"].remove("taxes"),
    ),
    SpecCase(
        "entities.horse: unknown entity",
        lambda d: d["entities"].__setitem__("horse", copy.deepcopy(d["entities"]["site"])),
    ),
    SpecCase(
        "expected exactly one of column, field, value, coalesce, concat, case",
        lambda d: _client_fields(d).__setitem__("title", {"column": "title", "value": "Dr"}),
    ),
    SpecCase(
        "zone_field 'time_zone' must name a field mapped earlier",
        lambda d: d["entities"]["appointment"]["sources"][0]["fields"].__setitem__(
            "time_zone", d["entities"]["appointment"]["sources"][0]["fields"].pop("time_zone")
        ),
    ),
    SpecCase(
        "dedup.rules.nhi: unknown field 'nhi_number'",
        lambda d: d["entities"]["client"]["dedup"]["rules"].__setitem__("nhi", ["nhi_number"]),
    ),
]


def test_the_shipped_spec_is_valid_and_versioned() -> None:
    spec = load_spec("cliniko")
    assert len(spec.version) == 16 and spec.path == "mappings/cliniko.yaml"
    assert "client" in spec.entities


@pytest.mark.parametrize("case", INVALID_SPECS, ids=lambda c: c.expected[:40])
def test_invalid_specs_name_the_path(cliniko_data: dict, case: SpecCase) -> None:
    data = copy.deepcopy(cliniko_data)
    case.edit(data)
    with pytest.raises(SpecError) as error:
        parse_spec(data, "mappings/cliniko.yaml")
    assert case.expected in str(error.value)
    assert str(error.value).startswith("mappings/cliniko.yaml: invalid mapping spec")


def test_spec_is_not_modified_in_place(cliniko_data: dict) -> None:
    before = copy.deepcopy(cliniko_data)
    parse_spec(cliniko_data, "x")
    apply_overrides(cliniko_data, {"client": {"nhi": {"column": "old_reference_id", "transforms": ["nhi"]}}})
    assert cliniko_data == before


def test_overrides_change_the_version_and_the_mapping() -> None:
    base = load_spec("cliniko")
    custom = load_spec(
        "cliniko",
        {
            "client": {
                "nhi": {
                    "column": "custom_fields",
                    "transforms": [{"cliniko_custom_field": {"name": "National Health Index"}}, "nhi"],
                }
            }
        },
    )
    assert custom.version != base.version
    field = custom.entities["client"].sources[0].fields["nhi"]
    assert field.transforms[0].params == {"name": "National Health Index"}
    with pytest.raises(SpecError, match="horse: unknown entity"):
        load_spec("cliniko", {"horse": {"name": "x"}})
    with pytest.raises(SpecError, match=r"client\.shoe_size: not mapped by any source"):
        load_spec("cliniko", {"client": {"shoe_size": "x"}})


def test_a_spec_is_parsed_again_when_its_file_or_the_overrides_change(tmp_path: Path) -> None:
    """Loads are cached by the file's content and the overrides: an edited spec is never served stale."""
    spec_file = tmp_path / "cliniko.yaml"
    spec_file.write_text((SPEC_DIR / "cliniko.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    first = load_spec("cliniko", spec_dir=tmp_path)
    assert load_spec("cliniko", spec_dir=tmp_path) is first  # the same content: parsed once
    overrides = {"client": {"nhi": {"column": "old_reference_id", "transforms": ["nhi"]}}}
    custom = load_spec("cliniko", overrides, spec_dir=tmp_path)
    assert custom.version != first.version
    assert custom.entities["client"].sources[0].fields["nhi"].column == "old_reference_id"
    data = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
    data["title"] = "Edited while a code server runs"
    spec_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    edited = load_spec("cliniko", spec_dir=tmp_path)
    assert edited.title == "Edited while a code server runs"
    assert edited.version != first.version
    spec_file.write_text("entities: [", encoding="utf-8")
    with pytest.raises(yaml.YAMLError):
        load_spec("cliniko", spec_dir=tmp_path)
