"""Every field PracSuite's API documents for the resources read is declared by the spec, and every typed
field is mapped or declared not migrated with a reason (docs/adding-a-source.md item 1). The documented
list is sources/pracsuite/documented_fields.yaml, written from docs.api.pracsuite.com (§2.5)."""

from __future__ import annotations

from pathlib import Path

import yaml

import sources.pracsuite
from mappings.spec import load_spec
from sources.pracsuite import SYSTEM

DOCUMENTED_FILE = Path(sources.pracsuite.__file__).parent / "documented_fields.yaml"
DOCUMENTED = yaml.safe_load(DOCUMENTED_FILE.read_text(encoding="utf-8"))
RESOURCES: dict[str, list[str]] = DOCUMENTED["resources"]


def test_every_documented_field_of_a_read_resource_is_declared() -> None:
    assert set(RESOURCES) <= set(SYSTEM.resources)
    missing = {name: sorted(set(fields) - SYSTEM.resources[name].declared) for name, fields in RESOURCES.items()}
    assert {k: v for k, v in missing.items() if v} == {}


def test_every_typed_field_is_mapped_or_declared_not_migrated() -> None:
    read = load_spec("pracsuite").columns_read()
    unused = {
        name: sorted(set(spec.fields) - read.get(name, set()) - set(spec.not_migrated))
        for name, spec in SYSTEM.resources.items()
    }
    assert {k: v for k, v in unused.items() if v} == {}


def test_a_field_declared_not_migrated_is_not_read_by_the_mapping() -> None:
    read = load_spec("pracsuite").columns_read()
    contradictions = {
        name: sorted(set(spec.not_migrated) & read.get(name, set())) for name, spec in SYSTEM.resources.items()
    }
    assert {k: v for k, v in contradictions.items() if v} == {}
    assert all(reason.strip() for spec in SYSTEM.resources.values() for reason in spec.not_migrated.values())
