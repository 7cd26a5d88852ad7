"""Read one CSV file of a vendor export into the raw layer: the format reader beside ndjson and xlsx.

Real exports are not RFC 4180 (research/sources-round2.md §4): a Windows tool writes cp1252 or UTF-8
with a byte-order mark, a European locale writes `;`, a report writer puts a title line above the
header, a note holds line breaks inside quotes, and one hand-edited row has a quote that never closes.
This reader:

- decodes the file by the declared encoding, or detects it — a BOM (UTF-8 or UTF-16), UTF-16 without a BOM
  by where its NUL bytes fall (or refused naming the file), strict UTF-8, UTF-8 with a few cp1252 lines
  (transcoded, `encoding_repaired` per cell), else charset-normalizer among cp1252 and latin-1 — and
  records the encoding on every row (`_source_encoding`) and in the notes;
- (with the XLSX reader, sources/tabular.py) repairs mojibake (UTF-8 that went through cp1252 once,
  `JosÃ©`) in each text cell with ftfy and reports it per cell (`mojibake_repaired`);
- takes the delimiter and quote the customer or the system declares, else detects the delimiter among
  `,` `;` tab `|`; finds the header as the declared line or the first line holding the key column;
- keeps quoted multi-line fields whole, numbering each record by the line it starts on;
- quarantines a record whose quoting is broken (or whose field count differs from the header's): that
  line is stored with a row-level read issue and its text, and reading resumes on the next line, so
  every other row loads.

Problems name the file, the line and the column, never a value.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from charset_normalizer import from_bytes

from sources.base import RawReadError, RawReadResult, ResourceSpec
from sources.raw_contract import ReadOptions, Writer
from sources.tabular import (
    BROKEN_QUOTING,
    ROW_FIELD,
    DeliveredRow,
    header_key,
    match_header,
    missing_columns,
    write_rows,
)

_DELIMITERS = ",;\t|"
# How far the delimiter vote looks: records, and the physical lines they may span (multi-line notes).
_SNIFF_RECORDS = 50
_SNIFF_LINES = 2000
_HEADER_SEARCH_LINES = 20
# A quoted field longer than this many lines is taken for a quote that never closes (a clinical note
# with a thousand line breaks is not a realistic cell); the record's first line is then quarantined.
MAX_RECORD_LINES = 1000
# charset-normalizer chooses among these when the bytes are not UTF-8 (NZ/AU/UK Windows exports).
_SINGLE_BYTE = ["cp1252", "latin_1"]
# The UTF-16 names a system's profile or a customer may declare (the BOM or the NUL bytes say the order for
# plain `utf-16`).
UTF16_NAMES = ("utf-16", "utf-16-le", "utf-16-be")
# How much of a file the UTF-16 (NUL-byte) test looks at.
_NUL_SAMPLE_BYTES = 4096
_ENCODING_NAMES = {"cp1252": "cp1252", "windows_1252": "cp1252", "latin_1": "latin-1", "iso8859_1": "latin-1"}
WRONG_FIELD_COUNT = "wrong_field_count"
ENCODING_REPAIRED = "encoding_repaired"


@dataclass(frozen=True)
class Decoded:
    """A file's text, the encoding recorded for it, notes, and the lines (from 1) that were cp1252 in
    an otherwise UTF-8 file (a Windows tool appended to it), transcoded and reported per cell."""

    text: str
    encoding: str
    notes: tuple[str, ...] = ()
    transcoded_lines: frozenset[int] = frozenset()


def decode(data: bytes, declared: str | None, shown: str) -> Decoded:
    """Decode a CSV file. `declared` None detects: a BOM (UTF-8 or UTF-16), UTF-16 without a BOM (by where its
    NUL bytes fall), strict UTF-8, UTF-8 with a few cp1252 lines, else charset-normalizer among cp1252/latin-1.
    Bytes the declared (or detected) encoding cannot decode are refused naming the line; a file whose NUL
    bytes say UTF-16 while a single-byte encoding or UTF-8 is declared is refused naming what was expected."""
    if data.startswith(codecs.BOM_UTF8) and declared in (None, "utf-8", "utf-8-sig"):
        note = "the file starts with a UTF-8 byte-order mark; read as UTF-8 without it"
        return Decoded(_strict(data[len(codecs.BOM_UTF8) :], "utf-8", shown), "utf-8", (note,))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and declared in (None, *UTF16_NAMES):
        # Windows' "Unicode text": without this, detection would take its bytes for a single-byte code page
        # and every other character would be NUL (a header still matches: header_key drops them). The BOM
        # says the byte order, whichever UTF-16 was declared.
        note = "the file starts with a UTF-16 byte-order mark; read as UTF-16"
        return Decoded(_strict(data, "utf-16", shown), "utf-16", (note,))
    order = utf16_byte_order(data)
    if declared in (None, *UTF16_NAMES) and (order is not None or declared in UTF16_NAMES):
        return _utf16_without_bom(data, declared, order, shown)
    if order is not None or (declared is None and _mostly_nul(data)):
        # A cp1252 or UTF-8 reading would keep every other character as a NUL (and a header would still
        # match, header_key drops them), so the rows would load as text full of NULs. A stray NUL in a
        # cell is not this: that file loads as before.
        found = f"UTF-16 ({order.upper()}) without a byte-order mark" if order else "UTF-16 of no clear byte order"
        expected = f"{declared} text as declared" if declared else "UTF-8, cp1252, latin-1 or UTF-16 text"
        raise RawReadError(
            shown,
            [
                f"{shown}: the bytes look like {found}; expected {expected} "
                "(declare source.<run>.encoding: utf-16-le or utf-16-be in customer.yaml if it is UTF-16)"
            ],
        )
    if declared is not None:
        encoding = "utf-8" if declared == "utf-8-sig" else declared
        return Decoded(_strict(data, encoding, shown), encoding)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    mixed = _mixed(data)
    if mixed is not None:
        return mixed
    best = from_bytes(data, cp_isolation=_SINGLE_BYTE).best()
    encoding = _ENCODING_NAMES.get(best.encoding, best.encoding) if best is not None else "cp1252"
    note = f"the file is not UTF-8; detected {encoding} and read as such"
    return Decoded(_strict(data, encoding, shown), encoding, (note,))


def _mostly_nul(data: bytes) -> bool:
    sample = data[:_NUL_SAMPLE_BYTES]
    return sample.count(0) > 0.1 * len(sample)


def utf16_byte_order(data: bytes) -> str | None:
    """The byte order, "utf-16-le" or "utf-16-be", when the first bytes are UTF-16 without a BOM, else None:
    text that is mostly ASCII, as an export's header and ids are, has a NUL in most odd positions (little-endian: `a\0`)
    or most even ones (big-endian: `\0a`), and almost none in the others. A file with NULs in both, or too
    few to tell, is not called UTF-16."""
    sample = data[:_NUL_SAMPLE_BYTES]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd > 0.6 * pairs and even < 0.05 * pairs:
        return "utf-16-le"
    if even > 0.6 * pairs and odd < 0.05 * pairs:
        return "utf-16-be"
    return None


def _utf16_without_bom(data: bytes, declared: str | None, order: str | None, shown: str) -> Decoded:
    """UTF-16 without a BOM: read in the byte order declared (utf-16-le/-be) or, for `utf-16` or none,
    the one its NUL bytes show; a declared order the bytes contradict, or no order to tell, is refused."""
    wanted = declared if declared in ("utf-16-le", "utf-16-be") else order
    if wanted is None:
        raise RawReadError(
            shown,
            [
                f"{shown}: UTF-16 declared but the file has no byte-order mark and its byte order cannot be told; "
                "expected a byte-order mark (declare source.<run>.encoding: utf-16-le or utf-16-be)"
            ],
        )
    if order is not None and order != wanted:
        raise RawReadError(shown, [f"{shown}: {wanted} declared but the bytes are {order} (expected {wanted} text)"])
    note = f"UTF-16 without a byte-order mark; read as {wanted.upper()}" + ("" if declared else " (detected)")
    return Decoded(_strict(data, wanted, shown), wanted, (note,))


def _mixed(data: bytes) -> Decoded | None:
    """UTF-8 text with some cp1252 lines: only when other lines hold UTF-8 beyond ASCII (otherwise the
    whole file is single-byte) and every other line decodes as cp1252."""
    lines = data.splitlines(keepends=True)
    parts: list[str] = []
    transcoded: set[int] = set()
    wide_utf8 = False
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8")
            wide_utf8 = wide_utf8 or not raw.isascii()
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                return None
            transcoded.add(number)
        parts.append(text)
    if not wide_utf8:
        return None
    note = f"UTF-8 with {len(transcoded)} cp1252 lines; those lines transcoded and reported (encoding_repaired)"
    return Decoded("".join(parts), "utf-8", (note,), frozenset(transcoded))


def _strict(data: bytes, encoding: str, shown: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RawReadError(shown, [f"{shown}: line {line}: bytes are not {encoding} text"]) from None


def physical_lines(text: str) -> list[tuple[int, str]]:
    return list(enumerate(io.StringIO(text, newline=""), start=1))


def sniff_delimiter(lines: list[tuple[int, str]], quote: str) -> str:
    """The delimiter among , ; tab | that splits the most of the first records into the same number (≥ 2)
    of fields — records as `records` reads them, so quoted delimiters and multi-line notes count once;
    ties go to the more fields, then to the order above. A report writer's title line above the header
    ("Patient list, all sites") splits differently from the rows, so the rows outvote it (csv.Sniffer
    reads such a file as comma-separated)."""
    best: tuple[int, int, int] = (0, 0, 0)
    chosen = ","
    for rank, delimiter in enumerate(_DELIMITERS):
        counts: Counter[int] = Counter()
        for _number, fields, _text in islice(records(lines[:_SNIFF_LINES], delimiter, quote), _SNIFF_RECORDS):
            if fields is not None and len(fields) > 1:  # a record this delimiter does not split says nothing
                counts[len(fields)] += 1
        if not counts:
            continue
        fields_per_record, agreeing = max(counts.items(), key=lambda item: (item[1], item[0]))
        score = (agreeing, fields_per_record, -rank)
        if score > best:
            best, chosen = score, delimiter
    return chosen


def _parse(buffer: str, delimiter: str, quote: str) -> list[str] | None:
    """The fields of one logical record, or None when its quoting is broken."""
    try:
        rows = list(csv.reader(io.StringIO(buffer, newline=""), delimiter=delimiter, quotechar=quote, strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def records(
    lines: list[tuple[int, str]], delimiter: str, quote: str, start: int = 0
) -> Iterator[tuple[int, list[str] | None, str]]:
    """(line the record starts on, fields or None when its quoting is broken, its text) from position
    `start`. Blank lines are skipped. A record whose quote never closes is yielded broken with only its
    first line; the lines after it are read again as records of their own."""
    index = start
    while index < len(lines):
        number, first = lines[index]
        if not first.strip():
            index += 1
            continue
        end, buffer = index, first
        while buffer.count(quote) % 2 == 1 and end + 1 < len(lines) and end - index < MAX_RECORD_LINES:
            end += 1
            buffer += lines[end][1]
        fields = None if buffer.count(quote) % 2 == 1 else _parse(buffer, delimiter, quote)
        if fields is None:
            yield number, None, first
            index += 1
            continue
        yield number, fields, buffer
        index = end + 1


def _header_position(
    lines: list[tuple[int, str]], spec: ResourceSpec, options: ReadOptions, delimiter: str, quote: str, shown: str
) -> tuple[int, list[str]]:
    """(index of the line after the header, header cells)."""
    if options.header_line is not None:
        index = options.header_line - 1
        if index >= len(lines):
            raise RawReadError(shown, [f"{shown}: line {options.header_line}: no such line for the header"])
        fields = _parse(lines[index][1], delimiter, quote)
        if fields is None:
            raise RawReadError(shown, [f"{shown}: line {options.header_line}: the header's quoting is broken"])
        return index + 1, match_header(spec, [f.strip() for f in fields])
    wanted = spec.key or next(iter(spec.fields))
    for index, (_number, line) in enumerate(lines[:_HEADER_SEARCH_LINES]):
        fields = _parse(line, delimiter, quote) if line.strip() else None
        if fields is not None and header_key(wanted) in (header_key(f) for f in fields):
            return index + 1, match_header(spec, [f.strip() for f in fields])
    raise RawReadError(
        shown,
        [
            f"{shown}: no header line holding column {wanted!r} in the first {_HEADER_SEARCH_LINES} lines "
            "(set source.<run>.read.header_line if the header names its columns otherwise)"
        ],
    )


def read_csv_resource(
    path: Path, spec: ResourceSpec, *, write: Writer, shown_file: str | None = None, options: ReadOptions | None = None
) -> RawReadResult:
    """Read the CSV file `path` as resource `spec` through `write` (sources/raw_contract.py). Raises
    RawReadError naming file, line and column for a missing file, undecodable bytes, a header without the
    spec's columns or dates in an undeclared format; a broken row is quarantined, not refused."""
    options = options or ReadOptions(encoding=None)
    shown = shown_file or str(path)
    if not path.is_file():
        raise RawReadError(shown, [f"{shown}: file missing (expected one file per resource; the export is incomplete)"])
    decoded = decode(path.read_bytes(), options.encoding, shown)
    return read_csv_decoded(decoded, spec, write=write, shown=shown, options=options)


