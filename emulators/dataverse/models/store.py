"""Record storage: in-memory tables with transactions, written through to SQLite when persistent."""

from __future__ import annotations

import json
import pathlib
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Record = dict[str, Any]
Hook = Callable[[str, str, Record | None, Record | None], None]
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (entity TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
                                    PRIMARY KEY (entity, id));
CREATE TABLE IF NOT EXISTS meta (kind TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL,
                                 PRIMARY KEY (kind, name)) WITHOUT ROWID;
"""


class Store:
    """All rows of all tables, keyed by logical name then primary key.

    Reads and writes go to dictionaries; a write inside :meth:`transaction` is undone if the block raises.
    When the outermost transaction ends, the rows it touched are written to SQLite in one commit, so a
    persistent emulator survives a restart and an in-memory one (``path=None``) never touches disk.
    """

    def __init__(self, path: pathlib.Path | None) -> None:
        self.tables: dict[str, dict[str, Record]] = {}
        self.version = 0
        # Row images to put back, or (None, "", callback) for what else a rollback must undo (counters, effects).
        self._undo: list[tuple[str | None, str, Any]] = []
        self._depth = 0
        self._dirty: set[tuple[str, str]] = set()
        self._hooks: list[Hook] = []
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            self._load()

    @property
    def persistent(self) -> bool:
        return self._db is not None

    def add_hook(self, hook: Hook) -> None:
        """Call ``hook(entity, id, old, new)`` after every change (indexes keep themselves current)."""
        self._hooks.append(hook)

    def rows(self, entity: str) -> dict[str, Record]:
        """The live mapping id → record of one table (do not mutate records in place)."""
        return self.tables.setdefault(entity, {})

    def get(self, entity: str, record_id: str) -> Record | None:
        return self.tables.get(entity, {}).get(record_id)

    def put(self, entity: str, record_id: str, record: Record | None) -> None:
        """Insert, replace or (``record=None``) delete one row."""
        table = self.rows(entity)
        old = table.get(record_id)
        if record is None:
            table.pop(record_id, None)
        else:
            table[record_id] = record
        if self._depth:
            self._undo.append((entity, record_id, old))
        self._dirty.add((entity, record_id))
        for hook in self._hooks:
            hook(entity, record_id, old, record)

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Call ``undo`` if the enclosing transaction (a change set, a bulk action) is rolled back; outside one
        the write is already final and nothing is kept."""
        if self._depth:
            self._undo.append((None, "", undo))

    def next_version(self) -> int:
        """The next row version (ETags are ``W/"<versionnumber>"``, research/dataverse.md §9)."""
        self.version += 1
        return self.version

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing block; nests (an inner failure undoes only the inner block's writes)."""
        mark = len(self._undo)
        self._depth += 1
        try:
            yield
        except BaseException:
            self._rollback(mark)
            raise
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._undo.clear()
                self._flush()

    def _rollback(self, mark: int) -> None:
        while len(self._undo) > mark:
            entity, record_id, old = self._undo.pop()
            if entity is None:
                old()
                continue
            table = self.rows(entity)
            current = table.get(record_id)
            if old is None:
                table.pop(record_id, None)
            else:
                table[record_id] = old
            for hook in self._hooks:
                hook(entity, record_id, current, old)

    def _flush(self) -> None:
        dirty, self._dirty = self._dirty, set()
        if self._db is None or not dirty:
            return
        upserts, deletes = [], []
        for entity, record_id in dirty:
            record = self.tables.get(entity, {}).get(record_id)
            if record is None:
                deletes.append((entity, record_id))
            else:
                upserts.append((entity, record_id, _ENCODER.encode(record)))
        db = self._db
        db.execute("BEGIN")
        try:
            db.executemany("INSERT OR REPLACE INTO records (entity, id, data) VALUES (?, ?, ?)", upserts)
            db.executemany("DELETE FROM records WHERE entity = ? AND id = ?", deletes)
            db.execute(
                "INSERT OR REPLACE INTO meta (kind, name, data) VALUES ('store', 'version', ?)",
                (str(self.version),),
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _load(self) -> None:
        assert self._db is not None
        for entity, record_id, data in self._db.execute("SELECT entity, id, data FROM records"):
            self.rows(entity)[record_id] = json.loads(data)
        row = self._db.execute("SELECT data FROM meta WHERE kind = 'store' AND name = 'version'").fetchone()
        self.version = int(row[0]) if row else 0

    # -- metadata (custom columns, keys): small, written immediately -------------------------------------

    def meta_all(self, kind: str) -> dict[str, Any]:
        if self._db is None:
            return {}
        rows = self._db.execute("SELECT name, data FROM meta WHERE kind = ?", (kind,))
        return {name: json.loads(data) for name, data in rows}

    def meta_put(self, kind: str, name: str, value: Any | None) -> None:
        if self._db is None:
            return
        if value is None:
            self._db.execute("DELETE FROM meta WHERE kind = ? AND name = ?", (kind, name))
        else:
            self._db.execute(
                "INSERT OR REPLACE INTO meta (kind, name, data) VALUES (?, ?, ?)",
                (kind, name, json.dumps(value)),
            )

    def clear(self, *, metadata: bool) -> None:
        """Drop every row (and the custom metadata when ``metadata``)."""
        self.tables.clear()
        self._dirty.clear()
        self._undo.clear()
        if self._db is not None:
            self._db.execute("DELETE FROM records")
            if metadata:
                self._db.execute("DELETE FROM meta WHERE kind != 'store'")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
