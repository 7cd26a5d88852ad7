"""A delivered tabular dump as {table name: DataFrame of strings}: the one seam the proposer reads through.

The source contract of the tabular-sources issue (sources/readers) will own CSV and XLSX reading for the
pipeline; until it lands, profiling reads the dump here, every cell as delivered text (never inferred
types: "007" and "25/03/1980" must reach the profiler unchanged). Swap `read_tables` for the contract's
readers when they exist; nothing else in `proposals/` opens a file of the dump.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import polars as pl

CSV_SUFFIX = ".csv"
XLSX_SUFFIX = ".xlsx"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class DumpReadError(Exception):
    """A dump that cannot be read as tables; the message names the file and what was expected, never a value."""


def read_tables(path: Path, encoding: str = "utf-8") -> dict[str, pl.DataFrame]:
    """A folder of CSV files (table = file stem) or one XLSX workbook (table = sheet name) → every
    column as text, empty cells null, in delivered column order."""
    if path.is_dir():
        return {p.stem: _read_csv(p, encoding) for p in _csv_files(path)}
    if path.suffix.lower() == XLSX_SUFFIX:
        return _read_xlsx(path)
    raise DumpReadError(f"{path}: expected a folder of CSV files or an .xlsx workbook")


def _csv_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == CSV_SUFFIX and p.is_file())
    if not files:
        raise DumpReadError(f"{folder}: expected CSV files (one per table) in the folder, found none")
    return files


def _csv_bytes(path: Path, encoding: str) -> bytes | Path:
    """Polars reads UTF-8 only: another declared encoding (a customer's `encoding: cp1252`) is decoded here."""
    if encoding in {"utf-8", "utf8"}:
        return path
    return path.read_bytes().decode(encoding).encode("utf-8")


def _read_csv(path: Path, encoding: str, rows: int | None = None) -> pl.DataFrame:
    try:
        frame = pl.read_csv(_csv_bytes(path, encoding), infer_schema=False, n_rows=rows)
    except (pl.exceptions.ComputeError, UnicodeDecodeError) as exc:
        raise DumpReadError(f"{path.name}: not a readable CSV file in {encoding} ({type(exc).__name__})") from None
    return frame.with_columns(
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns
    )


def _parse_part(path: Path, member: str, data: bytes) -> ElementTree.Element:
    """One XML part of the workbook. Office Open XML parts carry no DTD (ECMA-376 part 2, OPC), so a part
    declaring one is refused before parsing: no entity expansion, no external entity is ever read."""
    if not data:
        raise DumpReadError(f"{path.name}: {member} is missing or empty")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise DumpReadError(f"{path.name}: {member} declares a DTD, which an .xlsx part never does")
    return ElementTree.fromstring(data)  # noqa: S314 - DTD-free by the check above; expat resolves nothing external


def _column_index(reference: str) -> int:
    """`BC12` → the zero-based column index of BC."""
    letters = re.match(r"[A-Z]+", reference)
    index = 0
    for char in letters.group(0) if letters else "A":
        index = index * 26 + ord(char) - 64
    return index - 1


def _read_xlsx(path: Path) -> dict[str, pl.DataFrame]:
    """Sheets of an Office Open XML workbook (ECMA-376 part 1 §18), read with the standard library:
    shared and inline strings and numbers as their stored text; the first row is the header."""
    try:
        book = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise DumpReadError(f"{path.name}: not an .xlsx workbook (not a zip package)") from None
    with book:
        names = set(book.namelist())
        for required in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            if required not in names:
                raise DumpReadError(f"{path.name}: not an .xlsx workbook ({required} is missing)")
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            root = _parse_part(path, "xl/sharedStrings.xml", book.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{_MAIN}t")) for si in root.iter(f"{_MAIN}si")]
        rels = _parse_part(path, "xl/_rels/workbook.xml.rels", book.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
        workbook = _parse_part(path, "xl/workbook.xml", book.read("xl/workbook.xml"))
        tables = {}
        for sheet in workbook.iter(f"{_MAIN}sheet"):
            target = targets.get(sheet.get(f"{_REL}id"), "").lstrip("/")
            member = target if target.startswith("xl/") else f"xl/{target}"
            if member not in names:
                raise DumpReadError(f"{path.name}: sheet {sheet.get('name')!r} has no worksheet part")
            tables[sheet.get("name", member)] = _sheet_frame(_parse_part(path, member, book.read(member)), shared)
    return tables


def _sheet_frame(root: ElementTree.Element, shared: list[str]) -> pl.DataFrame:
    rows: list[dict[int, str]] = []
    for row in root.iter(f"{_MAIN}row"):
        cells: dict[int, str] = {}
        for cell in row.iter(f"{_MAIN}c"):
            kind = cell.get("t")
            if kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter(f"{_MAIN}t"))
            else:
                value = cell.find(f"{_MAIN}v")
                text = value.text if value is not None and value.text is not None else ""
                if kind == "s" and text:
                    text = shared[int(text)]
            if text.strip():
                cells[_column_index(cell.get("r", "A"))] = text
        rows.append(cells)
    if not rows:
        return pl.DataFrame()
    header = rows[0]
    width = max(header) + 1 if header else 0
    names = [header.get(i) or f"column_{i + 1}" for i in range(width)]
    data = {name: [r.get(i) for r in rows[1:]] for i, name in enumerate(names)}
    return pl.DataFrame(data, schema=dict.fromkeys(names, pl.String))


def dump_layout(path: Path, encoding: str = "utf-8") -> dict[str, list[str]]:
    """Table → column names of a dump, without reading its rows (CSV headers; a workbook's first rows)."""
    if path.is_dir():
        return {file.stem: _read_csv(file, encoding, rows=0).columns for file in _csv_files(path)}
    return {name: frame.columns for name, frame in read_tables(path, encoding).items()}
