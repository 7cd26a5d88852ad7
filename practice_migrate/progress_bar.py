"""Progress bars on the console (stderr, so a command's result on stdout stays as it was): `stage_bars` for
a CLI command's long steps (`generate`, `template validate`, `mapping propose`), and `progress_bar` for a
Dagster run executed in process (the demo's loads): a Dagster logger whose handler reads the run's progress
lines (store/progress.py: `<what>: <done>/<total> <unit>`) and moves one bar per unit of work. Other log
messages are left to the run's own log in the UI."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from store.progress import parse_line

if TYPE_CHECKING:
    import dagster as dg

LOGGER = "progress_bar"

# (stage, done, total): one bar per stage, created when the stage first reports; total None = not known yet.
StageProgress = Callable[[str, int, "int | None"], None]


@contextmanager
def stage_bars(
    labels: Mapping[str, str] | None = None,
    console: Console | None = None,
    columns: tuple[ProgressColumn, ...] | None = None,
) -> Iterator[StageProgress]:
    """A callback `progress(stage, done, total)` drawing one bar per stage on stderr while the block runs;
    `labels` gives a stage its shown name."""
    columns = columns or (
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console or Console(stderr=True), transient=False) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task((labels or {}).get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield progress


class _BarHandler(logging.Handler):
    def __init__(self, progress: StageProgress) -> None:
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)
        message = meta.get("orig_message") if isinstance(meta, dict) else record.getMessage()
        parsed = parse_line(str(message or ""))
        if parsed is not None:
            self.progress(*parsed)


@contextmanager
def progress_bar(job: dg.JobDefinition, console: Console | None = None) -> Iterator[dg.JobDefinition]:
    """The job with a `progress_bar` logger drawing its progress lines while the block runs."""
    import dagster as dg

    columns = (TextColumn("     {task.description:<34}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with stage_bars(console=console, columns=columns) as progress:
        handler = _BarHandler(progress)

        @dg.logger(description="Moves a console progress bar from the run's progress lines.")
        def bar_logger(_context: dg.InitLoggerContext) -> logging.Logger:
            logger = logging.Logger("practice_migrate.progress_bar", logging.INFO)
            logger.addHandler(handler)
            return logger

        yield job.with_logger_defs({**job.loggers, LOGGER: bar_logger})
