"""Targets are plug-ins: both registered by name, each declaring the same interface."""

from __future__ import annotations

import pytest

from mappings.models import output_model
from targets.base import TargetCapabilities
from targets.registry import environment_model, get_target, target_names


def test_dynamics_and_gensolve_are_registered() -> None:
    assert target_names() == ["dynamics365", "gensolve"]
    for name in target_names():
        target = get_target(name)
        assert target.name == name
        assert isinstance(target.capabilities, TargetCapabilities)
        assert output_model(name) is target.model
        assert set(target.tables()) <= set(target.model.entities())
        for step in ("prepare", "plan", "load", "verify", "rollback"):
            assert callable(getattr(target, step))


def test_targets_declare_what_differs() -> None:
    assert get_target("dynamics365").capabilities.text_length_unit == "characters"
    assert get_target("gensolve").capabilities.text_length_unit == "bytes"
    assert get_target("gensolve").capabilities.upsert == "merge"
    assert environment_model("dynamics365") is not environment_model("gensolve")


def test_unknown_target_lists_the_valid_ones() -> None:
    with pytest.raises(KeyError, match="valid: dynamics365, gensolve"):
        get_target("salesforce")
