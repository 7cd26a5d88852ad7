"""Targets by name (what a customer's `target.system` says): their implementation of `targets.base.Target`
and output models (for target mapping specs).

Each entry is imported on first use, so naming a target loads only that target's modules, and
`customers.config` can validate a target block against the registry without an import cycle.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from customers import CustomerConfig
    from mappings.models import OutputModel
    from targets.base import Target

# name → module holding the registered `TARGET`
_TARGETS: dict[str, str] = {
    "dynamics365": "targets.dynamics.target",
    "gensolve": "targets.gensolve.target",
}


def target_names() -> list[str]:
    return sorted(_TARGETS)


def get_target(name: str) -> Target:
    """The registered target; an unknown name lists the valid ones."""
    if name not in _TARGETS:
        raise KeyError(f"unknown target {name!r}; valid: {', '.join(target_names())}")
    return import_module(_TARGETS[name]).TARGET


def target_model(name: str) -> OutputModel:
    """The output model of a registered target; an unknown name lists the valid ones."""
    return get_target(name).model


def environment_model(name: str) -> type[BaseModel]:
    """The model of a customer's `target.trial` / `target.live` block for this target."""
    return get_target(name).environment_model


# A customer without a `target` block loads Gensolve's embedded database (targets/gensolve/target.py).
DEFAULT_TARGET = "gensolve"


def customer_target(config: CustomerConfig) -> Target:
    """The target a customer's configuration names (`target.system`)."""
    return get_target(config.target.system if config.target is not None else DEFAULT_TARGET)


def value_free_errors() -> tuple[type[Exception], ...]:
    """Every registered target's exceptions whose messages name tables, fields and keys only, never a value
    (a step guard passes their text on; targets.base.Target.value_free_errors)."""
    return tuple(error for name in target_names() for error in get_target(name).value_free_errors)
