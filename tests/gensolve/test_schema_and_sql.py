"""The import schema is data: the DDL is generated from the catalogue, and every statement the loader
sends parses as Oracle SQL."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from targets.gensolve.catalogue import (
    DDL_FILE,
    MODEL,
    CatalogueError,
    OracleType,
    load_catalogue,
    oracle_ddl,
    oracle_script,
    parse_catalogue,
)
from targets.gensolve.oracle_sql import delete_statement, keys_statement, merge_statement, select_statement


def test_checked_in_ddl_is_the_catalogue_s() -> None:
    assert DDL_FILE.read_text(encoding="utf-8") == oracle_script(load_catalogue())


def test_ddl_parses_as_oracle_create_tables_with_keys() -> None:
    catalogue = load_catalogue()
    statements = sqlglot.parse(DDL_FILE.read_text(encoding="utf-8"), read="oracle")
    assert [type(s) for s in statements] == [exp.Create] * len(catalogue.tables)
    for statement, table in zip(statements, catalogue.tables.values(), strict=True):
        assert statement.this.this.name == table.name
        ddl = statement.sql(dialect="oracle")
        assert "PRIMARY KEY (mig_key)" in ddl
        for column in table.refs:
            assert f"FOREIGN KEY ({column.name}) REFERENCES {column.ref} (mig_key)" in ddl


@pytest.mark.parametrize("table", list(load_catalogue().tables))
def test_loader_dml_parses_as_oracle(table: str) -> None:
    catalogue = load_catalogue()
    import_table = catalogue.table(table)
    merge = sqlglot.parse_one(merge_statement(import_table, catalogue.key), read="oracle")
    assert isinstance(merge, exp.Merge)
    assert merge.this.name == table
    assert isinstance(sqlglot.parse_one(delete_statement(import_table, catalogue.key), read="oracle"), exp.Delete)
    assert isinstance(sqlglot.parse_one(select_statement(import_table), read="oracle"), exp.Select)
    assert isinstance(sqlglot.parse_one(keys_statement(import_table, catalogue.key), read="oracle"), exp.Select)


def test_every_row_carries_lineage() -> None:
    catalogue = load_catalogue()
    for table in catalogue.tables.values():
        assert [c.name for c in table.columns[:4]] == ["mig_key", "mig_source_system", "mig_source_id", "mig_origin_id"]
    assert catalogue.lineage == {
        "canonical_id": "mig_key",
        "source_system": "mig_source_system",
        "source_id": "mig_source_id",
        "origin_id": "mig_origin_id",
    }


def test_output_model_is_the_catalogue_without_lineage() -> None:
    fields = {f.name for f in MODEL.data_fields("gpm_client")}
    assert "last_name" in fields and "mig_key" not in fields
    assert MODEL.entities() == list(load_catalogue().tables)


def _doc(table: dict) -> dict:
    return {
        "name": "t",
        "lineage": [{"name": "mig_key", "type": "VARCHAR2(200 BYTE)", "nullable": False, "description": "k"}],
        "tables": [table],
    }


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"name": "x" * 129, "columns": []}, "longer than 128 bytes"),
        ({"name": "t1", "columns": [{"name": "size", "type": "NUMBER(5)", "description": "d"}]}, "reserved word"),
        ({"name": "t1", "columns": [{"name": "a", "type": "VARCHAR2(4001 BYTE)", "description": "d"}]}, "CLOB"),
        ({"name": "t1", "columns": [{"name": "a", "type": "TEXT", "description": "d"}]}, "expected VARCHAR2"),
        (
            {"name": "t1", "columns": [{"name": "a", "type": "VARCHAR2(9 BYTE)", "ref": "t2", "description": "d"}]},
            "listed before",
        ),
    ],
)
def test_catalogue_rules_name_table_and_column(table: dict, expected: str) -> None:
    with pytest.raises(CatalogueError, match=expected):
        parse_catalogue(_doc(table))


def test_oracle_types_round_trip() -> None:
    for text in ("VARCHAR2(12 BYTE)", "NUMBER(12,2)", "NUMBER(1)", "DATE", "TIMESTAMP(0)", "CLOB", "BLOB"):
        assert OracleType.parse(text).oracle == text
    assert len(oracle_ddl(load_catalogue())) == len(load_catalogue().tables)
