"""Where a customer's source data is, as the customer configuration says it (`source.trial` / `source.live`).

Each source system lists the pydantic models its block may take (`SourceSystem.location_models`);
customers/config.py assembles the `source:` block from the registry, so adding a system never touches
the customer configuration's model. Secrets are never written in a location: only the name of the
environment variable that holds them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sources.raw_contract import ReadOptions

# An environment variable's name (a secret is named, never written, in a configuration).
ENV_NAME_PATTERN = r"^[A-Z_][A-Z0-9_]*$"


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DumpSource(StrictModel):
    """A delivered dump: a folder (relative paths are relative to the configuration file)."""

    dump: Path
    encoding: Literal["utf-8", "cp1252"] = "utf-8"

    def read_options(self, system_options: ReadOptions | None) -> ReadOptions:
        """The system's read options with this location's encoding."""
        return (system_options or ReadOptions()).overridden(encoding=self.encoding)


class ReadOverrides(StrictModel):
    """A customer's corrections of how its export is read, when detection or the system's declared
    profile does not fit this practice's files (README.md, configuration reference)."""

    delimiter: Annotated[str, Field(min_length=1, max_length=1)] | None = None
    quote: Annotated[str, Field(min_length=1, max_length=1)] | None = None
    header_line: Annotated[int, Field(ge=1)] | None = Field(
        default=None,
        description="the line (CSV) or row as Excel numbers it (XLSX) holding the column names (1 = first); "
        "default: found by the key column",
    )
    date_formats: list[str] | None = Field(
        default=None, description="strptime formats of the export's dates, e.g. ['%d/%m/%Y']; replaces the system's"
    )
    datetime_formats: list[str] | None = None


class ExportSource(DumpSource):
    """A vendor export (CSV files or an XLSX workbook) delivered as a folder or one workbook file. Its
    encoding is the system's declared one (most declare none: detected) unless the customer states one
    (`detect` detects even where the system declares an encoding; `utf-16` reads Windows' "Unicode text" in
    the order its byte-order mark or NUL bytes show, `utf-16-le`/`utf-16-be` name the order of a file without
    a mark); `read` overrides the rest of the
    system's declared profile."""

    encoding: (  # type: ignore[assignment]
        Literal["detect", "utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-16-be"] | None
    ) = None
    read: ReadOverrides = Field(default_factory=ReadOverrides)

    def read_options(self, system_options: ReadOptions | None) -> ReadOptions:
        """The system's declared profile with this customer's encoding and overrides."""
        read = self.read
        profile = system_options or ReadOptions(encoding=None)
        # An old desktop system's cp1252 export cannot be told from UTF-8 by its bytes alone when the
        # only non-ASCII text is mojibake (`MÃ¼ller` is valid UTF-8 as cp1252 bytes): its declared
        # encoding holds unless the customer says otherwise (sources/comsense/README.md).
        encoding = {None: profile.encoding, "detect": None}.get(self.encoding, self.encoding)
        base = replace(profile, encoding=encoding)
        return base.overridden(
            delimiter=read.delimiter,
            quote=read.quote,
            header_line=read.header_line,
            date_formats=tuple(read.date_formats) if read.date_formats is not None else None,
            datetime_formats=tuple(read.datetime_formats) if read.datetime_formats is not None else None,
        )
