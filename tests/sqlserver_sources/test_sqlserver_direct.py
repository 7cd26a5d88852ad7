"""The optional direct read from a running SQL Server (sources/sqlserver/direct.py): the connection string's
parsing, the queries, the cell texts and the customer's source block are plain functions tested without a
server; a read through a DB-API double (the rows python-tds returns, as Python values) lands in the raw
layer exactly as the same rows delivered as a bcp extract do. The read against a real server runs only
when MSSQL_TEST_DSN is set (opt-in: no SQL Server runs in CI)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from mssql_double import MssqlDouble, serving
from pydantic import ValidationError

from customers.config import _location
from sources.coverage import files_not_read
from sources.profile import SYSTEM as PROFILE
from sources.profile.settings import SCHEMA as PROFILE_SCHEMA
from sources.profile.settings import SCHEMA_FILE as PROFILE_SCHEMA_FILE
from sources.raw_layer import load_raw_resource, raw_table
from sources.sqlserver.definitions import COLUMNS_HEADER, ColumnDefinition
from sources.sqlserver.direct import (
    MssqlDsn,
    MssqlReadError,
    MssqlSource,
    cell_text,
    columns_query,
    export_tables,
    parse_dsn,
    quote_name,
    select_statement,
    take_server_snapshot,
)
from store import Warehouse, read_partition
from synthetic.sqlserver import write_extract

SECRET = "s3cr%40t"  # percent-encoded "s3cr@t"


def test_the_connection_string_is_parsed_and_its_errors_never_show_it() -> None:
    dsn = parse_dsn(f"mssql://migrator:{SECRET}@db.example.org:14330/PRACTICE?ca_file=/etc/ca.pem", "PM_X__DSN")
    assert (dsn.host, dsn.port, dsn.database, dsn.user, dsn.password, dsn.ca_file) == (
        "db.example.org",
        14330,
        "PRACTICE",
        "migrator",
        "s3cr@t",
        "/etc/ca.pem",
    )
    assert parse_dsn("mssql://sa:pw@localhost/PMPDATA", "V").port == 1433
    assert "s3cr" not in repr(dsn)
    for text, expected in (
        (f"postgres://u:{SECRET}@h/db", "PM_X__DSN: expected scheme mssql://"),
        (f"mssql://u:{SECRET}@h/", "PM_X__DSN: missing database"),
        (f"mssql://u:{SECRET}@h/db?trust=1", "PM_X__DSN: unknown parameter(s) ['trust']"),
        (f"mssql://u:{SECRET}@h:port/db", "PM_X__DSN: not a URL"),
    ):
        with pytest.raises(MssqlReadError) as raised:
            parse_dsn(text, "PM_X__DSN")
        assert str(raised.value).startswith(expected) and "s3cr" not in str(raised.value)


def test_the_queries_quote_names_and_take_values_as_parameters() -> None:
    assert quote_name("odd]name") == "[odd]]name]"
    assert columns_query(["PATIENT", "APPOINTMENT"]) == (
        "SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, COLLATION_NAME "
        "FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = %s AND UPPER(TABLE_NAME) IN (%s, %s) "
        "ORDER BY TABLE_NAME, ORDINAL_POSITION"
    )
    shortcode = PROFILE_SCHEMA["SHORTCODE"]
    assert select_statement(shortcode, "practice") == (
        "SELECT [SHCD_ID], [SHCD_CODE], [SHCD_DESCRIPTION], [SHCD_TYPE], [SHCD_DELETEDID] "
        "FROM [practice].[SHORTCODE] ORDER BY [SHCD_ID]"
    )


def test_each_driver_value_becomes_the_text_the_family_reader_parses() -> None:
    def text(value: object, data_type: str = "varchar") -> str | None:
        return cell_text(value, ColumnDefinition("C", data_type))

    aware = dt.datetime(2026, 4, 5, 9, 0, 0, 123000, tzinfo=dt.timezone(dt.timedelta(hours=10)))
    assert [
        text(None),
        text(True, "bit"),
        text(0, "bit"),
        text(dt.datetime(2026, 4, 5, 9, 0), "datetime"),
        text(aware, "datetimeoffset"),
        text(dt.date(1972, 7, 2), "date"),
        text(Decimal("99.0000"), "money"),
        text(Decimal("1E+2"), "decimal"),
        text(uuid.UUID("3f2504e0-4f89-11d3-9a0c-0305e82c3301"), "uniqueidentifier"),
        text(b"\x01\xab", "varbinary"),
        text("Māori, ü", "nvarchar"),
        text(""),
    ] == [
        None,
        "True",
        "False",
        "2026-04-05 09:00:00.000000",  # a wall-clock time: no offset
        "2026-04-05 09:00:00.123000+10:00",
        "1972-07-02",
        "99.0000",
        "100",  # every digit, never exponent notation
        "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
        "0x01AB",
        "Māori, ü",
        "",
    ]


_PATIENT_VALUES = {
    "PTNT_ID": 1001, "PTNT_PATIENTCODE": "AQ1001", "PTNT_FIRSTNAME": "Avery", "PTNT_SURNAME": "Quill",
    "PTNT_SEX": "F", "PTNT_DOB": dt.datetime(1972, 7, 2), "PTNT_NATIONALNUM": "ZZZ0016", "PTNT_STATUS": 1,
    "PTNT_DELETEDID": 0, "DT_MODIFIED": dt.datetime(2026, 5, 1, 17, 0, 0, 250000),
}  # fmt: skip
_SHORTCODE_VALUES = [
    {
        "SHCD_ID": 41,
        "SHCD_CODE": "WLG",
        "SHCD_DESCRIPTION": "Te Aro – Wellington",
        "SHCD_TYPE": 40,
        "SHCD_DELETEDID": 0,
    },
    {"SHCD_ID": 42, "SHCD_CODE": "", "SHCD_DESCRIPTION": None, "SHCD_TYPE": 12, "SHCD_DELETEDID": 0},
]


def _raw(warehouse: Warehouse, resource: str) -> pl.DataFrame:
    with warehouse.connect(read_only=True) as con:
        frame = read_partition(con, raw_table(PROFILE, resource), "trial")
    spec = PROFILE.resources[resource]
    return frame.select(list(spec.fields)).sort(str(spec.key))


def test_a_direct_read_lands_in_raw_as_the_same_rows_delivered_by_bcp_do(tmp_path: Path) -> None:
    definitions = {"PATIENT": PROFILE_SCHEMA["PATIENT"], "SHORTCODE": PROFILE_SCHEMA["SHORTCODE"]}
    rows = {"PATIENT": [_PATIENT_VALUES], "SHORTCODE": _SHORTCODE_VALUES}
    server = serving(definitions, rows)
    location = MssqlSource(mssql_dsn_env="PM_ACME__MSSQL_DSN")
    opened: list[str] = []

    def open_connection(dsn: MssqlDsn) -> MssqlDouble:
        opened.append(dsn.database)
        return server

    env = {"PM_ACME__MSSQL_DSN": "mssql://migrator:pw@sql.internal/PROFILE"}
    result = take_server_snapshot(location, tmp_path / "extracts", ["PATIENT", "SHORTCODE"], env, open_connection)
    assert opened == ["PROFILE"] and result.rows == {"PATIENT": 1, "SHORTCODE": 2}
    assert result.snapshot == tmp_path / "extracts" / "snapshots" / "0001" and server.closed
    # The snapshot is a delivery of the family: every file a table or a known one (the manifest, definitions).
    assert files_not_read(result.snapshot, PROFILE) == []
    shutil.copytree(result.snapshot, tmp_path / "direct")
    assert all("%s" in s or "ORDER BY" in s for s in server.statements)  # no value is ever in the SQL text
    write_extract(tmp_path / "bcp", {n: (definitions[n], rows[n]) for n in definitions}, style="bcp")
    direct, bcp = Warehouse(tmp_path / "direct.duckdb"), Warehouse(tmp_path / "bcp.duckdb")
    for resource in ("patient", "shortcode"):
        load_raw_resource(direct, PROFILE, resource, tmp_path / "direct", "trial")
        load_raw_resource(bcp, PROFILE, resource, tmp_path / "bcp", "trial")
        assert _raw(direct, resource).equals(_raw(bcp, resource)), resource
    patient = _raw(direct, "patient").row(0, named=True)
    assert patient["ptnt_dob"] == dt.datetime(1972, 7, 2) and patient["dt_modified"].microsecond == 250000
    # The definitions the server gave type the files: an INFORMATION_SCHEMA export beside them.
    assert (
        (tmp_path / "direct" / "INFORMATION_SCHEMA.COLUMNS.csv")
        .read_text(encoding="utf-8")
        .startswith(",".join(COLUMNS_HEADER))
    )


def test_a_table_the_server_lacks_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    server = MssqlDouble({"PATIENT": PROFILE_SCHEMA["PATIENT"]}, {"PATIENT": []})
    with pytest.raises(MssqlReadError, match=r"schema dbo: no table\(s\) \['APPOINTMENT'\]"):
        export_tables(server, ["PATIENT", "APPOINTMENT"], tmp_path / "out")  # type: ignore[arg-type]
    assert not (tmp_path / "out" / "PATIENT.csv").exists()


def test_the_customer_names_the_variable_holding_the_connection_string(tmp_path: Path) -> None:
    source = _location("profile", "trial", {"mssql_dsn_env": "PM_ACME__MSSQL_DSN", "db_schema": "practice"})
    assert source == MssqlSource(mssql_dsn_env="PM_ACME__MSSQL_DSN", db_schema="practice")
    with pytest.raises(ValidationError, match=r"trial\.mssql_dsn_env"):
        _location("profile", "trial", {"mssql_dsn_env": "mssql://sa:pw@host/db"})  # the secret itself: refused
    with pytest.raises(ValidationError):
        _location("medtech", "trial", {"mssql_dsn_env": "PM_ACME__MSSQL_DSN"})  # InterBase: extracts only
    with pytest.raises(MssqlReadError, match=r"^PM_ACME__MSSQL_DSN: not set"):
        take_server_snapshot(source, tmp_path / "extracts", ["PATIENT"], env={})

    def refused(dsn: MssqlDsn) -> None:
        raise ConnectionRefusedError(f"login failed for {dsn.user} with {dsn.password}")

    env = {"PM_ACME__MSSQL_DSN": "mssql://migrator:s3cr3t@sql.internal/PROFILE"}
    with pytest.raises(MssqlReadError) as raised:
        take_server_snapshot(source, tmp_path / "extracts", ["PATIENT"], env, refused)
    assert str(raised.value) == (
        "PM_ACME__MSSQL_DSN: cannot connect to the SQL Server it names (ConnectionRefusedError)"
    )  # the driver's message (which may quote the login) is not passed on
    assert not (tmp_path / "extracts" / "snapshots").exists()


MSSQL_TEST_DSN = os.environ.get("MSSQL_TEST_DSN")


@pytest.mark.skipif(
    not MSSQL_TEST_DSN,
    reason="opt-in: set MSSQL_TEST_DSN=mssql://USER:PASSWORD@HOST[:PORT]/DATABASE[?ca_file=…] (a SQL Server "
    "where the test may create and drop a schema) to read it directly; no SQL Server runs here",
)
def test_a_real_server_is_read_into_a_snapshot_the_family_reader_reads(tmp_path: Path) -> None:
    from sources.sqlserver.direct import connect

    schema = f"pm_test_{uuid.uuid4().hex[:8]}"
    connection = connect(parse_dsn(str(MSSQL_TEST_DSN), "MSSQL_TEST_DSN"))
    cursor = connection.cursor()
    try:
        cursor.execute(f"CREATE SCHEMA {quote_name(schema)}")
        script = PROFILE_SCHEMA_FILE.read_text(encoding="utf-8").split("GO")
        ddl = next(s for s in script if "[dbo].[SHORTCODE]" in s).replace("[dbo]", quote_name(schema))
        cursor.execute(ddl)
        cursor.execute(
            f"INSERT INTO {quote_name(schema)}.[SHORTCODE] VALUES (%s, %s, %s, %s, %s), (%s, %s, %s, %s, %s)",
            [41, "WLG", "Te Aro – Wellington", 40, 0, 42, "", None, 12, 0],
        )
        location = MssqlSource(mssql_dsn_env="MSSQL_TEST_DSN", db_schema=schema)
        result = take_server_snapshot(location, tmp_path / "extracts", ["SHORTCODE"])
        assert result.rows == {"SHORTCODE": 2} and (result.snapshot / "manifest.json").is_file()
        warehouse = Warehouse(tmp_path / "raw.duckdb")
        load_raw_resource(warehouse, PROFILE, "shortcode", result.snapshot, "trial")
        assert _raw(warehouse, "shortcode").to_dicts() == [
            {"shcd_id": 41, "shcd_code": "WLG", "shcd_description": "Te Aro – Wellington", "shcd_type": 40,
             "shcd_deletedid": 0},
            {"shcd_id": 42, "shcd_code": None, "shcd_description": None, "shcd_type": 12, "shcd_deletedid": 0},
        ]  # fmt: skip
    finally:
        cursor.execute(f"DROP TABLE IF EXISTS {quote_name(schema)}.[SHORTCODE]")
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote_name(schema)}")
        connection.close()
