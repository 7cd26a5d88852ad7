"""Transforms for Cliniko's embedded JSON: custom fields and treatment-note content, vectorised."""

from __future__ import annotations

import polars as pl

from mappings.transforms.jsondecode import decode_json
from mappings.transforms.registry import Step, TransformContext, issue_where, register_transform
from mappings.transforms.text import html_text_expr

# The JSON shapes of research/sources.md §2.6, as Polars types: decoding with a declared type is
# vectorised (one pass in Rust) where json.loads per note would take minutes for a large practice.
_OPTION = pl.Struct({"name": pl.String, "token": pl.String, "selected": pl.Boolean})
_FIELD = pl.Struct(
    {"name": pl.String, "type": pl.String, "token": pl.String, "value": pl.String, "options": pl.List(_OPTION)}
)
_CUSTOM_FIELDS = pl.Struct(
    {"sections": pl.List(pl.Struct({"name": pl.String, "token": pl.String, "fields": pl.List(_FIELD)}))}
)
_ANSWER = pl.Struct({"value": pl.String, "selected": pl.Boolean})
# Only what the note's text is made of: a question's `type` is not decoded (~5 % of the transform).
_QUESTION = pl.Struct({"name": pl.String, "answer": pl.String, "answers": pl.List(_ANSWER)})
_NOTE = pl.Struct({"sections": pl.List(pl.Struct({"name": pl.String, "questions": pl.List(_QUESTION)}))})
# A patient form's questions also include `signature` ones, answered by a `signature_id`
# (redguava/cliniko-api sections/patient_forms.md, "Patient Form Content Schema").
_FORM_QUESTION = pl.Struct(
    {"name": pl.String, "answer": pl.String, "answers": pl.List(_ANSWER), "signature_id": pl.String}
)
_FORM = pl.Struct({"sections": pl.List(pl.Struct({"name": pl.String, "questions": pl.List(_FORM_QUESTION)}))})
# What a signed question reads as in a form's text (the image itself is not migrated, sources/cliniko/settings.py).
SIGNED_TEXT = "Signed"


def _decode(values: pl.Series, dtype: pl.DataType) -> tuple[pl.Series, pl.Series]:
    """Decode JSON text with a declared type; rows that are not JSON become null with `invalid_json`."""
    decoded, valid = decode_json(values, dtype)
    return decoded, issue_where(~valid, "invalid_json")


def _value_text(field: pl.Expr) -> pl.Expr:
    """A custom field's value: its selected options '; '-separated, else its text (empty → null)."""
    options = field.struct.field("options")
    selected = options.list.eval(
        pl.element().filter(pl.element().struct.field("selected").fill_null(False)).struct.field("name")
    ).list.join("; ")
    text = field.struct.field("value").str.strip_chars()
    chosen = pl.when(options.list.len().fill_null(0) > 0).then(selected).otherwise(text)
    return pl.when(chosen == "").then(None).otherwise(chosen)


@register_transform("cliniko_custom_field")
def cliniko_custom_field(values: pl.Series, ctx: TransformContext, name: str, section: str | None = None) -> Step:
    """The value of the patient custom field labelled `name` (optionally within `section`)."""
    key = ("cliniko_custom_fields", values.name, len(values))
    if key not in ctx.cache:  # several fields read the same column: decode and explode it once per chunk
        ctx.cache[key] = _custom_field_rows(values)
    rows, issues = ctx.cache[key]
    wanted = rows.filter(
        pl.col("fields").struct.field("name").str.strip_chars().str.to_lowercase() == name.strip().lower()
    )
    if section:
        wanted = wanted.filter(pl.col("section").str.strip_chars().str.to_lowercase() == section.strip().lower())
    picked = wanted.group_by("row").agg(_value_text(pl.col("fields")).first().alias("value"))
    out = pl.DataFrame({"row": pl.int_range(len(values), eager=True)}).join(
        picked, on="row", how="left", maintain_order="left"
    )["value"]
    return Step(out.rename(values.name), issues=issues)


def _custom_field_rows(values: pl.Series) -> tuple[pl.DataFrame, pl.Series]:
    decoded, issues = _decode(values, _CUSTOM_FIELDS)
    rows = (
        pl.DataFrame({"row": pl.int_range(len(decoded), eager=True), "cf": decoded})
        .select("row", pl.col("cf").struct.field("sections"))
        .explode("sections")
        .filter(pl.col("sections").is_not_null())
        .select(
            "row", pl.col("sections").struct.field("name").alias("section"), pl.col("sections").struct.field("fields")
        )
        .explode("fields")
    )
    return rows, issues


