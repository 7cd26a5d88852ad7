"""File transforms: locate an attachment in the dump, hash its bytes, verify its size."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from mappings.transforms.registry import Step, TransformContext, issue_where, map_unique, register_transform

_CHUNK = 1024 * 1024


def _sha256(path: str) -> tuple[str | None, str | None]:
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except (FileNotFoundError, IsADirectoryError):
        return None, "missing_file"
    return digest.hexdigest(), None


@register_transform("dump_path")
def dump_path(values: pl.Series, ctx: TransformContext) -> Step:
    """A path relative to the dump folder → absolute path; a file that is not there is an issue."""
    base = ctx.mapping.dump_dir
    if base is None:
        raise ValueError("dump_path needs the run's dump folder (API extractions store files there too)")
    # The folder is resolved once, not per attachment: resolving every path walked the folder
    # tree again each time (13 000 attachments 0.9 → 0.1 s, bench/).
    root = Path(base).resolve()
    absolute = values.cast(pl.String).map_elements(lambda rel: str(root / rel), return_dtype=pl.String)
    missing = absolute.is_not_null() & ~absolute.map_elements(lambda p: Path(p).is_file(), return_dtype=pl.Boolean)
    kept = pl.select(pl.when(pl.lit(missing)).then(None).otherwise(pl.lit(absolute))).to_series()
    return Step(kept.rename(values.name), issues=issue_where(missing, "missing_file"))


@register_transform("file_sha256")
def file_sha256(values: pl.Series, ctx: TransformContext) -> Step:
    """The sha256 of the file at each path (read in 1 MB chunks)."""
    digests, issues = map_unique(values.cast(pl.String), _sha256, pl.String)
    return Step(digests, issues=issues)


@register_transform("file_size_check")
def file_size_check(values: pl.Series, ctx: TransformContext, path_field: str) -> Step:
    """Keep the recorded size; warn where it differs from the bytes on disk at `path_field`."""
    paths = ctx.output(path_field)
    actual = paths.map_elements(lambda p: Path(p).stat().st_size if Path(p).is_file() else None, return_dtype=pl.Int64)
    differs = actual.is_not_null() & values.is_not_null() & (actual != values.cast(pl.Int64))
    return Step(values.cast(pl.Int64), warnings=issue_where(differs, "size_mismatch"))
