"""The $filter compiler on its own: operators, precedence, functions, aliases and errors (§9)."""

from __future__ import annotations

from typing import Any

import pytest

from emulators.dataverse import exceptions as e
from emulators.dataverse.models.query import QuerySyntaxError, UnknownFunction, compile_filter

ROWS: list[dict[str, Any]] = [
    {
        "name": "Ann Lee",
        "age": 34,
        "city": "Nelson",
        "born": "1990-03-01",
        "seen": "2024-01-05T10:00:00Z",
        "x": None,
    },
    {
        "name": "bo o'neil",
        "age": 51,
        "city": "Napier",
        "born": "1973-11-30",
        "seen": "2023-12-31T23:00:00Z",
        "x": 1,
    },
    {"name": "Cy Tan", "age": 8, "city": None, "born": "2016-06-06", "seen": None, "x": 2},
]


def _names(text: str, aliases: dict[str, str] | None = None) -> list[str]:
    predicate = compile_filter(text, lambda name: lambda row: row.get(name), aliases)
    return [row["name"] for row in ROWS if predicate(row)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("age gt 30", ["Ann Lee", "bo o'neil"]),
        ("age ge 8 and age le 34", ["Ann Lee", "Cy Tan"]),
        ("city eq 'NELSON'", ["Ann Lee"]),
        ("name eq 'bo o''neil'", ["bo o'neil"]),
        ("city eq null", ["Cy Tan"]),
        ("city ne null and not (age gt 40)", ["Ann Lee"]),
        ("age lt 10 or age gt 50 and city eq 'Napier'", ["bo o'neil", "Cy Tan"]),
        ("(age lt 10 or age gt 50) and city eq 'Napier'", ["bo o'neil"]),
        ("contains(name,'O''N')", ["bo o'neil"]),
        ("startswith(city,'na') or endswith(name,'tan')", ["bo o'neil", "Cy Tan"]),
        ("tolower(city) eq 'nelson'", ["Ann Lee"]),
        ("born lt 2000-01-01", ["Ann Lee", "bo o'neil"]),
        ("seen ge 2024-01-01T00:00:00+13:00", ["Ann Lee", "bo o'neil"]),
        ("Microsoft.Dynamics.CRM.In(PropertyName='city',PropertyValues=['nelson','Dunedin'])", ["Ann Lee"]),
        ('Microsoft.Dynamics.CRM.In(PropertyName="age",PropertyValues=["8","51"])', ["bo o'neil", "Cy Tan"]),
        ("Microsoft.Dynamics.CRM.NotIn(PropertyName='age',PropertyValues=['8'])", ["Ann Lee", "bo o'neil"]),
        (
            "Microsoft.Dynamics.CRM.Between(PropertyName='age',PropertyValues=['30','60'])",
            ["Ann Lee", "bo o'neil"],
        ),
        ("Microsoft.Dynamics.CRM.Null(PropertyName='seen')", ["Cy Tan"]),
        ("Microsoft.Dynamics.CRM.OnOrAfter(PropertyName='seen',PropertyValue='2024-01-05')", ["Ann Lee"]),
    ],
)
def test_filter_expressions(text: str, expected: list[str]) -> None:
    assert _names(text) == expected


def test_parameter_aliases() -> None:
    assert _names("city eq @c and age gt @a", {"@c": "'Napier'", "@a": "40"}) == ["bo o'neil"]


@pytest.mark.parametrize("text", ["age gt", "age gt 5)", "(age gt 5", "age ~ 5"])
def test_syntax_errors(text: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        _names(text)
    assert raised.value.code == "0x80060888"
    assert raised.value.message.startswith("Syntax error at position")


def test_unknown_function() -> None:
    with pytest.raises(UnknownFunction):
        _names("Microsoft.Dynamics.CRM.LastXHours(PropertyName='seen',PropertyValue=3)")
    assert issubclass(UnknownFunction, e.DataverseError)
