"""The raw layer's write contract, shared by every format reader (ndjson, csv, xlsx) and every system.

A reader never opens the customer's database. It hands the raw layer (sources/raw_layer.py) a
`ParsedFile` — SQL that parses the delivered file into a temporary table — and a select over that
table, through `write(select_sql, params, parsed, check_rows=None)`. The writer parses, then stores the
select's rows as the run kind's partition in one transaction and returns their count; a refusal
anywhere leaves the previous partition exactly as it was.

The select yields, in this order:

    _source_record    where the row was delivered: the record number (NDJSON, from 1), the line its
                      record starts on (CSV, the header is a line too) or the row number in the sheet (XLSX)
    _source_file      the file as shown to a person (a workbook's sheet as `book.xlsx#Sheet`)
    _source_encoding  the text encoding the row was decoded from
    _read_issues      `field:code;…` for values the reader accepted but must report, or null
    <spec fields>     typed as the resource spec declares (sources/base.py FieldType)
    _record           the whole record as delivered (JSON), so any field can be mapped later

Every format reader has one signature (`FormatReader`): the file, the resource spec, the writer, the
name to show and the `ReadOptions` — the system's declared profile with the customer's overrides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from sources.base import RawReadResult, ResourceSpec

# The whole record as delivered, beside the typed columns (DESIGN.md §2: any delivered field can be
# mapped later, e.g. through `json_path` in a customer's mapping_overrides, without re-extracting).
RECORD_COLUMN = "_record"
PROVENANCE_COLUMNS = ("_source_record", "_source_file", "_source_encoding", "_read_issues")


@dataclass(frozen=True)
class ParsedFile:
    """A file's records, parsed into the temporary table `table` before the select that numbers
    and stores them runs. DuckDB parses a file on every core and keeps its order in the table, so
    a record's number is its row's position there; numbering rows with row_number() while reading
    held the whole read to one thread (1 M appointments: 6.6 s → 2.8 s, bench/)."""

    sql: str
    params: list[object]
    table: str = "_raw_parsed"


# write(select_sql, params, parsed) creates the temporary table `parsed.table` from `parsed.sql`,
# stores the rows the select (which reads that table) produces in one transaction, drops the
# temporary table and returns the count. A system may wrap it to check the count before the commit
# (sources/cliniko/dump.py checks it against the manifest).
Writer = Callable[[str, list[object], ParsedFile], int]


# Dates a practice system writes where it has none (research/sources-round2.md §4): read as null,
# each reported as `placeholder_date`.
DEFAULT_DATE_PLACEHOLDERS = ("00/00/0000", "0000-00-00", "01/01/1900", "1900-01-01", "01/01/0001", "0001-01-01")


@dataclass(frozen=True)
class ReadOptions:
    """How to read a delivered file: the system's declared profile, with a customer's overrides applied.

    `encoding` None means detect (BOM, strict UTF-8, then charset-normalizer among cp1252/latin-1); a
    `delimiter`/`quote` None means detect from the first lines; `header_line` None means the first line
    that holds the spec's key column. `date_formats` (strptime) are the only formats dates are parsed in:
    an export's dates in any other shape are an error naming file, column and an example row.
    """

    encoding: str | None = "utf-8"
    delimiter: str | None = None
    quote: str | None = '"'
    header_line: int | None = None
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    datetime_formats: tuple[str, ...] = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
    date_placeholders: tuple[str, ...] = DEFAULT_DATE_PLACEHOLDERS
    repair_mojibake: bool = True

    def overridden(self, **overrides: object) -> ReadOptions:
        """These options with every override that is not None applied (a customer's `read:` block)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]


class FormatReader(Protocol):
    """One format's reader: `path` into the raw layer through `write`, as `shown_file`, with `options`.
    Raises sources.base.RawReadError (file, record/line/row, field/column, expectation) for a file
    that cannot be read as delivered."""

    def __call__(
        self,
        path: Path,
        spec: ResourceSpec,
        *,
        write: Writer,
        shown_file: str | None = None,
        options: ReadOptions | None = None,
    ) -> RawReadResult: ...
