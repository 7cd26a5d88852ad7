"""Read one newline-delimited JSON resource file into DuckDB, typed, with per-record provenance.

The fast path is DuckDB's JSON reader with declared column types. When it refuses a file (broken
JSON, a value of the wrong type, bytes that are not UTF-8), a diagnostic pass reads the file line by
line in Python to name the file, the record and the field, and what was expected — DuckDB's own
message is never shown because it quotes the offending value, which may be personal data.

Records are numbered from 1 in file order, blank lines not counted. Lines that are not UTF-8 but
decode as cp1252 (a Windows export slipped into the dump) are kept, transcoded, and reported per
field as `encoding_repaired`, so a practice's patient is never dropped for an accent.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb

from sources.base import FieldType, RawReadError, RawReadResult, ReadIssue, ResourceSpec
from sources.raw_contract import RECORD_COLUMN, ParsedFile, ReadOptions, Writer

_MAX_PROBLEMS = 100
UTF8_BOM = b"\xef\xbb\xbf"
BOM_NOTE = "the file starts with a UTF-8 byte-order mark; read as UTF-8 without it"
# Read-issue codes (mappings/issues.py has their sentences) and the per-field flag columns behind them.
UNEXPECTED_SHAPE = "unexpected_shape"
NUL_REMOVED = "nul_removed"
SHAPE_FLAG = "__shape__"
NUL_FLAG = "__nul__"
# A treatment note or custom-field blob can be large; DuckDB's default object limit is 16 MB.
_MAX_OBJECT_BYTES = 64 * 1024 * 1024


def _column_types(spec: ResourceSpec) -> str:
    parts = []
    for name, kind in spec.fields.items():
        sql_type = "STRUCT(links STRUCT(self VARCHAR))" if kind is FieldType.LINK else kind.duckdb_type
        # DuckDB rounds 1.5 into a BIGINT column silently; read as DOUBLE, the select refuses a fraction
        # (and a link object without links.self), so the diagnostic pass names the record and field.
        parts.append(f"'{name}': '{'DOUBLE' if kind is FieldType.INTEGER else sql_type}'")
    return "{" + ", ".join(parts) + "}"


def _select_list(spec: ResourceSpec) -> str:
    columns = []
    for name, kind in spec.fields.items():
        quoted = f'"{name}"'
        if kind is FieldType.LINK:
            # A link object without links.self would read as null, silently; refuse it like a fraction.
            columns.append(
                f"case when {quoted} is not null and {quoted}.links.self is null then error('link') "
                f"else {quoted}.links.self end as {quoted}"
            )
        elif kind is FieldType.INTEGER:
            # The error's text is never shown: the refusal sends the file to the diagnostic pass.
            columns.append(
                f"case when {quoted} is null or {quoted} = trunc({quoted}) then {quoted}::BIGINT "
                f"else error('fraction') end as {quoted}"
            )
        else:
            columns.append(quoted)
    return ", ".join(columns)


def _parsed(spec: ResourceSpec, path: Path) -> ParsedFile:
    """The spec's fields of every record of one file, in file order, and the record's JSON text.

    Both scans read the same file in file order (blank lines skipped by both), so a positional join
    pairs each record's typed columns with its own text."""
    return ParsedFile(
        f"select * from (select {_select_list(spec)} "
        f"from read_json(?, format='newline_delimited', records=true, columns={_column_types(spec)}, "
        f"maximum_object_size={_MAX_OBJECT_BYTES})) "
        f"positional join (select json as {RECORD_COLUMN} "
        f"from read_json_objects(?, format='newline_delimited', maximum_object_size={_MAX_OBJECT_BYTES}))",
        [str(path), str(path)],
    )


def _numbered(parsed: ParsedFile, spec: ResourceSpec) -> str:
    """The parsed records with their record number (from 1, in file order) and, per checked field, a
    flag: `__shape__<f>` (false: a nested field without its documented shape) and `__nul__<f>` (a
    string holding a NUL character)."""
    flags = [f'{shape.conforms_sql(quote(name))} as "{SHAPE_FLAG}{name}"' for name, shape in spec.shapes.items()]
    flags += [f'contains({quote(name)}, chr(0)) as "{NUL_FLAG}{name}"' for name in _string_fields(spec)]
    return f"select rowid + 1 as _source_record, *{''.join(', ' + f for f in flags)} from {parsed.table}"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _string_fields(spec: ResourceSpec) -> list[str]:
    return [name for name, kind in spec.fields.items() if kind is FieldType.STRING]


