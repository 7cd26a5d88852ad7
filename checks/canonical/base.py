"""Columns every canonical row carries, and the field constructors the entity models use."""

from __future__ import annotations

from typing import Annotated, Any

import pandera.polars as pa
import polars as pl

RUN_KINDS = ["trial", "live"]

# Polars dtypes of the canonical model (DESIGN.md §4): money is Decimal, never float; instants are
# UTC; local wall times are naive and carry their zone in a sibling `time_zone` column.
Instant = Annotated[pl.Datetime, "us", "UTC"]
LocalTime = Annotated[pl.Datetime, "us", None]
Money = Annotated[pl.Decimal, 18, 2]
# A unit or line price before tax: sources compute it to more places than money is paid in (Cliniko's
# documented invoice item has net_price "81.818": redguava/cliniko-api sections/invoice_items.md).
Price = Annotated[pl.Decimal, 18, 4]
Rate = Annotated[pl.Decimal, 9, 4]
Quantity = Annotated[pl.Decimal, 12, 3]


def optional(description: str, **kw: Any) -> Any:
    """A nullable field: absent in the source is a legitimate state."""
    return pa.Field(nullable=True, description=description, **kw)


def required(description: str, **kw: Any) -> Any:
    """A non-nullable field: a row without it is rejected by the mapping with a reason."""
    return pa.Field(nullable=False, description=description, **kw)


def long_text(description: str, **kw: Any) -> Any:
    """A nullable field of free text that can run to pages (a note's body): stored with zstd
    (store.LONG_TEXT_COMPRESSION), which writes such text faster and smaller than the default."""
    return pa.Field(nullable=True, description=description, metadata={"long_text": True}, **kw)


def ref(entity: str, description: str, *, nullable: bool = True) -> Any:
    """A reference to another canonical entity's `canonical_id`; checked for existence."""
    return pa.Field(nullable=nullable, description=description, metadata={"ref": entity})


class CanonicalRow(pa.DataFrameModel):
    """Identity and provenance shared by every staged entity."""

    customer_id: str = required("customer (dynamic partition) the row belongs to")
    run_kind: str = pa.Field(isin=RUN_KINDS, description="trial or live partition")
    source_system: str = required("system the row came from, e.g. cliniko")
    source_table: str = required("raw table the row was mapped from")
    source_id: str = required("id in the source system, always a string (19-digit ids survive)")
    source_record: pl.Int64 = required("record number in the delivered file (1-based)")
    canonical_id: str = pa.Field(unique=True, description="<system>:<entity>:<source id>; the target's alternate key")
    origin_id: str = required("canonical id in the first system the record came from")

    class Config:
        strict = True
        coerce = False
