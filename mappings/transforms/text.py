"""Text transforms: cleaning, case, mojibake repair, HTML → text, JSON paths."""

from __future__ import annotations

import html
import unicodedata

import duckdb
import ftfy
import polars as pl

from mappings.transforms.registry import Step, TransformContext, map_unique, nulls, register_transform

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
    # Non-ASCII exactly when UTF-8 bytes outnumber characters: two counts instead of a regex pass.
    non_ascii = (values.str.len_bytes() != values.str.len_chars()).fill_null(False)
    if not non_ascii.any():
        return Step(values)
    repaired, warnings = map_unique(values.filter(non_ascii), _repair, pl.String)
    out = values.scatter(non_ascii.arg_true(), repaired)
    codes = nulls(len(values), name=values.name).scatter(non_ascii.arg_true(), warnings)
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


_BLOCK_TAGS = "p|div|li|h[1-6]|tr|blockquote|pre|ul|ol|table"
# HTML → text rules (regular expressions), applied in order. Practice systems emit basic markup
# (Cliniko: paragraphs, bold, lists; research/sources.md §2.6), which these cover.
HTML_RULES: tuple[tuple[str, str], ...] = (
    (r"(?is)<script\b.*?</script\s*>|<style\b.*?</style\s*>", ""),
    (r"(?i)<li\b[^>]*>", "\n- "),
    (rf"(?i)<br\s*/?>|</?({_BLOCK_TAGS})\b[^>]*>", "\n"),
    (r"<[^>]*>", ""),
)
# The common entities, decoded in one pass after the tags are gone (one scan of the text instead of
# one per entity). A fragment holding any other entity is decoded by `html.unescape` instead, in one pass
# too: decoding twice would turn the text `&amp;lt;` into `<` instead of `&lt;`.
HTML_ENTITIES: dict[str, str] = {
    "&nbsp;": " ",
    "&lt;": "<",
    "&gt;": ">",
    "&quot;": '"',
    "&#39;": "'",
    "&apos;": "'",
    "&amp;": "&",
}
_ANY_ENTITY = r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);"
_COMMON_ENTITY = "|".join(e.replace("#", r"\#") for e in HTML_ENTITIES)


def _unescape(value: str) -> str:
    # `&nbsp;` as the common pass decodes it (a plain space), so a fragment reads the same whichever pass it took.
    return html.unescape(value.replace("&nbsp;", " "))


def decode_entities(values: pl.Series) -> pl.Series:
    """Character references decoded exactly once: the common ones by one vectorised replacement, a value
    holding any other (rare: `&eacute;`, `&#233;`) wholly by `html.unescape`."""
    text = values.cast(pl.String)
    common = text.str.replace_many(list(HTML_ENTITIES), list(HTML_ENTITIES.values()))
    rare = (text.str.count_matches(_ANY_ENTITY) > text.str.count_matches(_COMMON_ENTITY)).fill_null(False)
    if not rare.any():
        return common
    decoded = text.filter(rare).map_elements(_unescape, return_dtype=pl.String)
    return common.scatter(rare.arg_true(), decoded)  # scatter writes in place: `common` is this call's own


def html_text_expr(expr: pl.Expr) -> pl.Expr:
    """Plain text of an HTML fragment (Polars): block elements and <br> end lines, list items get
    "- ", other markup is dropped, entities decoded once, lines trimmed and blank ones removed."""
    for pattern, replacement in HTML_RULES:
        expr = expr.str.replace_all(pattern, replacement)
    expr = expr.map_batches(decode_entities, return_dtype=pl.String)
    lines = (
        expr.str.split("\n")
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    return lines.list.join("\n")


def html_text(value: str) -> str:
    """Plain text of one HTML fragment (the vectorised rules, for a single value)."""
    return html_texts(pl.Series([value]))[0] or ""


def html_texts(values: pl.Series) -> pl.Series:
    plain = pl.select(html_text_expr(pl.lit(values.cast(pl.String)))).to_series().rename(values.name)
    return pl.select(pl.when(pl.lit(plain) == "").then(None).otherwise(pl.lit(plain))).to_series()


@register_transform("html_to_text")
def html_to_text(values: pl.Series, ctx: TransformContext) -> Step:
    """HTML or rich text → plain text (map the original into another field to keep it)."""
    return Step(html_texts(values).rename(values.name))


@register_transform("json_path")
def json_path(values: pl.Series, ctx: TransformContext, path: str = "$") -> Step:
    """Extract the scalar at a JSONPath (e.g. `$.name`) from a JSON text column."""
    text = values.cast(pl.String)
    # Several fields of a chunk often read the same path of the same column (an exploded custom
    # field's id and its definition's id): extract once per chunk, reused only for equal input.
    earlier: list[tuple[pl.Series, pl.Series]] = ctx.cache.setdefault(("json_path", path), [])  # type: ignore[assignment]
    for seen, extracted in earlier:
        if seen.equals(text, check_names=False):
            return Step(extracted.rename(values.name))
    # DuckDB's extractor is parallel and ~10× faster than Polars' json_path_match on large columns.
    frame = pl.DataFrame({"v": text})
    with duckdb.connect() as con:
        con.register("input_json", frame)
        out = con.sql(
            "select case when json_valid(v) then json_extract_string(v, ?) end as x from input_json", params=[path]
        ).pl()["x"]
    earlier.append((text, out))
    return Step(out.rename(values.name))
