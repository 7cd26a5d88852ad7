"""Take the operator guide's screenshots from a running `make dev` (headless Chromium).

    make dev &                       # the UI on the demo's instance and data (run `make demo` first)
    make screenshots                 # installs docs/screenshots/requirements.txt into .venv-docs, runs this

The signoff, live, delta and rollback states need a practice whose trial passes (the demo's has ERROR
findings by design): a clean customer (`SCREENSHOT_CUSTOMER`, default clean-physio: a clean generated
practice, Cliniko dump, live target the demo's emulated Dynamics org — `SCREENSHOT_TARGET=gensolve`: its own
embedded Gensolve database) taken through trial staging, signoff, live staging, `dynamics_migrate`,
`cliniko_delta_pickup_dynamics` and `dynamics_rollback` on the same instance first — docs/screenshots/setup.py
does that (`make screenshots` runs it before this). Pages of a customer with no such runs are skipped (named
on stderr).

Uses the system's Chromium (`CHROMIUM`, default /usr/bin/chromium; on Debian `apt-get install chromium`):
Playwright's own browser download is not needed. Writes docs/screenshots/<name>.png (optimised by optipng
when it is installed); `take.py <name> ...` retakes only those.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

OUT = Path(__file__).resolve().parent
BASE = os.environ.get("DAGSTER_URL", "http://127.0.0.1:3000").rstrip("/")
CLEAN = os.environ.get("SCREENSHOT_CUSTOMER", "clean-physio")
TARGET = os.environ.get("SCREENSHOT_TARGET", "dynamics")  # the clean customer's target group (setup.py)
PAGES = {
    "asset-graph": "/asset-groups",
    "staged-client-checks": "/assets/staged/client?view=checks",
    "dynamics-migrate-launchpad": "/locations/migration/jobs/dynamics_migrate/playground",
    "post-migration-check": "/assets/dynamics/post_migration?view=checks",
    "signoff-asset": "/assets/signoff/trial_signoff?view=lineage",
    "automation": "/automation",
    "runs": "/runs",
    "runs-verdict-failed": "/runs?q%5B0%5D=tag%3Averdict%3Dfailed",
    "rollback-launchpad": "/locations/migration/jobs/dynamics_rollback/playground",
}

# What to click (exact texts) before the shot: a check's overview shows only its latest evaluation (the clean
# practice's, which came last; a `partition` in the URL does not change that), its execution history every
# partition's, the demo's failures too.
CLICKS = {
    "staged-client-checks": ("Execution history",),
    "post-migration-check": ("passed", "Execution history"),  # the verdict check, not the first listed
}

# The clean customer's day (module docstring): its recorded signoff and the delta's verification.
CLEAN_PAGES = {
    "signoff-recorded": f"/assets/signoff/trial_signoff?partition={CLEAN}",
    "delta-verification": f"/assets/delta/verification?view=checks&partition={CLEAN}%7Clive",
}

# The latest run of a job (of a partition, when given), its log filtered to a text when given (progress lines,
# store/progress.py: "records/s").
RUN_LOGS: dict[str, tuple[str, str | None, str | None]] = {
    "dynamics-migrate-progress": ("dynamics_migrate", None, "records/s"),
    "live-migrate-run": (f"{TARGET}_migrate", f"{CLEAN}|live", None),
    "delta-pickup-run": (f"cliniko_delta_pickup_{TARGET}", f"{CLEAN}|live", None),
    "rollback-run": (f"{TARGET}_rollback", f"{CLEAN}|live", None),
}
_LATEST_RUN = (
    "query($filter: RunsFilter!) { runsOrError(filter: $filter, limit: 1) { ... on Runs { results { runId } } } }"
)


def _latest_run(page: Page, job: str, partition: str | None) -> str | None:
    run_filter: dict[str, object] = {"pipelineName": job}
    if partition:
        run_filter["tags"] = [{"key": "dagster/partition", "value": partition}]
    answer = page.request.post(BASE + "/graphql", data={"query": _LATEST_RUN, "variables": {"filter": run_filter}})
    results = answer.json()["data"]["runsOrError"]["results"]
    return results[0]["runId"] if results else None


def _shoot(page: Page, path: str, name: str, log_filter: str | None = None) -> None:
    page.goto(BASE + path, wait_until="networkidle")
    skip = page.get_by_role("button", name="Skip")
    if skip.count():
        skip.first.click()  # the first-visit community dialog
    for text in CLICKS.get(name, ()):
        page.get_by_text(text, exact=True).first.click()
        page.wait_for_load_state("networkidle")
    if log_filter:
        page.get_by_placeholder("Filter").first.fill(log_filter)
    page.wait_for_timeout(2500)
    page.screenshot(path=str(OUT / f"{name}.png"))
    optipng = shutil.which("optipng")
    if optipng:  # lossless, a sixth smaller (Debian: apt-get install optipng)
        subprocess.run([optipng, "-quiet", "-o2", str(OUT / f"{name}.png")], check=True)  # noqa: S603 our own file
    print(OUT / f"{name}.png")


def _dismiss_welcome(page: Page) -> None:
    """The first visit's community dialog opens a moment after the page settles; skipped once, the browser
    context remembers it for every later page."""
    page.goto(BASE + "/", wait_until="networkidle")
    with contextlib.suppress(PlaywrightTimeout):  # not shown: already dismissed on this instance
        page.get_by_role("button", name="Skip").first.click(timeout=10_000)


def main() -> int:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        _dismiss_welcome(page)
        only = set(sys.argv[1:])  # names to retake; all by default
        for name, path in {**PAGES, **CLEAN_PAGES}.items():
            if not only or name in only:
                _shoot(page, path, name)
        for name, (job, partition, log_filter) in RUN_LOGS.items():
            if only and name not in only:
                continue
            run_id = _latest_run(page, job, partition)
            if run_id is None:
                print(f"{name}: no {job} run of {partition} on this instance; skipped", file=sys.stderr)
                continue
            _shoot(page, f"/runs/{run_id}", name, log_filter)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
