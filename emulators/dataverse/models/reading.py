"""Read side: $select, $expand, $orderby, paging cookies and the JSON shape of a row (research §9, §2.6)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from .. import exceptions as e
from .query import Getter, compile_filter, norm
from .registry import Schema
from .relations import Relations
from .schema import AttributeDef, TableDef
from .store import Record, Store

FORMATTED = "OData.Community.Display.V1.FormattedValue"
LOOKUP_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname"
NAV_NAME = "Microsoft.Dynamics.CRM.associatednavigationproperty"
_PAGE = re.compile(r'pagenumber="(\d+)"')


def annotation_filter(prefer: Mapping[str, str]) -> Callable[[str], bool]:
    """``Prefer: odata.include-annotations="…"`` → which annotation names to emit."""
    raw = prefer.get("odata.include-annotations", "").strip().strip('"')
    patterns = [p.strip() for p in raw.split(",") if p.strip()]
    if not patterns:
        return lambda name: False

    def wants(name: str) -> bool:
        for pattern in patterns:
            if pattern == "*" or pattern == name:
                return True
            if pattern.endswith("*") and name.startswith(pattern[:-1]):
                return True
        return False

    return wants


def split_top(text: str, separator: str = ",") -> list[str]:
    """Split on ``separator`` outside parentheses and quotes."""
    parts, depth, quoted, current = [], 0, False, []
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def parse_expand(text: str) -> list[tuple[str, dict[str, str]]]:
    """``a($select=x,y;$top=2),b`` → ``[("a", {"$select": "x,y", "$top": "2"}), ("b", {})]``."""
    items = []
    for part in split_top(text):
        name, _, rest = part.partition("(")
        options = {}
        if rest:
            for option in split_top(rest[:-1], ";"):
                key, _, value = option.partition("=")
                options[key.strip()] = value.strip()
        items.append((name.strip(), options))
    return items


def skiptoken(page: int, pk: str, first: str, last: str) -> str:
    """A ``$skiptoken`` shaped like Dataverse's paging cookie (research/dataverse.md §9)."""
    cookie = f'<cookie page="{page - 1}"><{pk} last="{{{last}}}" first="{{{first}}}" /></cookie>'
    return f'<cookie pagenumber="{page}" pagingcookie="{quote(quote(cookie))}" istracking="False" />'


def page_number(token: str | None) -> int:
    match = _PAGE.search(token or "")
    return int(match.group(1)) if match else 1


def _sort_key(value: Any) -> tuple[Any, ...]:
    # NULLs sort first ascending, as on SQL Server; mixed types never compare with each other.
    if value is None:
        return (0,)
    if isinstance(value, bool | int | float):
        return (1, 0, float(value))
    return (1, 1, str(norm(value)))


