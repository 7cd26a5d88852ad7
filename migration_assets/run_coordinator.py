"""The instance's run coordinator: Dagster's run queue, with every customer's run under its one-run limit.

The queue limits runs per customer by the tag `dagster/partition/customer` (dagster_home/dagster.yaml), which
Dagster sets only on runs of the customer × run multi-partitions. A run partitioned by customer alone — the
trial signoff, `signoff/trial_signoff` — carries only `dagster/partition=<customer>`, so it ran beside the
customer's trial or live run, which holds the customer's DuckDB file (a single writer: the second process
cannot open it). This coordinator gives such a run the customer tag when it is queued, from the UI, a
sensor or the GraphQL API alike, so the same limit holds it.
"""

from __future__ import annotations

import re

import dagster as dg
from dagster._core.run_coordinator import SubmitRunContext
from dagster._core.storage.tags import MULTIDIMENSIONAL_PARTITION_PREFIX, PARTITION_NAME_TAG

from customers.config import CUSTOMER_ID_PATTERN

CUSTOMER_TAG = f"{MULTIDIMENSIONAL_PARTITION_PREFIX}customer"


def customer_tag_for(tags: dict[str, str]) -> dict[str, str]:
    """The customer tag a run with these tags lacks: for a run partitioned by one dimension (a partition key
    and no per-dimension tags), whose key is a customer id — the project partitions by customers alone
    or by customer × run (tests/orchestration/test_definitions.py). Empty when nothing is to add."""
    key = tags.get(PARTITION_NAME_TAG)
    if key is None or any(t.startswith(MULTIDIMENSIONAL_PARTITION_PREFIX) for t in tags):
        return {}
    return {CUSTOMER_TAG: key} if re.fullmatch(CUSTOMER_ID_PATTERN, key) else {}


class CustomerQueuedRunCoordinator(dg.QueuedRunCoordinator):
    """`QueuedRunCoordinator` that tags a run partitioned by customer alone with its customer before queueing."""

    def submit_run(self, context: SubmitRunContext) -> dg.DagsterRun:
        run = context.dagster_run
        missing = customer_tag_for(dict(run.tags))
        if missing and run.status == dg.DagsterRunStatus.NOT_STARTED:
            self._instance.add_run_tags(run.run_id, missing)
            tagged = self._instance.get_run_by_id(run.run_id)
            context = SubmitRunContext(tagged or run, context.workspace)
        return super().submit_run(context)
