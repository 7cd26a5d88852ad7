"""Targets by name: their output models (for target mapping specs)."""

from __future__ import annotations

from mappings.models import OutputModel


def target_model(name: str) -> OutputModel:
    """The output model of a registered target; an unknown name lists the valid ones."""
    from targets.dynamics.tables import MODEL as DYNAMICS

    models = {DYNAMICS.name: DYNAMICS}
    if name not in models:
        raise KeyError(f"unknown target {name!r}; valid: {', '.join(sorted(models))}")
    return models[name]
