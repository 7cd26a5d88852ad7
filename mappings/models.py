"""The tables a mapping spec produces: the canonical model (source specs) or a target's tables."""

from __future__ import annotations

from typing import Protocol

from checks.canonical import CANONICAL_MODELS, IDENTITY_COLUMNS, CanonicalField, data_fields, entity_fields


class OutputModel(Protocol):
    """What the engine needs to know about the entities a spec maps onto."""

    name: str

    def entities(self) -> list[str]: ...

    def fields(self, entity: str) -> tuple[CanonicalField, ...]:
        """Every column in order, identity and provenance columns first."""
        ...

    def data_fields(self, entity: str) -> tuple[CanonicalField, ...]:
        """The columns a spec maps (no identity columns)."""
        ...

    @property
    def identity(self) -> tuple[str, ...]: ...


class CanonicalModel:
    """The staged canonical entities (checks/canonical/)."""

    name = "canonical"
    identity = tuple(IDENTITY_COLUMNS)

    def entities(self) -> list[str]:
        return list(CANONICAL_MODELS)

    def fields(self, entity: str) -> tuple[CanonicalField, ...]:
        return entity_fields(entity)

    def data_fields(self, entity: str) -> tuple[CanonicalField, ...]:
        return data_fields(entity)


CANONICAL = CanonicalModel()


def output_model(target: str | None) -> OutputModel:
    """The canonical model, or the named target's model (e.g. `dynamics365`)."""
    if target is None:
        return CANONICAL
    from targets.registry import target_model

    return target_model(target)
