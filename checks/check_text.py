"""A check result in words (issue 25 item 5): one short text verdict and a markdown breakdown by reason code,
readable in the Dagster UI without opening JSON. Counts and codes only — which records, by name, is in the
customer's report the result links to, never here."""

from __future__ import annotations

from collections.abc import Mapping

from checks.blocking import severity_label

_REASONS_IN_VERDICT = 3


def _reasons(breakdown: Mapping[str, int]) -> list[tuple[str, int]]:
    """Most frequent first, then by code."""
    return sorted(((k, int(v)) for k, v in breakdown.items() if v), key=lambda kv: (-kv[1], kv[0]))


def text_verdict(
    passed: bool,
    severity: str,
    failed: int,
    checked: int | None = None,
    breakdown: Mapping[str, int] | None = None,
    unit: str = "records",
) -> str:
    """`passed — 412 records checked` or `failed (ERROR · blocking) — 3 of 412 records: code 2, code 1`."""
    of = f" of {checked}" if checked is not None else ""
    if passed:
        return f"passed — {checked} {unit} checked" if checked is not None else "passed"
    reasons = _reasons(breakdown or {})
    listed = ", ".join(f"{code} {n}" for code, n in reasons[:_REASONS_IN_VERDICT])
    more = f", {len(reasons) - _REASONS_IN_VERDICT} more reasons" if len(reasons) > _REASONS_IN_VERDICT else ""
    return f"failed ({severity_label(severity)}) — {failed}{of} {unit}" + (f": {listed}{more}" if listed else "")


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def breakdown_markdown(
    verdict: str, breakdown: Mapping[str, int], records_file: str | None = None, heading: str = "reason code"
) -> str:
    """The verdict in bold, a table of reason codes and counts, and where the records are listed."""
    lines = [f"**{_cell(verdict)}**"]
    reasons = _reasons(breakdown)
    if reasons:
        lines += ["", f"| {heading} | count |", "|---|---:|", *(f"| `{_cell(code)}` | {n} |" for code, n in reasons)]
    if records_file:
        lines += [
            "",
            f"Which records: `{records_file}` in the customer's report folder (personal data stays there).",
        ]
    return "\n".join(lines)