@register_transform("cliniko_field_value")
def cliniko_field_value(values: pl.Series, ctx: TransformContext) -> Step:
    """The value of one exploded custom-field element (JSON object)."""
    decoded, issues = _decode(values, _FIELD)
    return Step(pl.select(_value_text(pl.lit(decoded))).to_series().rename(values.name), issues=issues)


@register_transform("cliniko_field_options")
def cliniko_field_options(values: pl.Series, ctx: TransformContext) -> Step:
    """The option names of one exploded custom-field definition, '; '-separated."""
    decoded, issues = _decode(values, _FIELD)
    names = pl.select(
        pl.lit(decoded).struct.field("options").list.eval(pl.element().struct.field("name")).list.join("; ")
    ).to_series()
    return Step(
        pl.select(pl.when(pl.lit(names) == "").then(None).otherwise(pl.lit(names))).to_series().rename(values.name),
        issues=issues,
    )


@register_transform("cliniko_note_text")
def cliniko_note_text(values: pl.Series, ctx: TransformContext) -> Step:
    """Treatment-note `content` (sections → questions → answers, HTML allowed) → plain text, one
    line per answered question under its section's name, in the order written."""
    return _content_text(values, _NOTE)


@register_transform("cliniko_form_text")
def cliniko_form_text(values: pl.Series, ctx: TransformContext) -> Step:
    """Patient-form `content` → plain text as for a treatment note; a signed `signature` question reads
    "<question>: Signed" (an unsigned one has no line, like any unanswered question)."""
    return _content_text(values, _FORM)


def _content_text(values: pl.Series, dtype: pl.DataType) -> Step:
    decoded, issues = _decode(values, dtype)
    n = len(decoded)
    sections = (
        pl.DataFrame({"row": pl.int_range(n, eager=True), "note": decoded})
        .select("row", pl.col("note").struct.field("sections"))
        .explode("sections")
        .filter(pl.col("sections").is_not_null())
        .with_columns(pl.int_range(pl.len()).over("row").alias("section_index"))
        .select(
            "row",
            "section_index",
            pl.col("sections").struct.field("name").str.strip_chars().alias("section"),
            pl.col("sections").struct.field("questions"),
        )
    )
    questions = (
        sections.explode("questions")
        .filter(pl.col("questions").is_not_null())
        .with_columns(pl.int_range(pl.len()).alias("order"))
        .unnest("questions")
    )
    if "signature_id" in questions.columns:
        questions = questions.with_columns(
            pl.when(pl.col("signature_id").is_not_null())
            .then(pl.lit(SIGNED_TEXT))
            .otherwise(pl.col("answer"))
            .alias("answer")
        ).drop("signature_id")
    chosen = (
        pl.col("answers")
        .list.eval(pl.element().filter(pl.element().struct.field("selected").fill_null(False)).struct.field("value"))
        .list.join("; ")
    )
    # HTML rules only where there is markup to remove (most answers are plain text).
    has_markup = pl.col("answer").str.contains(r"[<&]").fill_null(False)
    lists = questions.filter(pl.col("answers").is_not_null()).with_columns(chosen.alias("text"))
    marked = questions.filter(pl.col("answers").is_null() & has_markup).with_columns(
        html_text_expr(pl.col("answer")).alias("text")
    )
    plain = questions.filter(pl.col("answers").is_null() & ~has_markup).with_columns(
        pl.col("answer").str.strip_chars().alias("text")
    )
    # A note's text is its lines in question order, each section's first line preceded by the
    # section's name (when it has one): one pass over the lines and one group per note, rather
    # than a group per section and another per note (~25 % of this transform, bench/).
    line = pl.col("name").fill_null("") + pl.lit(": ") + pl.col("text")
    opens_section = (pl.col("row") != pl.col("row").shift(1)) | (
        pl.col("section_index") != pl.col("section_index").shift(1)
    )
    heading = pl.when(opens_section.fill_null(True) & (pl.col("section") != "")).then(pl.col("section"))
    lines = (
        pl.concat([lists, marked, plain])
        .filter(pl.col("text").is_not_null() & (pl.col("text") != ""))
        .sort("order")
        .select("row", pl.concat_str([heading, line], separator="\n", ignore_nulls=True).alias("line"))
        .group_by("row", maintain_order=True)
        .agg(pl.col("line").str.join("\n").alias("block"))
    )
    text = pl.DataFrame({"row": pl.int_range(n, eager=True)}).join(lines, on="row", how="left", maintain_order="left")[
        "block"
    ]
    return Step(text.rename(values.name), issues=issues)
