"""A staging run killed before it completes leaves no trial iteration behind: a signoff can only point at
an iteration whose checklist and approval report were both written."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from pipeline_helpers import load_raw, register_customer, run_pipeline

from checks.iterations import ITERATIONS, latest_iteration
from store import table_exists
from synthetic import generate_practice

ROOT = Path(__file__).resolve().parents[2]
CUSTOMER = "killedstaging"

# Staging and the checklist run for real; the process is killed with SIGKILL as the approval report is
# about to be written (the last step before the run would complete) — a fixed point, not a timing race.
KILLED_STAGING = """
import os, signal, sys
sys.path[:0] = [{root!r}]
from pathlib import Path
import checks.approval as approval
from customers import MigrationHome

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

approval.write_approval_report = killed
home = MigrationHome(Path({home!r}))
approval.stage_and_check(home, home.load({customer!r}), "trial")
print("finished")
"""


def test_a_killed_staging_run_leaves_no_phantom_iteration(tmp_path: Path) -> None:
    practice = generate_practice(tmp_path / "dump", country="NZ", clients=40, seed=4)
    home = tmp_path / "home"
    config = register_customer(home, CUSTOMER, practice.out_dir)
    warehouse = load_raw(home, config, "trial")
    script = tmp_path / "killed_staging.py"
    script.write_text(KILLED_STAGING.format(root=str(ROOT), home=str(home), customer=CUSTOMER), encoding="utf-8")

    process = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, timeout=600, check=False)
    assert process.returncode == -signal.SIGKILL and b"finished" not in process.stdout, process.stderr[-2000:]

    with warehouse.connect(read_only=True) as con:
        staged = con.execute("select count(*) from staged.client where run_kind = 'trial'").fetchall()[0][0]
        iterations = table_exists(con, ITERATIONS) and con.execute(f"select count(*) from {ITERATIONS.sql}").fetchall()
    assert staged > 0  # it did stage and check before it was killed
    assert not iterations or iterations[0][0] == 0

    outcome = run_pipeline(home, config)  # the next run completes and is iteration 1
    assert outcome.iteration.iteration == 1 and outcome.report_path.is_file()
    with warehouse.connect() as con:
        latest = latest_iteration(con, "trial")
    assert latest is not None and latest.iteration == 1 and latest.run_id == outcome.iteration.run_id
    assert outcome.report_path.stat().st_size > 0