def _checked_columns(spec: ResourceSpec, prior_issues: str) -> str:
    """`_read_issues` (the prior issues plus `field:unexpected_shape` / `field:nul_removed`) and the
    spec's fields, a mis-shaped nested field as null and NUL characters removed from strings. The
    record keeps every other value: a patient is not lost for one malformed field."""
    items = [prior_issues]
    items += [f"case when r.\"{SHAPE_FLAG}{n}\" is false then '{n}:{UNEXPECTED_SHAPE}' end" for n in spec.shapes]
    items += [f"case when r.\"{NUL_FLAG}{n}\" then '{n}:{NUL_REMOVED}' end" for n in _string_fields(spec)]
    replaced = [
        f'case when r."{SHAPE_FLAG}{n}" is false then null else r.{quote(n)} end as {quote(n)}' for n in spec.shapes
    ]
    replaced += [
        f"case when r.\"{NUL_FLAG}{n}\" then replace(r.{quote(n)}, chr(0), '') else r.{quote(n)} end as {quote(n)}"
        for n in _string_fields(spec)
    ]
    flags = [f'"{SHAPE_FLAG}{n}"' for n in spec.shapes] + [f'"{NUL_FLAG}{n}"' for n in _string_fields(spec)]
    return (
        f"nullif(concat_ws(';', {', '.join(items)}), '') as _read_issues, "
        f"r.* exclude (_source_record{''.join(', ' + f for f in flags)})"
        + (f" replace ({', '.join(replaced)})" if replaced else "")
    )


def _plain_query(spec: ResourceSpec, path: Path, shown_file: str) -> tuple[str, list[object], ParsedFile]:
    parsed = _parsed(spec, path)
    sql = (
        "select r._source_record, ?::varchar as _source_file, 'utf-8' as _source_encoding, "
        f"{_checked_columns(spec, 'null::varchar')} from ({_numbered(parsed, spec)}) r"
    )
    return sql, [shown_file], parsed


def _repaired_query(
    spec: ResourceSpec, path: Path, shown_file: str, encoding: str, records: list[int], items: list[str]
) -> tuple[str, list[object], ParsedFile]:
    """Like the plain query, over a transcoded copy: transcoded records carry 'cp1252' and their
    issues ("field:code;…") in `_read_issues`; the others carry the dump's declared encoding."""
    parsed = _parsed(spec, path)
    sql = (
        "select r._source_record, ?::varchar as _source_file, "
        "case when i.rec is null then ? else 'cp1252' end as _source_encoding, "
        f"{_checked_columns(spec, 'i.item')} from ({_numbered(parsed, spec)}) r "
        "left join (select unnest(?::bigint[]) as rec, unnest(?::varchar[]) as item) i on r._source_record = i.rec"
    )
    return sql, [shown_file, encoding, records, items], parsed


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        links = value.get("links")
        if set(value) == {"links"} and isinstance(links, dict) and isinstance(links.get("self"), str):
            return "link"
        return "object"
    return type(value).__name__


def _records(path: Path, encoding: str) -> Iterator[tuple[int, bytes, str | None, str | None]]:
    """Yield (record number, raw line, decoded text or None, encoding used) for each non-blank line."""
    number = 0
    with path.open("rb") as handle:
        for raw in handle:
            if number == 0:
                raw = raw.removeprefix(UTF8_BOM)
            if not raw.strip():
                continue
            number += 1
            try:
                yield number, raw, raw.decode(encoding), encoding
            except UnicodeDecodeError:
                if encoding == "utf-8":
                    try:
                        yield number, raw, raw.decode("cp1252"), "cp1252"
                        continue
                    except UnicodeDecodeError:
                        pass
                yield number, raw, None, None


def _non_ascii_fields(record: dict) -> list[str]:
    return [k for k, v in record.items() if isinstance(v, str) and not v.isascii()] or [
        k for k, v in record.items() if isinstance(v, dict | list) and not json.dumps(v, ensure_ascii=False).isascii()
    ]


