"""Reports kept, not overwritten (issue 25 item 6): each trial iteration's approval report and each load run's
reports in their own folder under the customer's `reports/<run kind>/`, and one index page linking them.

Layout: `reports/index.html`; `reports/<run>/iteration-NNN/` (approval report and its CSVs);
`reports/<run>/load-<run id>/` (post-migration report plus the copies of what that run's steps wrote beside it:
field diff, read-back records, audit log, owner and schema reports). Each folder holds `summary.json` — counts,
verdicts, ids of runs, never a record or a value — from which the index is rebuilt, so a re-run writes its own
folder and never replaces another's. A load that sent nothing says so and names the load that wrote the data.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from checks.html import render_report
from store.files import private_dir, private_tree

INDEX_FILE = "index.html"
SUMMARY_FILE = "summary.json"
RUN_KINDS = ("trial", "live")


@dataclass(frozen=True)
class ReportSummary:
    """What the index shows of one kept folder (value-free: it is also what the run log and demo print)."""

    kind: Literal["iteration", "load"]
    run_kind: str
    run_id: str
    at: str  # ISO instant, UTC
    verdict: str  # passed | failed (checks/blocking.py)
    main_report: str  # file name inside the folder
    iteration: int = 0  # approval iterations
    errors: int = 0  # failing ERROR checks (blocking)
    warnings: int = 0
    written: int = 0  # loads: records created or updated by this run
    counts: dict[str, int] = field(default_factory=dict)  # iterations: reconciliation; loads: per operation


def iteration_dir(reports_dir: Path, iteration: int) -> Path:
    return reports_dir / f"iteration-{iteration:03d}"


def load_dir(reports_dir: Path, run_id: str) -> Path:
    return reports_dir / f"load-{run_id}"


def keep_load_files(reports_dir: Path, folder: Path, since: float) -> list[str]:
    """Copy into the load's folder the files of `reports_dir` written since the run started (`since`, a POSIX
    time): the field diff, read-back records, audit log… that the run's own steps wrote there. Files older than
    the run belong to an earlier run and stay out."""
    private_dir(folder)
    kept = []
    for path in sorted(reports_dir.iterdir()):
        if path.is_file() and not path.is_symlink() and path.stat().st_mtime >= since:
            shutil.copy2(path, folder / path.name)
            kept.append(path.name)
    return kept


def record_summary(folder: Path, summary: ReportSummary) -> None:
    (folder / SUMMARY_FILE).write_text(json.dumps(asdict(summary), sort_keys=True, indent=1), encoding="utf-8")


def read_summaries(reports_root: Path) -> list[tuple[Path, ReportSummary]]:
    """Every kept folder's summary under `reports_root` (the customer's `reports/`), oldest first."""
    found = []
    for run_kind in RUN_KINDS:
        for path in sorted((reports_root / run_kind).glob(f"*/{SUMMARY_FILE}")):
            found.append((path.parent, ReportSummary(**json.loads(path.read_text(encoding="utf-8")))))
    return sorted(found, key=lambda item: (item[1].at, item[1].run_id))


def write_index(reports_root: Path, customer_id: str, customer_name: str) -> Path:
    """Render `reports/index.html`: per run kind, each approval iteration and each load, newest first, linked."""
    private_dir(reports_root)
    summaries = read_summaries(reports_root)
    sections = []
    for run_kind in RUN_KINDS:
        mine = [(p, s) for p, s in summaries if s.run_kind == run_kind]
        loads = [(p, s) for p, s in mine if s.kind == "load"]
        # A load that wrote nothing points at the latest earlier load that did: its reports describe the data.
        wrote_by: dict[str, str] = {}
        last_writer = ""
        for _, s in loads:
            if s.written:
                last_writer = s.run_id
            wrote_by[s.run_id] = last_writer
        sections.append(
            {
                "run_kind": run_kind,
                "iterations": [
                    {"s": s, "href": f"{run_kind}/{p.name}/{s.main_report}"}
                    for p, s in reversed(mine)
                    if s.kind == "iteration"
                ],
                "loads": [
                    {
                        "s": s,
                        "href": f"{run_kind}/{p.name}/{s.main_report}",
                        "data_from": "" if s.written else wrote_by[s.run_id],
                        "files": sorted(f.name for f in p.iterdir() if f.name != SUMMARY_FILE),
                        "folder": f"{run_kind}/{p.name}",
                    }
                    for p, s in reversed(loads)
                ],
            }
        )
    path = reports_root / INDEX_FILE
    path.write_text(
        render_report(
            "reports_index.html.j2",
            title=f"Reports — {customer_name}",
            customer_id=customer_id,
            sections=sections,
        ),
        encoding="utf-8",
    )
    private_tree(reports_root)
    return path
