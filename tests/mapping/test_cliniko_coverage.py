"""Every field and resource the Cliniko API documents is accounted for by the spec: read and mapped,
or declared not migrated with a reason (issue 16). The documented list is the project's own reference,
sources/cliniko/documented_fields.yaml, written from the public API documentation."""

from __future__ import annotations

import yaml

from mappings.spec import load_spec
from sources.cliniko import SYSTEM
from sources.cliniko.settings import DOCUMENTED_FIELDS_FILE
from sources.coverage import NAVIGATION

DOCUMENTED = yaml.safe_load(DOCUMENTED_FIELDS_FILE.read_text(encoding="utf-8"))
RESOURCES: dict[str, list[str]] = DOCUMENTED["resources"]


def test_every_documented_resource_is_read_or_declared_not_migrated() -> None:
    unaccounted = sorted(set(RESOURCES) - set(SYSTEM.resources) - set(SYSTEM.not_migrated_resources))
    assert unaccounted == []
    # A declaration names a documented resource (a typo would hide the real one).
    assert set(SYSTEM.not_migrated_resources) <= set(RESOURCES)
    assert all(reason.strip() for reason in SYSTEM.not_migrated_resources.values())


def test_every_documented_field_of_a_read_resource_is_declared() -> None:
    missing = {
        name: sorted(set(RESOURCES[name]) - spec.declared)
        for name, spec in SYSTEM.resources.items()
        if set(RESOURCES.get(name, ())) - spec.declared
    }
    assert missing == {}
    assert all(name in RESOURCES for name in SYSTEM.resources), "every read resource is documented"


def test_every_typed_field_is_mapped_or_declared_not_migrated() -> None:
    read = load_spec("cliniko").columns_read()
    unused = {
        name: sorted(set(spec.fields) - read.get(name, set()) - set(spec.not_migrated))
        for name, spec in SYSTEM.resources.items()
    }
    assert {k: v for k, v in unused.items() if v} == {}


def test_a_field_declared_not_migrated_is_not_read_by_the_mapping() -> None:
    read = load_spec("cliniko").columns_read()
    contradictions = {
        name: sorted(set(spec.not_migrated) & read.get(name, set())) for name, spec in SYSTEM.resources.items()
    }
    assert {k: v for k, v in contradictions.items() if v} == {}


def test_links_are_navigation_and_every_reason_is_written() -> None:
    for name, spec in SYSTEM.resources.items():
        assert spec.not_migrated.get("links") == NAVIGATION, name
        assert all(reason.strip() for reason in spec.not_migrated.values()), name
