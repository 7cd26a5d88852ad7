"""Read a customer YAML file strictly: UTF-8 only (a BOM is accepted and noted), no duplicate keys,
no aliases, bounded size and depth — every refusal names the file and the line, never a value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode

UTF8_BOM = b"\xef\xbb\xbf"
# A customer configuration is a few kilobytes; anything near this is not one (and parsing a huge
# file just to refuse it would tie up the sensor that reads deliveries).
MAX_CONFIG_BYTES = 1024 * 1024
BOM_NOTE = "the file starts with a UTF-8 byte-order mark; read as UTF-8"


class YamlRefusedError(Exception):
    """A YAML file refused as a whole: `problems` name the line (1-based) and what was expected."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (a `*name` can expand a few lines into gigabytes: the
    "billion laughs" alias bomb) and duplicate mapping keys (PyYAML keeps the last one silently)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(
                None, None, "aliases (*name) are not allowed in a customer configuration", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            seen: set[object] = set()
            for key_node, _value in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key: the base class reports it
                    continue
                if duplicate:
                    raise ConstructorError(
                        None, None, f"duplicate key {key!r} (each key may appear once)", key_node.start_mark
                    )
        return super().construct_mapping(node, deep=deep)


def _where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""


def read_yaml(path: Path) -> tuple[Any, tuple[str, ...]]:
    """(parsed document, notes) of a customer YAML file. Raises FileNotFoundError, or YamlRefusedError
    for a file that is too large, not UTF-8 (e.g. a cp1252 export), not YAML, nested too deeply,
    or uses aliases or duplicate keys."""
    data = Path(path).read_bytes()
    if len(data) > MAX_CONFIG_BYTES:
        raise YamlRefusedError([f"(file): {len(data)} bytes; a customer configuration is at most {MAX_CONFIG_BYTES}"])
    notes: tuple[str, ...] = ()
    if data.startswith(UTF8_BOM):
        data, notes = data[len(UTF8_BOM) :], (BOM_NOTE,)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlRefusedError(
            [f"line {line}: bytes are not UTF-8 (a Windows/cp1252 export?); save the file as UTF-8"]
        ) from None
    try:
        return yaml.load(text, Loader=StrictLoader), notes  # noqa: S506 (StrictLoader is a SafeLoader)
    except yaml.YAMLError as exc:
        raise YamlRefusedError([f"{_where(exc)}not valid YAML ({getattr(exc, 'problem', None) or exc})"]) from None
    except RecursionError:
        raise YamlRefusedError(["(file): nested too deeply to be a customer configuration"]) from None
