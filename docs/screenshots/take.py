"""Take the operator guide's screenshots from a running `make dev` (headless Chromium).

    make dev &                       # the UI on the demo's instance and data (run `make demo` first)
    make screenshots                 # installs docs/screenshots/requirements.txt into .venv-docs, runs this

Uses the system's Chromium (`CHROMIUM`, default /usr/bin/chromium; on Debian `apt-get install chromium`):
Playwright's own browser download is not needed. Writes docs/screenshots/<name>.png.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

OUT = Path(__file__).resolve().parent
BASE = os.environ.get("DAGSTER_URL", "http://127.0.0.1:3000").rstrip("/")
PAGES = {
    "asset-graph": "/asset-groups",
    "staged-client-checks": "/assets/staged/client?view=checks",
    "dynamics-migrate-launchpad": "/locations/migration/jobs/dynamics_migrate/playground",
    "post-migration-check": "/assets/dynamics/post_migration?view=checks",
    "signoff-asset": "/assets/signoff/trial_signoff",
    "automation": "/automation",
    "runs": "/runs",
    "runs-verdict-failed": "/runs?q%5B0%5D=tag%3Averdict%3Dfailed",
    "rollback-launchpad": "/locations/migration/jobs/dynamics_rollback/playground",
}


# The latest run of a job, its log filtered to the progress lines (targets/progress.py: "records/s").
RUN_LOGS = {"dynamics-migrate-progress": ("dynamics_migrate", "records/s")}
_LATEST_RUN = (
    "query($job: String!) { runsOrError(filter: {pipelineName: $job}, limit: 1) { ... on Runs { results { runId } } } }"
)


def _latest_run(page: Page, job: str) -> str:
    answer = page.request.post(BASE + "/graphql", data={"query": _LATEST_RUN, "variables": {"job": job}})
    return answer.json()["data"]["runsOrError"]["results"][0]["runId"]


def _shoot(page: Page, path: str, name: str, log_filter: str | None = None) -> None:
    page.goto(BASE + path, wait_until="networkidle")
    skip = page.get_by_role("button", name="Skip")
    if skip.count():
        skip.first.click()  # the first-visit community dialog
    if log_filter:
        page.get_by_placeholder("Filter").first.fill(log_filter)
    page.wait_for_timeout(2500)
    page.screenshot(path=str(OUT / f"{name}.png"))
    print(OUT / f"{name}.png")


def main() -> int:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        for name, path in PAGES.items():
            _shoot(page, path, name)
        for name, (job, log_filter) in RUN_LOGS.items():
            _shoot(page, f"/runs/{_latest_run(page, job)}", name, log_filter)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
