"""The SQL Server extract family (sources/sqlserver/): a bcp-style and a wizard-style extract of the same
tables load the same raw rows; column types come from the delivered table definitions (an
INFORMATION_SCHEMA export or a CREATE TABLE script); a record with the wrong number of fields is
quarantined with its line number; format files, UTF-16 and the collation's code page are read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from sources.base import FieldType, RawReadError, SourceSystem
from sources.raw_layer import load_raw_resource
from sources.sqlserver import (
    READ_OPTIONS,
    ColumnDefinition,
    SqlServerExtract,
    TableDefinition,
    parse_create_script,
    parse_format_file,
    resource_spec,
)
from store import Warehouse
from synthetic.sqlserver import write_extract

LATIN1 = "Latin1_General_CI_AS"
VISIT = TableDefinition(
    "VISIT",
    (
        ColumnDefinition("VISIT_ID", "bigint"),
        ColumnDefinition("PATIENT_GUID", "uniqueidentifier"),
        ColumnDefinition("SURNAME", "varchar", LATIN1),
        ColumnDefinition("NOTE", "nvarchar", LATIN1),
        ColumnDefinition("BOOKED_AT", "datetime"),
        ColumnDefinition("ARRIVED_AT", "datetime2"),
        ColumnDefinition("PAID_AT", "datetimeoffset"),
        ColumnDefinition("FEE", "money"),
        ColumnDefinition("DISCOUNT", "decimal"),
        ColumnDefinition("IS_CANCELLED", "bit"),
        ColumnDefinition("VISIT_DATE", "date"),
        ColumnDefinition("DURATION", "int"),
    ),
)
NZ = dt.timezone(dt.timedelta(hours=13))
ROWS = [
    {
        "VISIT_ID": 1,
        "PATIENT_GUID": "6F9619FF-8B86-D011-B42D-00C04FC964FF",
        "SURNAME": "Müller",
        "NOTE": "Knee, left",
        "BOOKED_AT": dt.datetime(2026, 3, 2, 9, 0),
        "ARRIVED_AT": dt.datetime(2026, 3, 2, 8, 55, 12, 345678),
        "PAID_AT": dt.datetime(2026, 3, 2, 10, 0, tzinfo=NZ),
        "FEE": Decimal("90.00"),
        "DISCOUNT": Decimal("5.25"),
        "IS_CANCELLED": False,
        "VISIT_DATE": dt.date(2026, 3, 2),
        "DURATION": 45,
    },
    {
        "VISIT_ID": 2,
        "PATIENT_GUID": "7A0A2B6C-0000-4000-8000-000000000002",
        "SURNAME": "Ngata",
        "NOTE": "",  # an empty string, not NULL
        "BOOKED_AT": dt.datetime(2026, 3, 3, 14, 30),
        "ARRIVED_AT": None,
        "PAID_AT": None,
        "FEE": Decimal("0.00"),
        "DISCOUNT": None,
        "IS_CANCELLED": True,
        "VISIT_DATE": dt.date(2026, 3, 3),
        "DURATION": None,
    },
]
SPEC = resource_spec(VISIT, grain="one row per visit", key="visit_id")
SYSTEM = SourceSystem(
    name="sqlfamily",
    title="SQL Server family (test)",
    resources={SPEC.name: SPEC},
    read_resource=SqlServerExtract((SPEC,), {}).read_resource,
    read_options=READ_OPTIONS,
)
FIELDS = list(SPEC.fields)


def _load(tmp_path: Path, folder: Path, name: str = "w") -> list[tuple]:
    warehouse = Warehouse(tmp_path / f"{name}.duckdb")
    load_raw_resource(warehouse, SYSTEM, "visit", folder, "trial")
    with warehouse.connect() as con:
        return con.execute(
            f"select _source_record, _read_issues, {', '.join(FIELDS)} from raw_sqlfamily.visit order by 1"
        ).fetchall()


def test_types_come_from_the_table_definitions() -> None:
    assert SPEC.fields == {
        "visit_id": FieldType.INTEGER,
        "patient_guid": FieldType.TEXT,
        "surname": FieldType.TEXT,
        "note": FieldType.TEXT,
        "booked_at": FieldType.DATETIME,
        "arrived_at": FieldType.DATETIME,
        "paid_at": FieldType.INSTANT,
        "fee": FieldType.DECIMAL,
        "discount": FieldType.DECIMAL,
        "is_cancelled": FieldType.BOOLEAN,
        "visit_date": FieldType.DATE,
        "duration": FieldType.INTEGER,
    }


@pytest.mark.parametrize("definitions", ["information_schema", "script"])
def test_bcp_and_wizard_extracts_of_the_same_tables_load_the_same_rows(tmp_path: Path, definitions: str) -> None:
    write_extract(tmp_path / "bcp", {"VISIT": (VISIT, ROWS)}, style="bcp", definitions=definitions)
    write_extract(tmp_path / "wizard", {"VISIT": (VISIT, ROWS)}, style="wizard", definitions=definitions)
    from_bcp = _load(tmp_path, tmp_path / "bcp", "bcp")
    from_wizard = _load(tmp_path, tmp_path / "wizard", "wizard")
    # The wizard's header is line 1, so its records start one line later; the typed values are the same.
    assert [r[2:] for r in from_bcp] == [r[2:] for r in from_wizard]
    assert [r[0] for r in from_bcp] == [1, 2] and [r[0] for r in from_wizard] == [2, 3]
    first = dict(zip(FIELDS, from_bcp[0][2:], strict=True))
    assert first["surname"] == "Müller"  # cp1252 bytes, read by the Latin1 collation's code page
    assert first["booked_at"] == dt.datetime(2026, 3, 2, 9, 0)  # wall clock: localised later by the mapping
    assert first["arrived_at"] == dt.datetime(2026, 3, 2, 8, 55, 12, 345678)  # datetime2's seven digits
    assert first["paid_at"] == dt.datetime(2026, 3, 1, 21, 0, tzinfo=dt.UTC)  # datetimeoffset: exact
    assert first["fee"] == Decimal("90.0000") and first["is_cancelled"] is False
    assert first["visit_date"] == dt.date(2026, 3, 2) and first["duration"] == 45
    second = dict(zip(FIELDS, from_bcp[1][2:], strict=True))
    assert second["is_cancelled"] is True and second["discount"] is None and second["arrived_at"] is None
    assert all(r[1] is None for r in from_bcp + from_wizard)  # nothing to report


def test_the_raw_table_has_the_definitions_types(tmp_path: Path) -> None:
    write_extract(tmp_path / "x", {"VISIT": (VISIT, ROWS)})
    warehouse = Warehouse(tmp_path / "w.duckdb")
    load_raw_resource(warehouse, SYSTEM, "visit", tmp_path / "x", "trial")
    with warehouse.connect() as con:
        types = dict(con.execute("select column_name, column_type from (describe raw_sqlfamily.visit)").fetchall())
    assert types["booked_at"] == "TIMESTAMP" and types["paid_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["fee"] == "DECIMAL(18,4)" and types["is_cancelled"] == "BOOLEAN" and types["visit_id"] == "BIGINT"


def test_a_definition_that_disagrees_with_the_spec_is_refused_naming_the_column(tmp_path: Path) -> None:
    changed = TableDefinition(
        "VISIT", tuple(ColumnDefinition(c.name, "varchar") if c.name == "FEE" else c for c in VISIT.columns)
    )
    write_extract(tmp_path / "x", {"VISIT": (changed, ROWS)})
    with pytest.raises(RawReadError) as refused:
        _load(tmp_path, tmp_path / "x")
    assert "column FEE: the definition says varchar (text), the source spec reads it as decimal" in str(refused.value)


@pytest.mark.parametrize("style", ["bcp", "wizard"])
def test_a_record_with_the_wrong_number_of_fields_is_quarantined_with_its_line(tmp_path: Path, style: str) -> None:
    paths = write_extract(tmp_path / style, {"VISIT": (VISIT, ROWS)}, style=style)
    data = paths["VISIT"].read_bytes().split(b"\r\n")
    index = 0 if style == "bcp" else 1  # the first record (after the wizard's header)
    data[index] += b"\tleft over" if style == "bcp" else b",left over"
    paths["VISIT"].write_bytes(b"\r\n".join(data))
    rows = _load(tmp_path, tmp_path / style)
    quarantined = [r for r in rows if r[1] == "(row):wrong_field_count"]
    assert [r[0] for r in quarantined] == [index + 1]  # its line number
    assert all(v is None for v in quarantined[0][2:])  # no values typed from a broken record
    assert len(rows) == 2 and rows[1][1] is None  # the other record loads


def test_a_format_file_declares_the_terminators(tmp_path: Path) -> None:
    paths = write_extract(tmp_path / "x", {"VISIT": (VISIT, ROWS)}, terminator="|~|")
    fmt = ["14.0", str(len(VISIT.columns))]
    for n, column in enumerate(VISIT.columns, start=1):
        end = "\\r\\n" if n == len(VISIT.columns) else "|~|"
        fmt.append(f'{n}       SQLCHAR       0       200     "{end}"   {n}     {column.name}     {LATIN1}')
    paths["VISIT"].with_suffix(".fmt").write_text("\r\n".join(fmt) + "\r\n", encoding="ascii")
    parsed = parse_format_file((paths["VISIT"].with_suffix(".fmt")).read_text(), "VISIT.fmt")
    assert (parsed.field, parsed.row, parsed.columns[0]) == ("|~|", "\r\n", "VISIT_ID")
    rows = _load(tmp_path, tmp_path / "x")
    assert [r[2] for r in rows] == [1, 2] and rows[0][4] == "Müller"


def test_undeclared_terminators_are_detected_and_utf16_is_read(tmp_path: Path) -> None:
    write_extract(tmp_path / "x", {"VISIT": (VISIT, ROWS)}, terminator="|", encoding="utf-16-le")
    rows = _load(tmp_path, tmp_path / "x")
    assert [r[2] for r in rows] == [1, 2] and rows[0][4] == "Müller"


def test_a_file_no_terminator_splits_is_refused_saying_how_to_declare_it(tmp_path: Path) -> None:
    paths = write_extract(tmp_path / "x", {"VISIT": (VISIT, ROWS)}, terminator="#")
    assert paths["VISIT"].is_file()
    with pytest.raises(RawReadError) as refused:
        _load(tmp_path, tmp_path / "x")
    assert "no field terminator" in str(refused.value) and "VISIT.fmt" in str(refused.value)


def test_a_create_table_script_as_ssms_writes_it_is_parsed() -> None:
    script = """
    /****** Object:  Table [dbo].[PATIENT]    Script Date: 1/02/2026 ******/
    CREATE TABLE [dbo].[PATIENT](
        [PTNT_ID] [bigint] NOT NULL,
        [PTNT_SURNAME] [nvarchar](50) COLLATE Latin1_General_CI_AS NULL, -- family name
        [PTNT_FEE] [decimal](18, 2) NULL,
        [PTNT_FULL] AS ([PTNT_SURNAME] + ','),
        CONSTRAINT [PK_PATIENT] PRIMARY KEY CLUSTERED ([PTNT_ID] ASC) WITH (PAD_INDEX = OFF) ON [PRIMARY]
    ) ON [PRIMARY]
    GO
    CREATE TABLE dbo.BCASE (OID bigint NOT NULL, OPENED_ON smalldatetime NULL)
    """
    tables = parse_create_script(script, "schema.sql")
    assert [(c.name, c.data_type, c.collation) for c in tables["PATIENT"].columns] == [
        ("PTNT_ID", "bigint", None),
        ("PTNT_SURNAME", "nvarchar", "Latin1_General_CI_AS"),
        ("PTNT_FEE", "decimal", None),
        ("PTNT_FULL", "computed", None),
    ]
    assert tables["BCASE"].columns[1].field_type is FieldType.DATETIME


def test_interbase_ddl_as_isql_extracts_it_is_typed_in_its_dialect() -> None:
    ddl = """CREATE TABLE PATIENT (PATIENT_ID INTEGER NOT NULL,
            FAMILY_NAME VARCHAR(40) CHARACTER SET WIN1252,
            SEEN TIMESTAMP, NOTES BLOB SUB_TYPE TEXT SEGMENT SIZE 80, FEE NUMERIC(15, 2), INACTIVE BOOLEAN,
    CONSTRAINT PK_PATIENT PRIMARY KEY (PATIENT_ID));"""
    interbase = parse_create_script(ddl, "schema.sql", "interbase")["PATIENT"]
    kinds = {c.name: c.field_type for c in interbase.columns}
    assert kinds == {
        "PATIENT_ID": FieldType.INTEGER,
        "FAMILY_NAME": FieldType.TEXT,
        "SEEN": FieldType.DATETIME,  # InterBase's TIMESTAMP is a date and time
        "NOTES": FieldType.TEXT,
        "FEE": FieldType.DECIMAL,
        "INACTIVE": FieldType.BOOLEAN,
    }
    assert interbase.code_page == "cp1252"  # CHARACTER SET WIN1252
    # In SQL Server's dialect `timestamp` is a row version, never a time.
    assert parse_create_script(ddl, "schema.sql")["PATIENT"].columns[2].field_type is FieldType.TEXT