def diagnose(path: Path, spec: ResourceSpec, shown_file: str, encoding: str = "utf-8") -> tuple[list[str], list[int]]:
    """Name every problem in a resource file (up to a cap). Returns (problems, cp1252 record numbers).

    Problems never quote values: only the file, the record number, the field and the expected and
    found JSON types.
    """
    problems: list[str] = []
    transcoded: list[int] = []
    for number, _raw, text, used in _records(path, encoding):
        if len(problems) >= _MAX_PROBLEMS:
            problems.append(f"{shown_file}: stopped after {_MAX_PROBLEMS} problems")
            break
        if text is None:
            problems.append(f"{shown_file}: record {number}: bytes are neither UTF-8 nor cp1252 text")
            continue
        if used == "cp1252" and encoding == "utf-8":
            transcoded.append(number)
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(f"{shown_file}: record {number}: not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            problems.append(f"{shown_file}: record {number}: JSON nested too deeply to check")
            continue
        if not isinstance(record, dict):
            problems.append(f"{shown_file}: record {number}: expected a JSON object, found {_json_kind(record)}")
            continue
        for name, kind in spec.fields.items():
            found = _json_kind(record.get(name))
            if found != "null" and found not in kind.json_types:
                expected = " or ".join(sorted(kind.json_types))
                problems.append(f"{shown_file}: record {number}, field {name!r}: expected {expected}, found {found}")
    return problems, transcoded


def _transcoded_copy(path: Path, transcoded: set[int], encoding: str, directory: Path) -> tuple[Path, list[ReadIssue]]:
    """A UTF-8 copy of the file with the cp1252 lines transcoded; an issue per affected field."""
    issues: list[ReadIssue] = []
    target = directory / (path.name + ".utf8")
    with target.open("w", encoding="utf-8") as out:
        for number, _raw, text, _used in _records(path, encoding):
            assert text is not None  # diagnose() already refused undecodable lines
            out.write(text if text.endswith("\n") else text + "\n")
            if number in transcoded:
                try:
                    fields = _non_ascii_fields(json.loads(text))
                except RecursionError:
                    fields = []
                for field_name in fields or ["(record)"]:
                    issues.append(
                        ReadIssue(number, field_name, "encoding_repaired", "bytes were cp1252, not UTF-8; transcoded")
                    )
    return target, issues


def _cp1252_records(path: Path) -> list[int] | None:
    """Record numbers of the lines that are cp1252 rather than UTF-8; None when a line is neither."""
    transcoded = []
    for number, _raw, text, used in _records(path, "utf-8"):
        if text is None:
            return None
        if used == "cp1252":
            transcoded.append(number)
    return transcoded


def _write_transcoded(
    path: Path, spec: ResourceSpec, shown: str, encoding: str, transcoded: list[int], write: Writer
) -> tuple[int, list[ReadIssue]]:
    """Write the rows of a UTF-8 copy of the file with `transcoded` records reported per field.
    Raises duckdb.Error when DuckDB refuses the copy too."""
    with tempfile.TemporaryDirectory(prefix="raw-transcode-") as tmp:
        copy, issues = _transcoded_copy(path, set(transcoded), encoding, Path(tmp))
        per_record: dict[int, list[str]] = {}
        for issue in issues:
            per_record.setdefault(issue.record, []).append(f"{issue.field}:{issue.code}")
        records = write(
            *_repaired_query(spec, copy, shown, encoding, list(per_record), [";".join(v) for v in per_record.values()])
        )
    return records, issues


def _starts_with_bom(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(UTF8_BOM)) == UTF8_BOM


def read_ndjson_resource(
    path: Path, spec: ResourceSpec, *, write: Writer, shown_file: str | None = None, options: ReadOptions | None = None
) -> RawReadResult:
    """Read `path` through `write(select_sql, params, parsed)`, which stores the rows in one transaction.

    The select yields `_source_record`, `_source_file`, `_source_encoding`, `_read_issues`, then the
    spec's fields and `_record` (the whole record as delivered, JSON). Raises RawReadError (file,
    record, field, expectation) when the file cannot be read as delivered; the writer's transaction
    is then rolled back and nothing changes.
    """
    shown = shown_file or str(path)
    # NDJSON is UTF-8 (RFC 8259 §8.1); a dump declared cp1252 is read as such, otherwise stray
    # cp1252 lines are transcoded and reported below.
    options = options or ReadOptions()
    encoding = options.encoding or "utf-8"
    if not path.exists():
        raise RawReadError(shown, [f"{shown}: file missing (expected one file per resource; the dump is incomplete)"])
    if _starts_with_bom(path):
        # A Windows editor's byte-order mark: the text is UTF-8; DuckDB's reader refuses the first line.
        with tempfile.TemporaryDirectory(prefix="raw-bom-") as tmp:
            copy = Path(tmp) / path.name
            with path.open("rb") as source, copy.open("wb") as target:
                source.read(len(UTF8_BOM))
                shutil.copyfileobj(source, target)
            result = read_ndjson_resource(copy, spec, write=write, shown_file=shown, options=options)
        return replace(result, notes=(*result.notes, BOM_NOTE))
    if encoding == "utf-8":
        try:
            records = write(*_plain_query(spec, path, shown))
            return RawReadResult(shown, records)
        except duckdb.Error:
            pass
        # The usual refusal is a few cp1252 lines: transcode them and let DuckDB read the copy. Only
        # when that fails too does the diagnostic pass parse every record in Python (~4 s for
        # 100 k patients, bench/) to name the problem without values.
        transcoded = _cp1252_records(path)
        if transcoded:
            try:
                records, issues = _write_transcoded(path, spec, shown, encoding, transcoded, write)
                return RawReadResult(shown, records, tuple(issues))
            except duckdb.Error:
                pass
    problems, transcoded = diagnose(path, spec, shown, encoding)
    if problems:
        raise RawReadError(shown, problems)
    try:
        records, issues = _write_transcoded(path, spec, shown, encoding, transcoded, write)
    except duckdb.Error as exc:
        # The diagnostic pass accepted every record, so this is a reader limitation, not data.
        raise RawReadError(shown, [f"{shown}: DuckDB could not read the file ({type(exc).__name__})"]) from None
    return RawReadResult(shown, records, tuple(issues))
