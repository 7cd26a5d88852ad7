"""OData ``$filter`` compiled to a Python predicate (research/dataverse.md §9)."""
# Comparisons, and/or/not, string functions, Dataverse query functions (Microsoft.Dynamics.CRM.In & co.)
# and parameter aliases.

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .. import exceptions as e
from .values import normalise_datetime

Getter = Callable[[Any], Any]
Resolver = Callable[[str], Getter]

_TOKEN = re.compile(
    r"""\s+
    |(?P<str>'(?:[^']|'')*')
    |(?P<dstr>"(?:[^"\\]|\\.)*")
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
    |(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
    |(?P<date>\d{4}-\d{2}-\d{2})
    |(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)[mMdDfFlL]?
    |(?P<alias>@[A-Za-z_]\w*)
    |(?P<ident>[A-Za-z_$][\w.$]*(?:'(?:[^']|'')*')?)
    |(?P<punct>[()\[\],/=])""",
    re.X,
)
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_NS = "microsoft.dynamics.crm."


class QuerySyntaxError(e.DataverseError):
    """The OData URI parser's error (code as for other URI errors, research/dataverse.md §5.3)."""

    code = "0x80060888"
    template = "Syntax error at position {position} in '{text}'."


class UnknownFunction(e.DataverseError):
    code = "0x80060888"
    template = "An unknown function with name '{name}' was found."


def norm(value: Any) -> Any:
    """Comparison form: strings compare case-insensitively, as on SQL Server."""
    return value.casefold() if isinstance(value, str) else value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).casefold()


def _like(literal: Any, sample: Any) -> Any:
    """A string literal compared with a number is read as a number (PropertyValues are strings)."""
    if isinstance(sample, int | float) and not isinstance(sample, bool) and isinstance(literal, str):
        try:
            return float(literal)
        except ValueError:
            return literal
    return norm(literal)


class FilterParser:
    """Recursive-descent parser; ``compile`` returns ``predicate(row) -> bool``."""

    def __init__(self, text: str, resolve: Resolver, aliases: Mapping[str, str], user_id: str | None = None) -> None:
        self.text = text
        self.resolve = resolve
        self.aliases = aliases
        self.user_id = user_id
        self.tokens = self._tokenise(text)
        self.pos = 0

    def _tokenise(self, text: str) -> list[tuple[str, str, int]]:
        tokens, i = [], 0
        while i < len(text):
            match = _TOKEN.match(text, i)
            if not match:
                raise QuerySyntaxError(position=i, text=text)
            if match.lastgroup:
                tokens.append((match.lastgroup, match.group(match.lastgroup), i))
            i = match.end()
        return tokens

    # -- token helpers -----------------------------------------------------------------------------------

    def _peek(self, offset: int = 0) -> tuple[str, str, int] | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def _next(self) -> tuple[str, str, int]:
        token = self._peek()
        if token is None:
            raise QuerySyntaxError(position=len(self.text), text=self.text)
        self.pos += 1
        return token

    def _expect(self, value: str) -> None:
        _, text, where = self._next()
        if text != value:
            raise QuerySyntaxError(position=where, text=self.text)

    def _next_is(self, text: str) -> bool:
        token = self._peek()
        return token is not None and token[1] == text

    def _is_word(self, word: str) -> bool:
        token = self._peek()
        return token is not None and token[0] == "ident" and token[1] == word

    # -- grammar -----------------------------------------------------------------------------------------

    def compile(self) -> Callable[[Any], bool]:
        predicate = self._or()
        leftover = self._peek()
        if leftover is not None:
            raise QuerySyntaxError(position=leftover[2], text=self.text)
        return lambda row: bool(predicate(row))

    def _or(self) -> Getter:
        left = self._and()
        while self._is_word("or"):
            self.pos += 1
            right = self._and()
            left = (lambda a, b: lambda row: bool(a(row)) or bool(b(row)))(left, right)
        return left

    def _and(self) -> Getter:
        left = self._unary()
        while self._is_word("and"):
            self.pos += 1
            right = self._unary()
            left = (lambda a, b: lambda row: bool(a(row)) and bool(b(row)))(left, right)
        return left

    def _unary(self) -> Getter:
        if self._is_word("not"):
            self.pos += 1
            inner = self._unary()
            return lambda row: not inner(row)
        return self._comparison()

    def _comparison(self) -> Getter:
        left = self._operand()
        token = self._peek()
        if token is not None and token[0] == "ident" and token[1] in COMPARISONS:
            self.pos += 1
            right = self._operand()
            return _compare(token[1], left, right)
        return left

    def _operand(self) -> Getter:
        kind, text, where = self._next()
        if text == "(" and kind == "punct":
            inner = self._or()
            self._expect(")")
            return inner
        if kind in ("str", "dstr", "datetime", "guid", "date", "num", "alias"):
            value = self._literal(kind, text)
            return lambda row: value
        if kind != "ident":
            raise QuerySyntaxError(position=where, text=self.text)
        if text in ("true", "false"):
            return (lambda v: lambda row: v)(text == "true")
        if text == "null":
            return lambda row: None
        if "'" in text:  # enum literal: Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'
            value = text.split("'", 1)[1][:-1].replace("''", "'")
            return lambda row: value
        nxt = self._peek()
        if nxt is not None and nxt[1] == "(":
            return self._function(text)
        path = text
        while self._next_is("/"):
            self.pos += 1
            path += "/" + self._next()[1]
        return self.resolve(path)

    def _literal(self, kind: str, text: str) -> Any:
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "dstr":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "datetime":
            return normalise_datetime(text) or text
        if kind == "guid":
            return text.lower()
        if kind == "date":
            return text
        if kind == "num":
            return float(text) if any(ch in text for ch in ".eE") else int(text)
        raw = self.aliases.get(text)
        if raw is None:
            raise QuerySyntaxError(position=0, text=text)
        sub = FilterParser(raw, self.resolve, {})
        token = sub._next()
        if token[0] == "ident" and token[1] in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token[1]]
        return sub._literal(token[0], token[1])

    def _function(self, name: str) -> Getter:
        self._expect("(")
        lowered = name.lower()
        if lowered.startswith(_NS):
            return self._crm_function(name[len(_NS) :])
        args = [self._operand()]
        while self._next_is(","):
            self.pos += 1
            args.append(self._operand())
        self._expect(")")
        return _string_function(lowered, args, name)

    def _crm_function(self, name: str) -> Getter:
        params: dict[str, Any] = {}
        while self._peek() is not None and not self._next_is(")"):
            key = self._next()[1]
            self._expect("=")
            if self._next_is("["):
                self.pos += 1
                values = []
                while self._peek() is not None and not self._next_is("]"):
                    kind, text, _ = self._next()
                    if text != ",":
                        values.append(self._literal(kind, text) if kind != "ident" else text)
                self._expect("]")
                params[key] = values
            else:
                kind, text, _ = self._next()
                params[key] = self._literal(kind, text) if kind != "ident" else text
            if self._next_is(","):
                self.pos += 1
        self._expect(")")
        getter = self.resolve(str(params.get("PropertyName", "")))
        return _crm_predicate(name, getter, params, self.user_id)


