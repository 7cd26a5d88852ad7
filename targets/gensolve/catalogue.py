"""The Gensolve import schema as data: the column catalogue (schema/import_schema.yaml), its Oracle
types, the output model of mappings/gensolve.yaml, and the DDL generated from it.

The catalogue is the one place the schema is written down; replacing it with the real import schema
changes no code (README.md in this folder). Its tables are listed in dependency order: a key column
may only point at a table listed before its own, which is also the load order.

`python -m targets.gensolve.catalogue` prints the Oracle DDL (schema/import_schema.sql is that output).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl
import yaml

from checks.canonical import IDENTITY_COLUMNS, CanonicalField, entity_fields

CATALOGUE_FILE = Path(__file__).parent / "schema" / "import_schema.yaml"
DDL_FILE = Path(__file__).parent / "schema" / "import_schema.sql"
# Oracle 12.2+ accepts identifiers up to 128 bytes (Database SQL Language Reference, "Database Object
# Naming Rules"); longer ones raise ORA-00972.
MAX_IDENTIFIER_BYTES = 128
# VARCHAR2's limit with the default MAX_STRING_SIZE = STANDARD; longer text belongs in a CLOB.
MAX_VARCHAR2_BYTES = 4000
# Oracle reserved words (V$RESERVED_WORDS, reserved = 'Y') that a plain column name must not be.
RESERVED = frozenset(
    [
        "access",
        "add",
        "all",
        "alter",
        "and",
        "any",
        "as",
        "asc",
        "audit",
        "between",
        "by",
        "char",
        "check",
        "cluster",
        "column",
        "comment",
        "compress",
        "connect",
        "create",
        "current",
        "date",
        "decimal",
        "default",
        "delete",
        "desc",
        "distinct",
        "drop",
        "else",
        "exclusive",
        "exists",
        "file",
        "float",
        "for",
        "from",
        "grant",
        "group",
        "having",
        "identified",
        "immediate",
        "in",
        "increment",
        "index",
        "initial",
        "insert",
        "integer",
        "intersect",
        "into",
        "is",
        "level",
        "like",
        "lock",
        "long",
        "maxextents",
        "minus",
        "mlslabel",
        "mode",
        "modify",
        "noaudit",
        "nocompress",
        "not",
        "nowait",
        "null",
        "number",
        "of",
        "offline",
        "on",
        "online",
        "option",
        "or",
        "order",
        "pctfree",
        "prior",
        "privileges",
        "public",
        "raw",
        "rename",
        "resource",
        "revoke",
        "row",
        "rowid",
        "rownum",
        "rows",
        "select",
        "session",
        "set",
        "share",
        "size",
        "smallint",
        "start",
        "successful",
        "synonym",
        "sysdate",
        "table",
        "then",
        "to",
        "trigger",
        "uid",
        "union",
        "unique",
        "update",
        "user",
        "validate",
        "values",
        "varchar",
        "varchar2",
        "view",
        "whenever",
        "where",
        "with",
    ]
)
_TYPE = re.compile(
    r"^(?:(?P<varchar>VARCHAR2)\((?P<length>\d+) BYTE\)"
    r"|(?P<number>NUMBER)\((?P<precision>\d+)(?:,(?P<scale>\d+))?\)"
    r"|(?P<ts>TIMESTAMP)\((?P<fraction>\d)\)"
    r"|(?P<plain>DATE|TIMESTAMP WITH TIME ZONE|CLOB|BLOB))$"
)


class CatalogueError(ValueError):
    """The catalogue breaks a rule of the schema (or of Oracle): which table, which column, what was expected."""


@dataclass(frozen=True)
class OracleType:
    """One column's Oracle type; `base` is VARCHAR2, NUMBER, DATE, TIMESTAMP, TIMESTAMP WITH TIME ZONE,
    CLOB or BLOB."""

    base: str
    length: int | None = None  # VARCHAR2: bytes
    precision: int | None = None  # NUMBER
    scale: int = 0  # NUMBER
    fraction: int | None = None  # TIMESTAMP(n): digits of fractional seconds

    @classmethod
    def parse(cls, text: str) -> OracleType:
        match = _TYPE.match(text.strip())
        if not match:
            raise ValueError(
                f"expected VARCHAR2(n BYTE), NUMBER(p[,s]), DATE, TIMESTAMP(n), TIMESTAMP WITH TIME ZONE, CLOB or "
                f"BLOB, got {text!r}"
            )
        if match["varchar"]:
            return cls("VARCHAR2", length=int(match["length"]))
        if match["number"]:
            return cls("NUMBER", precision=int(match["precision"]), scale=int(match["scale"] or 0))
        if match["ts"]:
            return cls("TIMESTAMP", fraction=int(match["fraction"]))
        return cls(match["plain"])

    @property
    def is_flag(self) -> bool:
        """NUMBER(1): a 0/1 flag (Oracle has BOOLEAN only from 23ai)."""
        return self.base == "NUMBER" and self.precision == 1 and self.scale == 0

    @property
    def oracle(self) -> str:
        if self.base == "VARCHAR2":
            return f"VARCHAR2({self.length} BYTE)"
        if self.base == "NUMBER":
            return f"NUMBER({self.precision},{self.scale})" if self.scale else f"NUMBER({self.precision})"
        if self.base == "TIMESTAMP":
            return f"TIMESTAMP({self.fraction})"
        return self.base

    @property
    def duckdb(self) -> str:
        """The embedded database's type; values are checked against the Oracle type before they are written."""
        if self.base == "NUMBER":
            return (
                "BIGINT"
                if not self.scale and (self.precision or 38) <= 18
                else f"DECIMAL({self.precision},{self.scale})"
            )
        return {
            "VARCHAR2": "VARCHAR",
            "CLOB": "VARCHAR",
            "BLOB": "BLOB",
            "DATE": "DATE",
            "TIMESTAMP": "TIMESTAMP",
            "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
        }[self.base]

    @property
    def dtype(self) -> pl.DataType:
        """The mapped (pre-load) column's dtype. Scaled NUMBERs are mapped wide so the loader, not the
        mapping, finds a value Oracle would round (DESIGN.md §4: money is never rounded silently)."""
        if self.base == "NUMBER":
            if self.is_flag:
                return pl.Boolean()
            return pl.Decimal(38, 12) if self.scale else pl.Int64()
        return {
            "DATE": pl.Date(),
            "TIMESTAMP": pl.Datetime("us", None),
            "TIMESTAMP WITH TIME ZONE": pl.Datetime("us", "UTC"),
        }.get(self.base, pl.String())


