"""Every HTML report the pipeline writes, rendered with markup in names, notes, file names and the practice's
own name: no tag but the report's own, no event handler, and a Content-Security-Policy that loads nothing."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
from corpus_helpers import HOSTILE, HOSTILE_FILE_NAME, HOSTILE_PRACTICE

from checks.html import CONTENT_SECURITY_POLICY, TABLE_SCRIPT
from checks.post_migration import CheckOutcome, PostMigrationSummary, write_report
from targets.dynamics.owners import OwnerResolution
from targets.dynamics.readback import FieldStats, TableReadback
from targets.dynamics.report import write_diff_report, write_owner_report
from targets.dynamics.schema_plan import PlanItem, SchemaPlan

# The tags the report templates use themselves; anything else came from data.
REPORT_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "div", "span", "b", "code", "ol",
    "ul", "li", "table", "tr", "th", "td", "details", "summary", "br", "small", "em", "strong", "nav", "a",
    "thead", "tbody", "script",
}  # fmt: skip


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_safe(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    unexpected = {tag for tag, _ in parser.tags} - REPORT_TAGS
    assert not unexpected, f"tags from data: {unexpected}"
    # The only script is the table tools' own text, the one the policy admits by its hash.
    assert set(re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.S)) <= {TABLE_SCRIPT}
    # Links between the kept reports are relative paths or anchors: never a scheme (javascript:, http:).
    links = [value for tag, attrs in parser.tags for name, value in attrs if name == "href"]
    assert not [link for link in links if link is None or ":" in link], f"links: {links}"
    handlers = [(tag, name) for tag, attrs in parser.tags for name, _ in attrs if name.startswith("on")]
    assert not handlers, f"event handlers: {handlers}"
    policies = [dict(attrs).get("content") for tag, attrs in parser.tags if dict(attrs).get("http-equiv")]
    assert policies == [CONTENT_SECURITY_POLICY]
    for hostile in HOSTILE:
        assert hostile not in html


def test_approval_report_escapes_names_notes_and_file_names(hostile_runs) -> None:
    reports = hostile_runs.home / "customers" / "hostile" / "reports"
    html = (reports / "trial" / "iteration-001" / "approval-report.html").read_text(encoding="utf-8")
    assert_safe(html)
    # The index of kept reports names the practice too.
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert_safe(index)
    assert "Harbour &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;Co&#39;" in index
    # The hostile values are there, as text: the practice's name, patients' names and the file names.
    assert "Harbour &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;Co&#39;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;svg onload=alert(4)&gt;.pdf" in html


def test_post_migration_report_escapes(tmp_path: Path) -> None:
    summary = PostMigrationSummary(
        "hostile",
        HOSTILE_PRACTICE,
        "trial",
        HOSTILE[2],
        [CheckOutcome(f"dynamics/{HOSTILE[0]}", HOSTILE[1], False, "ERROR", HOSTILE[2])],
        [{"table": HOSTILE[0], "create": 1}],
        [{"entity": HOSTILE[1], "considered": 1, "staged": 1, "merged": 0, "rejected": 0}],
    )
    html = write_report(summary, tmp_path).read_text(encoding="utf-8")
    assert_safe(html)
    assert "&lt;script&gt;" in html


def test_owner_resolution_report_escapes(tmp_path: Path) -> None:
    practitioners = pl.DataFrame(
        {
            "practitioner_id": [HOSTILE[0]],
            "email": [f"{HOSTILE[1]}@example.org"],
            "outcome": [HOSTILE[2]],
            "systemuser_id": [HOSTILE[0]],
        }
    )
    resolution = OwnerResolution({}, HOSTILE[1], frozenset(), practitioners)
    owned = pl.DataFrame({"table": [HOSTILE[2]], "ownerid": [HOSTILE[0]]})
    names = {HOSTILE[0]: HOSTILE_PRACTICE}
    html = write_owner_report(tmp_path, resolution, owned, names, f"{HOSTILE[2]}@example.org").read_text("utf-8")
    assert_safe(html)
    assert "&lt;img src=x onerror=alert(2)&gt;@example.org" in html
    assert "Harbour &lt;script&gt;alert(1)&lt;/script&gt;" in html  # the practitioner's name, escaped


def test_field_diff_report_escapes(tmp_path: Path) -> None:
    readback = TableReadback(
        HOSTILE[0],
        expected=2,
        found=1,
        missing=[HOSTILE[1]],
        fields={
            HOSTILE[2]: FieldStats(
                compared=1,
                equal=0,
                examples=[HOSTILE_FILE_NAME],
                sent_vs_found=[(HOSTILE_FILE_NAME, HOSTILE[0], HOSTILE[1])],
            )
        },
    )
    path = write_diff_report(tmp_path, [readback])
    html = path.read_text(encoding="utf-8")
    assert_safe(html)
    # The values sent and found are shown, as text (issue 25 item 7).
    assert "&lt;script&gt;" in html and "field-diff-values.csv" in html
    assert HOSTILE[1] in (tmp_path / "readback-records.csv").read_text(encoding="utf-8")


def test_schema_plan_report_escapes() -> None:
    plan = SchemaPlan([PlanItem(1, HOSTILE[0], "column", HOSTILE[1], HOSTILE[2], "missing")])
    assert_safe(plan.html())