def _compare(op: str, left: Getter, right: Getter) -> Getter:
    def compare(row: Any) -> bool:
        a, b = norm(left(row)), norm(right(row))
        if op == "eq":
            return a == b
        if op == "ne":
            return a != b
        if a is None or b is None:
            return False
        try:
            return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op]
        except TypeError:
            return False

    return compare


def _string_function(name: str, args: list[Getter], original: str) -> Getter:
    if name in ("contains", "startswith", "endswith") and len(args) == 2:
        test = {"contains": str.__contains__, "startswith": str.startswith, "endswith": str.endswith}[name]
        first, second = args

        def predicate(row: Any) -> bool:
            a, b = first(row), second(row)
            return isinstance(a, str) and isinstance(b, str) and test(a.casefold(), b.casefold())

        return predicate
    if name in ("tolower", "toupper", "trim") and len(args) == 1:
        (only,) = args
        method = {"tolower": str.lower, "toupper": str.upper, "trim": str.strip}[name]
        return lambda row: method(only(row)) if isinstance(only(row), str) else only(row)
    raise UnknownFunction(name=original)


def _crm_predicate(name: str, getter: Getter, params: dict[str, Any], user_id: str | None) -> Getter:
    values = params.get("PropertyValues") or []
    single = params.get("PropertyValue")
    lowered = name.lower()
    if lowered in ("in", "notin"):
        wanted = {_text(v) for v in values}
        negate = lowered == "notin"
        return lambda row: (getter(row) is not None and _text(getter(row)) in wanted) != negate
    if lowered in ("between", "notbetween") and len(values) == 2:
        negate = lowered == "notbetween"

        def between(row: Any) -> bool:
            value = norm(getter(row))
            low, high = (_like(v, value) for v in values)
            try:
                inside = value is not None and low <= value <= high
            except TypeError:
                inside = False
            return inside != negate

        return between
    if lowered in ("null", "notnull"):
        return lambda row: (getter(row) is None) == (lowered == "null")
    if lowered in ("equaluserid", "notequaluserid"):
        return lambda row: (getter(row) == user_id) == (lowered == "equaluserid")
    if lowered in ("on", "onorafter", "onorbefore") and single is not None:
        day = str(single)[:10]

        def on(row: Any) -> bool:
            value = getter(row)
            if not isinstance(value, str):
                return False
            date = value[:10]
            return {"on": date == day, "onorafter": date >= day, "onorbefore": date <= day}[lowered]

        return on
    raise UnknownFunction(name=f"Microsoft.Dynamics.CRM.{name}")


def compile_filter(
    text: str, resolve: Resolver, aliases: Mapping[str, str] | None = None, user_id: str | None = None
) -> Callable[[Any], bool]:
    """Compile ``$filter`` text into ``predicate(row)``; unknown properties raise through ``resolve``."""
    return FilterParser(text, resolve, aliases or {}, user_id).compile()