@dataclass(frozen=True)
class ImportColumn:
    name: str
    type: OracleType
    nullable: bool = True
    ref: str | None = None
    source: str | None = None
    description: str = ""


@dataclass(frozen=True)
class ImportTable:
    name: str
    columns: tuple[ImportColumn, ...]  # lineage columns first
    description: str = ""

    def column(self, name: str) -> ImportColumn:
        return next(c for c in self.columns if c.name == name)

    @property
    def refs(self) -> list[ImportColumn]:
        return [c for c in self.columns if c.ref]


@dataclass(frozen=True)
class Catalogue:
    name: str
    key: str  # the MERGE key / primary key column (first lineage column)
    lineage: dict[str, str]  # canonical identity column → import column
    tables: dict[str, ImportTable]  # dependency order

    def table(self, name: str) -> ImportTable:
        return self.tables[name]


def _column(data: dict, where: str) -> ImportColumn:
    try:
        kind = OracleType.parse(str(data["type"]))
    except ValueError as exc:
        raise CatalogueError(f"{where}: {exc}") from exc
    return ImportColumn(
        data["name"], kind, bool(data.get("nullable", True)), data.get("ref"), data.get("source"), data["description"]
    )


def _check_identifier(name: str, where: str) -> None:
    if len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        raise CatalogueError(f"{where}: identifier longer than {MAX_IDENTIFIER_BYTES} bytes (ORA-00972)")
    if not re.fullmatch(r"[a-z][a-z0-9_$#]*", name):
        raise CatalogueError(f"{where}: expected a plain lower-case identifier (letters, digits, _, $, #)")
    if name in RESERVED:
        raise CatalogueError(f"{where}: {name!r} is an Oracle reserved word")


