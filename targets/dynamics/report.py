"""Reports of the Dynamics flow, under the customer's folder: owner resolution, the field diff, rollback failures."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

import polars as pl

from store.files import private_dir, private_tree
from targets.dynamics.owners import OwnerResolution, fallback_counts
from targets.dynamics.readback import TableReadback
from targets.dynamics.rollback import RollbackFailure

_STYLE = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2733}"
    "table{border-collapse:collapse;width:100%;margin:.6rem 0 1.2rem}td,th{border:1px solid #dde3ea;"
    "padding:.3rem .5rem;text-align:left}th{background:#f3f6f9}.bad{background:#fde6e6}.ok{background:#e3f5e8}"
    "td.n{text-align:right}"
)


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title><style>{_STYLE}</style>"
        f"<h1>{html.escape(title)}</h1>{body}"
    )


def write_owner_report(out: Path, resolution: OwnerResolution, owned: pl.DataFrame) -> Path:
    """Every practitioner, how they were matched (and why not), and the records per practitioner that fell back."""
    private_dir(out)  # personal data: owner-only (issue 15 item 9)
    fallback = fallback_counts(resolution, owned)
    resolution.practitioners.write_csv(out / "owner-resolution.csv")
    fallback.write_csv(out / "owner-fallback.csv")
    rows = "".join(
        f"<tr class='{'ok' if r['outcome'] == 'matched' else 'bad'}'><td><code>{html.escape(r['practitioner_id'])}"
        f"</code></td><td>{html.escape(r['email'] or '')}</td><td>{r['outcome']}</td>"
        f"<td><code>{r['systemuser_id'] or ''}</code></td><td>{html.escape(r['reason'] or '')}</td></tr>"
        for r in resolution.practitioners.iter_rows(named=True)
    )
    falls = "".join(
        f"<tr><td><code>{html.escape(r['ownerid'])}</code></td><td>{r['table']}</td>"
        f"<td class='n'>{r['records']}</td></tr>"
        for r in fallback.iter_rows(named=True)
    )
    body = (
        f"<p>Fallback owner: <code>{resolution.fallback_owner}</code>.</p><h2>Practitioners</h2><table><tr>"
        "<th>practitioner</th><th>email</th><th>outcome</th><th>systemuser</th><th>why it fell back</th></tr>"
        + rows
        + "</table>"
        "<h2>Records owned by the fallback owner</h2><table><tr><th>practitioner</th><th>table</th>"
        "<th>records</th></tr>" + (falls or "<tr><td colspan=3>None.</td></tr>") + "</table>"
    )
    path = out / "owner-resolution.html"
    path.write_text(_page("Owner resolution", body), encoding="utf-8")
    private_tree(out)
    return path


def write_diff_report(out: Path, results: list[TableReadback]) -> Path:
    """Per table and field: records compared, equal, different, with example keys (HTML + CSV)."""
    private_dir(out)  # personal data: owner-only (issue 15 item 9)
    rows = [
        {
            "table": r.table,
            "field": name,
            "compared": s.compared,
            "equal": s.equal,
            "different": s.different,
            "examples": "; ".join(s.examples),
        }
        for r in results
        for name, s in sorted(r.fields.items())
    ]
    pl.DataFrame(
        rows,
        schema={
            "table": pl.String,
            "field": pl.String,
            "compared": pl.Int64,
            "equal": pl.Int64,
            "different": pl.Int64,
            "examples": pl.String,
        },
    ).write_csv(out / "field-diff.csv")
    summary = "".join(
        f"<tr class='{'ok' if r.clean else 'bad'}'><td>{r.table}</td><td class='n'>{r.expected}</td>"
        f"<td class='n'>{r.found}</td><td class='n'>{len(r.missing)}</td><td class='n'>{r.differences}</td>"
        f"<td class='n'>{len(r.orphaned)}</td><td class='n'>{len(r.disabled_owner)}</td>"
        f"<td>{'equal' if r.expected_checksum == r.actual_checksum else 'DIFFERENT'}</td></tr>"
        for r in results
    )
    fields = "".join(
        f"<tr class='{'ok' if row['different'] == 0 else 'bad'}'><td>{row['table']}</td><td><code>{row['field']}"
        f"</code></td><td class='n'>{row['compared']}</td><td class='n'>{row['equal']}</td>"
        f"<td class='n'>{row['different']}</td><td>{html.escape(row['examples'])}</td></tr>"
        for row in rows
    )
    body = (
        "<h2>Tables</h2><table><tr><th>table</th><th>expected</th><th>found</th><th>missing</th>"
        "<th>field differences</th><th>orphaned</th><th>disabled owner</th><th>checksum</th></tr>"
        + summary
        + "</table><h2>Fields</h2><table><tr><th>table</th><th>field</th><th>compared</th><th>equal</th>"
        "<th>different</th><th>examples (canonical ids)</th></tr>" + fields + "</table>"
    )
    path = out / "field-diff.html"
    path.write_text(_page("Field-level diff: what was sent vs what the target holds", body), encoding="utf-8")
    private_tree(out)
    return path


ROLLBACK_FAILURE_SCHEMA = {
    "table": pl.String,
    "canonical_id": pl.String,
    "target_id": pl.String,
    "http_status": pl.Int64,
    "code": pl.String,
    "message": pl.String,
}


def write_rollback_failures(out: Path, failures: list[RollbackFailure]) -> Path:
    """`rollback-failures.csv`: each record the org would not delete or restore, with Dataverse's code and message
    (empty, with its header, when everything was rolled back)."""
    private_dir(out)
    path = out / "rollback-failures.csv"
    rows = [dataclasses.asdict(f) for f in failures]
    pl.DataFrame(rows, schema=ROLLBACK_FAILURE_SCHEMA).write_csv(path)
    private_tree(out)
    return path
