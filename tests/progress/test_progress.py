"""Progress lines come at a steady rhythm driven by counts (a fake clock, no waiting), carry done/total,
records/s, 429s with their back-off and an ETA, and never more than one line per step of records."""

from __future__ import annotations

from store.progress import STEPS, ExtractionProgress, ProgressReporter, parse_line


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_line_per_twentieth_of_the_total_then_a_closing_line() -> None:
    clock, lines = FakeClock(), []
    reporter = ProgressReporter("load dynamics/contact", 2000, lines.append, clock=clock, interval_seconds=1e9)
    for done in range(10, 2001, 10):  # chunks of 10 records, one second each
        clock.now += 1
        reporter.update(done)
    reporter.finish()
    assert len(lines) == 20  # 19 while running (every 100 records, below the total) and the closing one
    assert lines[0].startswith("load dynamics/contact: 100/2000 records (5%), ")
    assert "10.0 records/s" in lines[0] and "ETA 3 min 10 s" in lines[0]
    assert lines[-1].startswith("load dynamics/contact: 2000/2000 records (100%)")
    assert "done in" in lines[-1] and "ETA" not in lines[-1]


def test_a_slow_step_still_reports_every_interval() -> None:
    clock, lines = FakeClock(), []
    reporter = ProgressReporter("read back gensolve/gpm_client", 1000, lines.append, clock=clock, interval_seconds=30)
    for done in range(1, 11):  # one record every 10 s: far below a twentieth of the total
        clock.now += 10
        reporter.update(done)
    assert [line.split(":")[1].split(" records")[0].strip() for line in lines] == ["3/1000", "6/1000", "9/1000"]


def test_429s_and_back_off_are_in_the_line() -> None:
    clock, lines = FakeClock(), []
    reporter = ProgressReporter("load dynamics/appointment", 100, lines.append, clock=clock)
    clock.now += 5
    reporter.update(50, throttled=3, backoff_seconds=12.5)
    assert lines == [
        "load dynamics/appointment: 50/100 records (50%), 10.0 records/s, 3 429s (12.5 s back-off), ETA 5 s"
    ]


def test_nothing_done_yet_gives_no_line_and_an_empty_table_closes_at_once() -> None:
    clock, lines = FakeClock(), []
    idle = ProgressReporter("load gensolve/gpm_payment", 10, lines.append, clock=clock, interval_seconds=1)
    clock.now += 5
    idle.update(0)
    assert lines == []
    empty = ProgressReporter("load gensolve/gpm_payment", 0, lines.append, clock=clock)
    empty.finish()
    assert lines == ["load gensolve/gpm_payment: 0/0 records, 0.0 records/s, done in 0 s"]


def test_a_line_reads_back_for_a_progress_bar() -> None:
    clock, lines = FakeClock(), []
    reporter = ProgressReporter("load gensolve/gpm_client", 400, lines.append, clock=clock)
    clock.now += 2
    reporter.update(200)
    assert parse_line(lines[0]) == ("load gensolve/gpm_client", 200, 400)
    assert parse_line("loaded 12 records, 0 unchanged") is None


def test_a_total_known_only_later_keeps_the_rhythm() -> None:
    clock, lines = FakeClock(), []
    reporter = ProgressReporter("read back gensolve/gpm_invoice", 0, lines.append, clock=clock, interval_seconds=1e9)
    reporter.total = 1000
    for done in range(1, 1001):
        clock.now += 0.01
        reporter.update(done)
    assert len(lines) == 19  # every 50 records, not one line per record


def test_the_count_rhythm_never_exceeds_twenty_lines_for_any_total() -> None:
    for total in (1, 19, 21, 59, 61, 999, 1001):
        clock, lines = FakeClock(), []
        reporter = ProgressReporter("load x/y", total, lines.append, clock=clock, interval_seconds=1e9)
        for done in range(1, total + 1):
            reporter.update(done)
        reporter.finish()
        assert len(lines) <= STEPS + 1, (total, len(lines))


def test_a_total_nobody_tells_shows_records_and_pages_without_an_eta() -> None:
    clock, lines = FakeClock(), []
    progress = ExtractionProgress("cliniko", lines.append, every=100, clock=clock)
    progress.start("medical_alerts", listing_totals=False)  # a list per patient: no total to add up
    for _ in range(5):
        clock.now += 2
        progress.listing("patients/1/medical_alerts", 40)  # ignored: the resource has no total
        progress.page(40)
    progress.end()
    assert lines == [
        "extract cliniko/medical_alerts: 120/? records, 3 pages, 20.0 records/s",
        "extract cliniko/medical_alerts: 200/? records, 5 pages, 20.0 records/s, done in 10 s",
    ]
    assert parse_line(lines[0]) == ("extract cliniko/medical_alerts", 120, None)


def test_the_totals_of_a_resources_lists_add_up_and_a_list_read_again_replaces_its_own() -> None:
    clock, lines = FakeClock(), []
    throttled = {"count": 0, "seconds": 0.0}
    progress = ExtractionProgress("cliniko", lines.append, every=50, clock=clock)
    progress.watch(lambda: (throttled["count"], throttled["seconds"]))
    throttled["count"] = 2  # 429s met before this resource: not its own
    progress.start("patients")
    progress.listing("patients", 100)
    clock.now += 10
    throttled["count"], throttled["seconds"] = 3, 4.5
    progress.page(100)
    progress.listing("patients", 90)  # read again after it changed while paging: its new total, not 190
    progress.listing("patients/archived", 10)
    clock.now += 1
    progress.page(10)
    progress.end()
    assert lines == [
        "extract cliniko/patients: 100/100 records (100%), 2 pages, 9.1 records/s, 1 429s (4.5 s back-off), "
        "done in 11 s"
    ]


def test_records_skipped_as_unchanged_are_counted_as_looked_at() -> None:
    clock, lines = FakeClock(), []
    reporter = ProgressReporter("load dynamics/contact", 400, lines.append, clock=clock)
    clock.now += 2
    reporter.update(200, skipped=200)
    reporter.skipped = 400
    reporter.done = 400
    clock.now += 2
    reporter.finish()
    assert lines == [
        "load dynamics/contact: 200/400 records (50%), 200 unchanged (skipped), 100.0 records/s, ETA 2 s",
        "load dynamics/contact: 400/400 records (100%), 400 unchanged (skipped), 100.0 records/s, done in 4 s",
    ]
