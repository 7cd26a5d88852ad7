"""A progress bar on the console for a Dagster run executed in process (the demo's loads): a Dagster logger
whose handler reads the run's progress lines (targets/progress.py: `<what>: <done>/<total> <unit>`) and
moves one bar per unit of work. Other log messages are left to the run's own log in the UI."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from targets.progress import parse_line

LOGGER = "progress_bar"


class _BarHandler(logging.Handler):
    def __init__(self, bar: Progress) -> None:
        super().__init__(logging.INFO)
        self.bar = bar
        self.tasks: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)
        message = meta.get("orig_message") if isinstance(meta, dict) else record.getMessage()
        parsed = parse_line(str(message or ""))
        if parsed is None:
            return
        what, done, total = parsed
        if what not in self.tasks:
            self.tasks[what] = self.bar.add_task(what, total=total)
        self.bar.update(self.tasks[what], completed=done, total=total)


@contextmanager
def progress_bar(job: dg.JobDefinition, console: Console | None = None) -> Iterator[dg.JobDefinition]:
    """The job with a `progress_bar` logger drawing its progress lines while the block runs."""
    columns = (TextColumn("     {task.description:<34}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console or Console(stderr=True), transient=False) as bar:
        handler = _BarHandler(bar)

        @dg.logger(description="Moves a console progress bar from the run's progress lines.")
        def bar_logger(_context: dg.InitLoggerContext) -> logging.Logger:
            logger = logging.Logger("practice_migrate.progress_bar", logging.INFO)
            logger.addHandler(handler)
            return logger

        yield job.with_logger_defs({**job.loggers, LOGGER: bar_logger})