class Reader:
    """Turns stored rows into Web API JSON and evaluates queries over them."""

    def __init__(self, schema: Schema, store: Store, relations: Relations) -> None:
        self.schema = schema
        self.store = store
        self.relations = relations

    # -- property resolution -----------------------------------------------------------------------------

    def getter(self, table: TableDef, name: str) -> Getter:
        """A function reading one property (``_x_value`` for lookups, ``nav/prop`` one hop deep)."""
        if "/" in name:
            nav, _, prop = name.partition("/")
            attr_name, target = table.navs.get(nav, ("", ""))
            if not attr_name or target == "*":
                raise e.PropertyNotFound(property=nav, entity=table.logical)
            inner = self.getter(self.schema.table(target), prop)

            def hop(row: Record) -> Any:
                ref = row.get(attr_name)
                other = self.store.get(target, ref["id"]) if isinstance(ref, dict) else None
                return inner(other) if other is not None else None

            return hop
        attr = self._attribute(table, name)
        if attr.is_lookup:
            return lambda row: (row.get(attr.name) or {}).get("id")
        return lambda row: row.get(attr.name)

    def _attribute(self, table: TableDef, name: str) -> AttributeDef:
        key = name[1:-6] if name.startswith("_") and name.endswith("_value") else name
        attr = table.attributes.get(key)
        if attr is None or attr.is_lookup != (key != name) or not attr.read:
            raise e.PropertyNotFound(property=name, entity=table.logical)
        return attr

    def select(self, table: TableDef, text: str | None) -> list[AttributeDef] | None:
        """Parse ``$select``; lookups must be named ``_x_value`` (research/dataverse.md §2.6)."""
        if not text:
            return None
        return [self._attribute(table, name.strip()) for name in text.split(",") if name.strip()]

    # -- queries -----------------------------------------------------------------------------------------

    def query(
        self,
        table: TableDef,
        params: Mapping[str, str],
        user_id: str | None,
        rows: list[Record] | None = None,
    ) -> list[Record]:
        """Filter and order the rows of ``table`` (primary key last, so paging is stable)."""
        candidates = list(self.store.rows(table.logical).values()) if rows is None else rows
        text = params.get("$filter")
        if text:
            aliases = {k: v for k, v in params.items() if k.startswith("@")}
            predicate = compile_filter(text, lambda name: self.getter(table, name), aliases, user_id)
            candidates = [row for row in candidates if predicate(row)]
        candidates.sort(key=lambda row: row[table.pk])
        orderby = params.get("$orderby")
        if orderby:
            clauses = [c.split() for c in orderby.split(",") if c.strip()]
            for clause in reversed(clauses):
                get = self.getter(table, clause[0])
                descending = len(clause) > 1 and clause[1].lower() == "desc"
                candidates.sort(key=lambda row, get=get: _sort_key(get(row)), reverse=descending)
        return candidates

    # -- JSON shape --------------------------------------------------------------------------------------

    def project(
        self,
        table: TableDef,
        record: Record,
        select: list[AttributeDef] | None,
        wants: Callable[[str], bool],
        expand: list[tuple[str, dict[str, str]]] | None = None,
    ) -> dict[str, Any]:
        """One row as the Web API returns it: ``@odata.etag``, columns, ``_x_value`` lookups, annotations."""
        out: dict[str, Any] = {"@odata.etag": f'W/"{record.get("versionnumber", 0)}"'}
        attrs = select if select is not None else [a for a in table.attributes.values() if a.read]
        for attr in attrs:
            value = record.get(attr.name)
            if attr.is_lookup:
                self._lookup(out, attr, value, wants)
            else:
                out[attr.name] = value
                if value is not None and wants(FORMATTED):
                    formatted = self._formatted(attr, value, record)
                    if formatted is not None:
                        out[f"{attr.name}@{FORMATTED}"] = formatted
        out.setdefault(table.pk, record.get(table.pk))
        for nav, options in expand or []:
            out[nav] = self._expand(table, record, nav, options, wants)
        return out

    def _lookup(self, out: dict[str, Any], attr: AttributeDef, value: Any, wants: Callable[[str], bool]) -> None:
        wire = attr.wire_name
        ref = value if isinstance(value, dict) else None
        out[wire] = ref["id"] if ref else None
        if ref is None:
            return
        if wants(FORMATTED):
            target = self.schema.tables.get(ref["type"])
            other = self.store.get(ref["type"], ref["id"]) if target else None
            if target is not None and other is not None and target.primary_name:
                out[f"{wire}@{FORMATTED}"] = other.get(target.primary_name)
        if wants(NAV_NAME):
            out[f"{wire}@{NAV_NAME}"] = attr.nav.get(ref["type"], attr.name)
        if wants(LOOKUP_NAME):
            out[f"{wire}@{LOOKUP_NAME}"] = ref["type"]

    def _formatted(self, attr: AttributeDef, value: Any, record: Record) -> str | None:
        if attr.options is not None:
            key = int(value) if isinstance(value, bool) else value
            return attr.options.get(key)
        if attr.type == "Money":
            symbol = "$"
            currency = record.get("transactioncurrencyid")
            if isinstance(currency, dict):
                row = self.store.get("transactioncurrency", currency["id"])
                symbol = (row or {}).get("currencysymbol") or symbol
            return f"{symbol}{value:,.2f}"
        if attr.type in ("Integer", "BigInt"):
            return f"{value:,}"
        if attr.type in ("Decimal", "Double"):
            return f"{value:,.{attr.precision or 2}f}"
        if attr.type == "DateTime":
            year, month, day = value[0:4], int(value[5:7]), int(value[8:10])
            if attr.format == "DateOnly":
                return f"{month}/{day}/{year}"
            hour, minute = int(value[11:13]), value[14:16]
            return f"{month}/{day}/{year} {hour % 12 or 12}:{minute} {'AM' if hour < 12 else 'PM'}"
        return None

    def _expand(
        self, table: TableDef, record: Record, nav: str, options: dict[str, str], wants: Callable[[str], bool]
    ) -> Any:
        if nav == table.party_collection:
            parties = self.schema.table("activityparty")
            rows = [self.store.get(entity, rid) for entity, rid in self.relations.of(record[table.pk], "activityparty")]
            found = self.query(parties, options, None, [r for r in rows if r is not None])
            select = self.select(parties, options.get("$select"))
            return [self.project(parties, row, select, wants) for row in found]
        attr_name, target = table.navs.get(nav, ("", ""))
        if not attr_name:
            raise e.PropertyNotFound(property=nav, entity=table.logical)
        ref = record.get(attr_name)
        if not isinstance(ref, dict) or (target != "*" and ref.get("type") != target):
            return None
        other_table = self.schema.table(ref["type"])
        other = self.store.get(other_table.logical, ref["id"])
        if other is None:
            return None
        return self.project(other_table, other, self.select(other_table, options.get("$select")), wants)
