"""Text transforms: cleaning, case, mojibake repair, HTML → text, JSON paths."""

from __future__ import annotations

import unicodedata

import ftfy
import polars as pl
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from mappings.transforms.registry import Step, TransformContext, map_unique, register_transform

# ftfy's heuristic only: never touch text that is not mis-decoded (a Māori macron or "Zoë" is fine).
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    normalization="NFC",
)


def _strip_empty(values: pl.Series) -> pl.Series:
    stripped = values.str.strip_chars()
    return pl.select(pl.when(pl.lit(stripped) == "").then(None).otherwise(pl.lit(stripped))).to_series()


def _repair(value: str) -> tuple[str, str | None]:
    fixed = ftfy.fix_text(value, _FTFY_CONFIG)
    if fixed != unicodedata.normalize("NFC", value):
        return fixed, "mojibake_repaired"
    return unicodedata.normalize("NFC", value), None


@register_transform("trim")
def trim(values: pl.Series, ctx: TransformContext) -> Step:
    """Strip surrounding whitespace; an empty string becomes null."""
    return Step(_strip_empty(values.cast(pl.String)))


@register_transform("clean_text")
def clean_text(values: pl.Series, ctx: TransformContext) -> Step:
    """Trim, empty → null, Unicode NFC, and repair mojibake (UTF-8 read as cp1252) with a warning."""
    values = _strip_empty(values.cast(pl.String))
    non_ascii = values.is_not_null() & ~values.str.contains(r"^[\x00-\x7F]*$")
    if not non_ascii.any():
        return Step(values)
    repaired, warnings = map_unique(values.filter(non_ascii), _repair, pl.String)
    out = values.scatter(non_ascii.arg_true(), repaired)
    codes = pl.Series(values.name, [None] * len(values), dtype=pl.String).scatter(non_ascii.arg_true(), warnings)
    return Step(out, warnings=codes)


@register_transform("lower")
def lower(values: pl.Series, ctx: TransformContext) -> Step:
    """Lower-case."""
    return Step(values.str.to_lowercase())


@register_transform("upper")
def upper(values: pl.Series, ctx: TransformContext) -> Step:
    """Upper-case."""
    return Step(values.str.to_uppercase())


@register_transform("nullif")
def nullif(values: pl.Series, ctx: TransformContext, values_: list | None = None, value: object = None) -> Step:
    """Null where the value is one of the given placeholders (e.g. "N/A", "0000-00-00")."""
    placeholders = [str(v) for v in (values_ or [value])]
    mask = values.cast(pl.String).is_in(placeholders)
    return Step(pl.select(pl.when(pl.lit(mask)).then(None).otherwise(pl.lit(values))).to_series().rename(values.name))


_BLOCKS = "p, div, li, h1, h2, h3, h4, h5, h6, tr, blockquote, pre"


def html_text(value: str) -> str:
    """Plain text of an HTML fragment: block elements and <br> end lines, list items get "- ",
    inline markup (<strong>, <em>) is dropped, entities are decoded."""
    if "<" not in value and "&" not in value:
        return value.strip()
    tree = HTMLParser(value)
    for node in tree.css("br"):
        node.replace_with("\n")
    for node in tree.css("li"):
        node.insert_before("- ")
    for node in tree.css(_BLOCKS):
        node.insert_after("\n")
    root = tree.body or tree.root
    text = root.text(separator="") if root is not None else ""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


@register_transform("html_to_text")
def html_to_text(values: pl.Series, ctx: TransformContext) -> Step:
    """HTML or rich text → plain text (map the original into another field to keep it)."""
    converted, _ = map_unique(values, lambda v: (html_text(v), None), pl.String)
    return Step(converted)


@register_transform("json_path")
def json_path(values: pl.Series, ctx: TransformContext, path: str = "$") -> Step:
    """Extract the scalar at a JSONPath (e.g. `$.name`) from a JSON text column."""
    return Step(values.str.json_path_match(path))
