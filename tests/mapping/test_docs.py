"""Documentation stays true to the code: every transform and issue code is in docs/mapping-spec.md."""

from __future__ import annotations

from pathlib import Path

from mappings.issues import ISSUE_MESSAGES
from mappings.transforms.registry import get_transform, transform_names

DOC = (Path(__file__).resolve().parents[2] / "docs" / "mapping-spec.md").read_text(encoding="utf-8")


def test_every_transform_is_documented_with_its_parameters() -> None:
    for name in transform_names():
        row = next((line for line in DOC.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, f"transform {name} is not listed in docs/mapping-spec.md"
        for param in get_transform(name).params:
            assert param.rstrip("_") in row, f"{name}: parameter {param} missing from its row"


def test_every_issue_code_is_documented() -> None:
    missing = [code for code in ISSUE_MESSAGES if f"`{code}`" not in DOC]
    assert not missing
