"""Transforms for Cliniko's embedded JSON: custom fields and treatment-note content."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from mappings.transforms.registry import Step, TransformContext, map_unique, register_transform
from mappings.transforms.text import html_text


def field_value_text(field: dict[str, Any]) -> str | None:
    """The value of one custom field: its text, or its selected options '; '-separated."""
    options = field.get("options")
    if isinstance(options, list) and options:
        selected = [str(o.get("name")) for o in options if isinstance(o, dict) and o.get("selected")]
        return "; ".join(selected) or None
    value = field.get("value")
    return None if value in (None, "") else str(value).strip() or None


def _loads(value: str) -> tuple[Any, str | None]:
    try:
        return json.loads(value), None
    except json.JSONDecodeError:
        return None, "invalid_json"


@register_transform("cliniko_custom_field")
def cliniko_custom_field(values: pl.Series, ctx: TransformContext, name: str, section: str | None = None) -> Step:
    """The value of the patient custom field labelled `name` (optionally within `section`)."""
    wanted = name.strip().lower()

    def pick(raw: str) -> tuple[str | None, str | None]:
        data, problem = _loads(raw)
        if problem:
            return None, problem
        for sec in (data or {}).get("sections") or []:
            if section and str(sec.get("name", "")).strip().lower() != section.strip().lower():
                continue
            for field in sec.get("fields") or []:
                if str(field.get("name", "")).strip().lower() == wanted:
                    return field_value_text(field), None
        return None, None

    picked, issues = map_unique(values.cast(pl.String), pick, pl.String)
    return Step(picked, issues=issues)


@register_transform("cliniko_field_value")
def cliniko_field_value(values: pl.Series, ctx: TransformContext) -> Step:
    """The value of one exploded custom-field element (JSON object)."""
    picked, issues = map_unique(
        values.cast(pl.String), lambda raw: (field_value_text(_loads(raw)[0] or {}), _loads(raw)[1]), pl.String
    )
    return Step(picked, issues=issues)


@register_transform("cliniko_field_options")
def cliniko_field_options(values: pl.Series, ctx: TransformContext) -> Step:
    """The option names of one exploded custom-field definition, '; '-separated."""

    def options(raw: str) -> tuple[str | None, str | None]:
        data, problem = _loads(raw)
        names = [str(o.get("name")) for o in (data or {}).get("options") or [] if isinstance(o, dict)]
        return ("; ".join(names) or None), problem

    picked, issues = map_unique(values.cast(pl.String), options, pl.String)
    return Step(picked, issues=issues)


def note_text(content: dict[str, Any]) -> str | None:
    """Plain text of a treatment note's sections and questions, in the order written."""
    lines: list[str] = []
    for section in content.get("sections") or []:
        questions = []
        for question in section.get("questions") or []:
            if "answers" in question and isinstance(question.get("answers"), list):
                answer = "; ".join(str(a.get("value")) for a in question["answers"] if a.get("selected"))
            else:
                answer = html_text(str(question.get("answer") or ""))
            if answer:
                questions.append(f"{question.get('name', '')}: {answer}")
        if questions:
            lines.append(str(section.get("name") or "").strip())
            lines.extend(questions)
    return "\n".join(line for line in lines if line) or None


@register_transform("cliniko_note_text")
def cliniko_note_text(values: pl.Series, ctx: TransformContext) -> Step:
    """Treatment-note `content` (sections → questions → answers, HTML allowed) → plain text."""

    def render(raw: str) -> tuple[str | None, str | None]:
        data, problem = _loads(raw)
        return (note_text(data) if isinstance(data, dict) else None), problem

    rendered, issues = map_unique(values.cast(pl.String), render, pl.String)
    return Step(rendered, issues=issues)
