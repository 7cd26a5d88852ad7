"""Time for the synthetic practice: epoch-day arithmetic, local → UTC per site zone, DST changes and gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY_STRINGS: dict[int, str] = {}


def epoch_day(d: date) -> int:
    """Days since 1970-01-01."""
    return d.toordinal() - _EPOCH_ORDINAL


def day_date(day: int) -> date:
    """The date of an epoch day."""
    return date.fromordinal(day + _EPOCH_ORDINAL)


def fmt_date(day: int) -> str:
    """An epoch day as "YYYY-MM-DD" (cached: the same few thousand days recur millions of times)."""
    text = _DAY_STRINGS.get(day)
    if text is None:
        text = _DAY_STRINGS[day] = day_date(day).isoformat()
    return text


def fmt_ts(ts: int) -> str:
    """UTC epoch seconds as Cliniko writes instants: "YYYY-MM-DDTHH:MM:SSZ" (research/sources.md §2.5)."""
    day, sec = divmod(ts, DAY)
    return f"{fmt_date(day)}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}Z"


def fmt_naive(day: int, minute: int) -> str:
    """A local wall time without zone, as a legacy desktop system would store it: "YYYY-MM-DDTHH:MM:SS"."""
    return f"{fmt_date(day)}T{minute // 60:02d}:{minute % 60:02d}:00"


@dataclass(frozen=True)
class DstChange:
    """A day on which a zone's UTC offset changes; `kind` is "dst_start" (clocks forward) or "dst_end"."""

    day: int
    kind: str
    zone: str
    gap_minutes: tuple[int, ...]  # local quarter-hours that do not exist that day (spring forward only)


class ZoneDays:
    """UTC offsets of one IANA zone for every day of a window, taken at local noon.

    Appointments sit between 07:00 and 19:00 local and every NZ/AU/UK change happens between 01:00 and
    03:00 local (research/sources.md §5.5), so the noon offset is the right one for every appointment
    of that day — converting is one subtraction instead of a zoneinfo call per record.
    """

    def __init__(self, zone: str, first_day: int, last_day: int):
        self.zone = zone
        self.first_day = first_day
        tz = ZoneInfo(zone)
        self._offsets: list[int] = []
        for day in range(first_day, last_day + 1):
            d = day_date(day)
            noon = datetime(d.year, d.month, d.day, 12, tzinfo=tz)
            self._offsets.append(int(noon.utcoffset().total_seconds()))  # type: ignore[union-attr]

    def offset(self, day: int) -> int:
        """The zone's UTC offset in seconds at local noon of `day`."""
        return self._offsets[day - self.first_day]

    def to_utc(self, day: int, minute: int) -> int:
        """UTC epoch seconds of local wall time `minute` (after midnight) on `day`, for 07:00–19:00."""
        return day * DAY + minute * 60 - self._offsets[day - self.first_day]

    def local_minute(self, ts: int) -> tuple[int, int]:
        """(local day, minute after local midnight) of a UTC instant that lies in business hours."""
        day = (ts + self._offsets[ts // DAY - self.first_day]) // DAY
        local = ts + self.offset(day)
        return local // DAY, local % DAY // 60

    def dst_changes(self) -> list[DstChange]:
        """Every day in the window whose noon offset differs from the day before."""
        tz = ZoneInfo(self.zone)
        changes = []
        for k in range(1, len(self._offsets)):
            before, after = self._offsets[k - 1], self._offsets[k]
            if before == after:
                continue
            day = self.first_day + k
            kind = "dst_start" if after > before else "dst_end"
            gap = tuple(m for m in range(0, 6 * 60, 15) if kind == "dst_start" and _in_gap(tz, day, m))
            changes.append(DstChange(day=day, kind=kind, zone=self.zone, gap_minutes=gap))
        return changes


def _in_gap(tz: ZoneInfo, day: int, minute: int) -> bool:
    """Whether a local wall time does not exist: it does not survive a round trip through UTC (PEP 495)."""
    d = day_date(day)
    local = datetime(d.year, d.month, d.day, tzinfo=tz) + timedelta(minutes=minute)
    back = local.astimezone(UTC).astimezone(tz)
    return back.replace(tzinfo=None) != local.replace(tzinfo=None)
