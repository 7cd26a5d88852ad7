"""Where the Gensolve import schema lives: the embedded per-customer database (demo, tests) or Oracle.
Both take the same calls; the loader (targets/gensolve/loader.py) never asks which one it has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from targets.gensolve.catalogue import Catalogue, ImportTable


@dataclass(frozen=True)
class RowError:
    """A row the database refused: its position in the batch and the database's error code (no values)."""

    offset: int
    code: str
    message: str


class Backend(Protocol):
    name: str

    def columns(self) -> dict[str, set[str]]:
        """Tables of the import schema present in the database, with their columns."""
        ...

    def create(self, catalogue: Catalogue, tables: list[str]) -> None:
        """Create the named tables (the schema plan's explicit apply)."""
        ...

    def merge(self, table: ImportTable, key: str, rows: list[dict]) -> list[RowError]:
        """Insert or update `rows` by `key` in one transaction; bad rows are refused, the rest land."""
        ...

    def keys(self, table: ImportTable, key: str) -> set[str]: ...

    def fetch(self, table: ImportTable, key: str) -> list[dict]:
        """Every row of the table (BLOBs as bytes)."""
        ...

    def delete(self, table: ImportTable, key: str, keys: list[str]) -> int: ...

    def close(self) -> None: ...
