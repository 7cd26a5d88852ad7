"""The registry of named transforms a mapping spec may use, and the context they run in."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl


@dataclass(frozen=True)
class MappingContext:
    """Per-run settings transforms may read (never personal data)."""

    customer_id: str
    run_kind: str
    system: str
    country: str  # NZ, AU, UK
    time_zone: str  # the practice's IANA zone
    site_time_zones: dict[str, str] = field(default_factory=dict)  # site source id → zone override
    dump_dir: Path | None = None
    as_of: date | None = None

    @property
    def phone_region(self) -> str:
        return "GB" if self.country == "UK" else self.country

    @property
    def currency(self) -> str:
        return {"NZ": "NZD", "AU": "AUD", "UK": "GBP"}[self.country]


@dataclass
class TransformContext:
    """What a transform sees besides its input: the source rows, fields computed so far, settings."""

    frame: pl.DataFrame
    outputs: dict[str, pl.Series]
    mapping: MappingContext
    field: str
    entity: str
    json_columns: frozenset[str] = frozenset()  # raw columns holding JSON: kept verbatim, no default cleaning
    cache: dict[object, object] = field(default_factory=dict)  # per chunk: work several fields share
    # Per earlier output, the code that left its value empty: a field computed from it inherits the cause.
    output_issues: dict[str, pl.Series] = field(default_factory=dict)

    def output(self, name: str) -> pl.Series:
        if name not in self.outputs:
            raise KeyError(f"{self.entity}.{self.field}: field {name!r} must be mapped before it is used")
        return self.outputs[name]

    def output_issue(self, name: str) -> pl.Series | None:
        """Why an earlier output is empty, per row (None: no codes were recorded for it)."""
        return self.output_issues.get(name)


@dataclass
class Step:
    """A transform's result: values, codes for unusable values (value → null), codes for kept values
    that must be reported."""

    values: pl.Series
    issues: pl.Series | None = None
    warnings: pl.Series | None = None


Transform = Callable[..., Step]


@dataclass(frozen=True)
class TransformDef:
    name: str
    fn: Transform
    description: str
    params: tuple[str, ...]
    required_params: tuple[str, ...]


_TRANSFORMS: dict[str, TransformDef] = {}


def register_transform(name: str) -> Callable[[Transform], Transform]:
    """Register `fn(values: pl.Series, ctx: TransformContext, **params) -> Step` under `name`.
    Its docstring's first paragraph is the description shown in docs/mapping-spec.md."""

    def decorate(fn: Transform) -> Transform:
        if name in _TRANSFORMS:
            raise ValueError(f"transform {name!r} registered twice")
        signature = inspect.signature(fn)
        params = tuple(p for p in list(signature.parameters)[2:])
        required = tuple(
            p.name for p in list(signature.parameters.values())[2:] if p.default is inspect.Parameter.empty
        )
        first_paragraph = (fn.__doc__ or "").strip().split("\n\n")[0]
        description = " ".join(line.strip() for line in first_paragraph.splitlines())
        _TRANSFORMS[name] = TransformDef(name, fn, description, params, required)
        return fn

    return decorate


def transform_names() -> list[str]:
    _load_builtins()
    return sorted(_TRANSFORMS)


def get_transform(name: str) -> TransformDef:
    """A registered transform; an unknown name lists the valid ones."""
    _load_builtins()
    if name not in _TRANSFORMS:
        raise KeyError(f"unknown transform {name!r}; valid: {', '.join(sorted(_TRANSFORMS))}")
    return _TRANSFORMS[name]


def _load_builtins() -> None:
    from mappings.transforms import (  # noqa: F401
        cliniko,
        contact,
        coreplus,
        files,
        pracsuite,
        template,
        temporal,
        text,
        tm3,
        values,
    )


def map_unique(
    values: pl.Series, fn: Callable[[Any], tuple[Any, str | None]], dtype: pl.DataType
) -> tuple[pl.Series, pl.Series]:
    """Apply a Python function to each distinct non-null value once (phone parsing, check digits,
    HTML) and spread the (value, issue code) results back over the rows, order preserved."""
    distinct = values.drop_nulls().unique(maintain_order=True)
    results = [fn(v) for v in distinct.to_list()]
    lookup = pl.DataFrame(
        {"key": distinct, "value": [r[0] for r in results], "issue": [r[1] for r in results]},
        schema={"key": values.dtype, "value": dtype, "issue": pl.String},
    )
    joined = values.rename("key").to_frame().join(lookup, on="key", how="left", maintain_order="left")
    return joined["value"].rename(values.name), joined["issue"].rename(values.name)


def nulls(length: int, dtype: pl.DataType = pl.String, name: str = "") -> pl.Series:
    """An all-null series (built natively: a Python list of Nones costs ~5× more per chunk)."""
    return pl.repeat(None, length, dtype=dtype, eager=True).rename(name)


def issue_where(mask: pl.Series, code: str) -> pl.Series:
    """A code series: `code` where mask is true, else null."""
    return pl.select(pl.when(pl.lit(mask)).then(pl.lit(code)).otherwise(None).alias("issue")).to_series()


def null_where(values: pl.Series, mask: pl.Series) -> pl.Series:
    return pl.select(pl.when(pl.lit(mask)).then(None).otherwise(pl.lit(values)).alias(values.name)).to_series()
