"""Parse OData resource paths, key segments and entity references (relative, absolute, key forms, $n)."""

from __future__ import annotations

import re
from typing import Any

from .. import constants as c

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SEGMENT = re.compile(r"^(?P<name>[^()]+)(?:\((?P<key>.*)\))?$", re.S)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")

Key = str | dict[str, Any]


class RefError(ValueError):
    """A path or key that does not parse."""


def is_guid(value: object) -> bool:
    return isinstance(value, str) and bool(GUID_RE.match(value))


def split_path(path: str) -> list[str]:
    """Split on ``/`` outside quotes and parentheses: ``a(k='x/y')/b`` → ``["a(k='x/y')", "b"]``."""
    segments, current, depth, quoted = [], [], 0, False
    for char in path:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == "/" and not quoted and depth == 0:
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
    segments.append("".join(current))
    return segments


def split_segment(segment: str) -> tuple[str, str | None]:
    """``contacts(…)`` → (``contacts``, ``…``); a segment without parentheses has key None."""
    match = _SEGMENT.match(segment)
    if not match:
        raise RefError(f"invalid segment {segment!r}")
    return match.group("name"), match.group("key")


def parse_key(text: str) -> Key:
    """Parse the inside of a key segment.

    ``<guid>`` → the GUID (lower case); ``a='x',b=5`` → ``{"a": "x", "b": 5}`` (research/dataverse.md §2.5:
    strings single-quoted with ``''`` for a quote, numbers and GUIDs bare).
    """
    text = text.strip()
    if is_guid(text):
        return text.lower()
    pairs: dict[str, Any] = {}
    i, n = 0, len(text)
    while i < n:
        eq = text.find("=", i)
        if eq < 0:
            raise RefError(f"invalid key {text!r}")
        name = text[i:eq].strip()
        i = eq + 1
        if i < n and text[i] == "'":
            value_chars = []
            i += 1
            while True:
                if i >= n:
                    raise RefError(f"unterminated string in key {text!r}")
                if text[i] == "'":
                    if i + 1 < n and text[i + 1] == "'":
                        value_chars.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                value_chars.append(text[i])
                i += 1
            value: Any = "".join(value_chars)
        else:
            end = text.find(",", i)
            end = n if end < 0 else end
            value = _bare(text[i:end].strip())
            i = end
        if not name:
            raise RefError(f"invalid key {text!r}")
        pairs[name] = value
        while i < n and text[i] in ", ":
            i += 1
    if not pairs:
        raise RefError(f"empty key {text!r}")
    return pairs


def _bare(literal: str) -> Any:
    if is_guid(literal):
        return literal.lower()
    if literal in ("true", "false"):
        return literal == "true"
    if literal == "null":
        return None
    if _NUMBER.match(literal):
        return float(literal) if "." in literal else int(literal)
    if not literal:
        raise RefError("empty key value")
    return literal


def format_key(key: Key) -> str:
    """The key segment text for ``OData-EntityId``: ``(guid)`` or ``(a='x',b=5)``."""
    if isinstance(key, str):
        return f"({key})"
    parts = []
    for name, value in key.items():
        if isinstance(value, str) and not is_guid(value):
            parts.append(f"{name}='" + value.replace("'", "''") + "'")
        elif isinstance(value, bool):
            parts.append(f"{name}={'true' if value else 'false'}")
        else:
            parts.append(f"{name}={value}")
    return "(" + ",".join(parts) + ")"


def relative_path(url: str) -> str:
    """Strip scheme, host and the ``/api/data/v9.2/`` root from an entity URL (bind values, batch URLs)."""
    text = url.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
        text = text[text.find("/") :] if "/" in text else ""
    if text.startswith(c.API_PREFIX + "/"):
        text = text[len(c.API_PREFIX) + 1 :]
    elif text.startswith(c.API_PREFIX):
        text = text[len(c.API_PREFIX) :]
    return text.lstrip("/")


def parse_entity_ref(url: str) -> tuple[str, Key]:
    """``/contacts(<id>)``, ``contacts(key='v')`` or an absolute URL → (entity set, key).

    Raises:
        RefError: When the value is not a single-entity URL.
    """
    path = relative_path(url)
    segments = split_path(path)
    if len(segments) != 1:
        raise RefError(f"not an entity reference: {url!r}")
    name, key = split_segment(segments[0])
    if key is None:
        raise RefError(f"entity reference without key: {url!r}")
    return name, parse_key(key)