def parse_catalogue(data: dict, origin: str = "catalogue") -> Catalogue:
    """Validate a catalogue document: identifiers, types, VARCHAR2 limits, references in dependency order."""
    lineage = [_column(c, f"{origin}: lineage.{c.get('name')}") for c in data["lineage"]]
    tables: dict[str, ImportTable] = {}
    for raw in data["tables"]:
        name = raw["name"]
        _check_identifier(name, f"{origin}: table {name}")
        columns = tuple(lineage) + tuple(_column(c, f"{origin}: {name}.{c.get('name')}") for c in raw["columns"])
        seen: set[str] = set()
        for column in columns:
            where = f"{origin}: {name}.{column.name}"
            _check_identifier(column.name, where)
            if column.name in seen:
                raise CatalogueError(f"{where}: column listed twice")
            seen.add(column.name)
            if column.type.base == "VARCHAR2" and (column.type.length or 0) > MAX_VARCHAR2_BYTES:
                raise CatalogueError(f"{where}: VARCHAR2 holds at most {MAX_VARCHAR2_BYTES} bytes; use a CLOB")
            if column.ref and column.ref not in tables:
                raise CatalogueError(f"{where}: refers to {column.ref!r}, expected a table listed before {name!r}")
        tables[name] = ImportTable(name, columns, raw.get("description", ""))
    mapping = {c.source: c.name for c in lineage if c.source}
    return Catalogue(data["name"], lineage[0].name, mapping, tables)


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    # libyaml's safe loader: the documents yaml.safe_load reads, several times faster.
    return parse_catalogue(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader), str(path.name))


def column_field(column: ImportColumn) -> CanonicalField:
    long_text = column.type.base == "CLOB"
    return CanonicalField(column.name, column.type.dtype, column.nullable, column.ref, column.description, long_text)


class GensolveModel:
    """The target model of `mappings/gensolve.yaml` (mappings.models.OutputModel): the catalogue's
    tables without their lineage columns, which the loader fills from the canonical identity."""

    name = "gensolve"
    identity = tuple(IDENTITY_COLUMNS)

    def __init__(self, catalogue_path: Path = CATALOGUE_FILE) -> None:
        self._path = catalogue_path

    @property
    def catalogue(self) -> Catalogue:
        return load_catalogue(self._path)

    def entities(self) -> list[str]:
        return list(self.catalogue.tables)

    def data_fields(self, entity: str) -> tuple[CanonicalField, ...]:
        lineage = set(self.catalogue.lineage.values())
        return tuple(column_field(c) for c in self.catalogue.table(entity).columns if c.name not in lineage)

    def fields(self, entity: str) -> tuple[CanonicalField, ...]:
        identity = tuple(f for f in entity_fields("site") if f.name in IDENTITY_COLUMNS)
        return identity + self.data_fields(entity)


MODEL = GensolveModel()


def oracle_ddl(catalogue: Catalogue) -> list[str]:
    """CREATE TABLE statements (primary key on the MERGE key, foreign keys on references), in dependency order."""
    statements = []
    for table in catalogue.tables.values():
        lines = [
            f"  {c.name} {c.type.oracle}{'' if c.nullable else ' NOT NULL'}"
            + (" CHECK (" + c.name + " IN (0, 1))" if c.type.is_flag else "")
            for c in table.columns
        ]
        lines.append(f"  CONSTRAINT {table.name}_pk PRIMARY KEY ({catalogue.key})")
        lines += [
            f"  CONSTRAINT {table.name}_{i}_fk FOREIGN KEY ({c.name}) REFERENCES {c.ref} ({catalogue.key})"
            for i, c in enumerate(table.refs, 1)
        ]
        statements.append(f"CREATE TABLE {table.name} (\n" + ",\n".join(lines) + "\n)")
    return statements


def oracle_script(catalogue: Catalogue) -> str:
    header = (
        f"-- {catalogue.name}: generated from import_schema.yaml by `python -m targets.gensolve.catalogue`.\n"
        "-- Oracle Database 19c+ (identifiers up to 128 bytes); do not edit by hand.\n\n"
    )
    return header + "".join(f"{s};\n\n" for s in oracle_ddl(catalogue))


if __name__ == "__main__":
    print(oracle_script(load_catalogue()), end="")