def read_csv_decoded(
    decoded: Decoded, spec: ResourceSpec, *, write: Writer, shown: str, options: ReadOptions
) -> RawReadResult:
    """The CSV reader after decoding: for a family reader that decodes a file its own way (a SQL Server
    extract's UTF-16, or the code page its table definitions declare, sources/sqlserver/)."""
    encoding, notes = decoded.encoding, decoded.notes
    lines = physical_lines(decoded.text)
    quote = options.quote or '"'
    delimiter = options.delimiter or sniff_delimiter(lines, quote)
    start, header = _header_position(lines, spec, options, delimiter, quote, shown)
    missing = missing_columns(spec, header)
    if missing:
        raise RawReadError(shown, [f"{shown}: column {name!r} missing from the header" for name in missing])

    def delivered() -> Iterator[DeliveredRow]:
        for number, fields, raw_text in records(lines, delimiter, quote, start):
            if fields is None:
                yield DeliveredRow(number, {}, encoding, problem=BROKEN_QUOTING, text=raw_text)
                continue
            if len(fields) != len(header):
                yield DeliveredRow(number, {}, encoding, problem=WRONG_FIELD_COUNT, text=raw_text)
                continue
            cells = dict(zip(header, fields, strict=True))
            spanned = range(number, number + raw_text.count("\n") + (0 if raw_text.endswith("\n") else 1))
            if decoded.transcoded_lines and any(line in decoded.transcoded_lines for line in spanned):
                repaired = [
                    f"{n}:{ENCODING_REPAIRED}" for n, v in cells.items() if n in spec.fields and not v.isascii()
                ]
                yield DeliveredRow(number, cells, "cp1252", repaired or [f"{ROW_FIELD}:{ENCODING_REPAIRED}"])
                continue
            yield DeliveredRow(number, cells, encoding)

    result = write_rows(delivered(), spec, options, shown=shown, write=write)
    return RawReadResult(result.source_file, result.records, result.issues, (*result.notes, *notes))
