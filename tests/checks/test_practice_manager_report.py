"""The approval report a practice manager can act on (issue 25 item 7): each flagged and rejected record named as
it is found in the current system, sortable and filterable tables run by the one hashed script the page's policy
allows, a table of contents and a printable signoff page. These values stay in the customer's folder."""

from __future__ import annotations

import base64
import csv
import hashlib
import re
from pathlib import Path

import polars as pl
from pipeline_helpers import register_customer, run_pipeline, staged_frame

from checks.html import CONTENT_SECURITY_POLICY, TABLE_SCRIPT
from checks.report import FINDINGS_FILE, SIGNOFF_PAGE
from synthetic import generate_practice


def test_flagged_and_rejected_records_are_named_and_the_page_is_actionable(tmp_path: Path) -> None:
    dump = generate_practice(tmp_path / "dump", country="NZ", clients=60, defect_rate=0.08, seed=3).out_dir
    home = tmp_path / "home"
    outcome = run_pipeline(home, register_customer(home, "pm-nz", dump))
    folder = outcome.report_path.parent
    with (folder / FINDINGS_FILE).open(encoding="utf-8") as handle:
        findings = list(csv.DictReader(handle))
    assert findings, "the defective practice has flagged records"
    # ERROR findings first.
    severities = [f["severity"] for f in findings]
    assert severities == sorted(severities, key=lambda s: s != "ERROR")

    clients = staged_frame(home, "pm-nz", "client").select("canonical_id", "first_name", "last_name", "date_of_birth")
    by_id = {r["canonical_id"]: r for r in clients.iter_rows(named=True)}
    # Records still staged (a merged duplicate is flagged by the id it had; its survivor is staged).
    flagged_clients = [f for f in findings if f["entity"] == "client" and f["canonical_id"] in by_id]
    assert flagged_clients
    for row in flagged_clients:
        client = by_id[row["canonical_id"]]
        assert client["last_name"] in row["find_it_by"]
        if client["date_of_birth"] is not None:
            assert f"born {client['date_of_birth']:%Y-%m-%d}" in row["find_it_by"]
    # A duplicate merged away is named through the record it was merged into.
    merged = [f for f in findings if f["entity"] == "client" and f["canonical_id"] not in by_id]
    assert merged and all(f["find_it_by"].startswith("merged into: ") for f in merged)
    assert all(f["find_it_by"] for f in findings if f["entity"] == "client")
    appointments = [f for f in findings if f["entity"] == "appointment"]
    assert appointments and all(f["find_it_by"] for f in appointments)
    # A staged appointment reads with its date, practitioner and client; a rejected one with its delivered start.
    for row in appointments:
        assert row["find_it_by"].startswith(("appointment ", "starts_at = ")), row["find_it_by"]
        if row["find_it_by"].startswith("appointment "):
            assert " · with " in row["find_it_by"] and " · client " in row["find_it_by"]

    rejects = pl.read_csv(folder / "rejects.csv", infer_schema_length=0)
    assert rejects.height and rejects["find_it_by"].str.contains(" = ").any()

    html = outcome.report_path.read_text(encoding="utf-8")
    assert 'href="#records"' in html and 'id="records"' in html and 'href="signoff.html"' in html
    assert html.count('<table class="tools">') == 2
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert scripts == [TABLE_SCRIPT]
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in CONTENT_SECURITY_POLICY
    name = by_id[flagged_clients[0]["canonical_id"]]["last_name"]
    assert name in html  # the report (customer folder) names the patient

    signoff = (folder / SIGNOFF_PAGE).read_text(encoding="utf-8")
    assert f"<td>{outcome.iteration.iteration}" in signoff and outcome.spec.version in signoff
    if outcome.blocking_failures:
        assert "Not ready for signoff" in signoff
    staged_clients = outcome.iteration.reconciliation["staged"]
    assert staged_clients > 0
