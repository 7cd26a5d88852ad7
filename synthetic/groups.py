"""Group classes (group appointments) and the patients booked into them (attendees)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sources.cliniko.settings import CANCELLATION_REASONS
from synthetic.clients import registration_day
from synthetic.cliniko import Links, record
from synthetic.ids import seeded_rng
from synthetic.practice import Practice, Practitioner, Site
from synthetic.timeline import DAY, fmt_ts

_CLASS_STARTS = (7 * 60, 7 * 60 + 30, 12 * 60 + 15, 17 * 60 + 30, 18 * 60)  # local minutes; classes last 1 h
_REASONS = tuple(CANCELLATION_REASONS)
CLIENTS_PER_CLASS = 40  # one class a week per ≈ 200 clients over five years


def class_count(p: Practice) -> int:
    """How many group appointments the practice held (and has booked) in the window."""
    return max(6, p.clients // CLIENTS_PER_CLASS)


@dataclass(frozen=True)
class Attendance:
    """One patient booked into a class: client index, when booked, cancelled (reason and when) or whether they
    arrived (None for a class still to come), and which reminders were sent."""

    client: int
    booked: int
    reason: int | None
    cancelled_at: int | None
    arrived: bool | None
    email_reminder_sent: bool
    sms_reminder_sent: bool


@dataclass(frozen=True)
class GroupClass:
    """One class as facts: where, who, when (UTC seconds), when it was created, its note, and its attendees."""

    index: int
    site: Site
    practitioner: Practitioner
    start: int
    end: int
    created: int
    past: bool
    notes: str | None
    attendees: tuple[Attendance, ...]


def draw_class(p: Practice, g: int) -> GroupClass:
    """Class `g` drawn from its own random source (the draws in this order: the written dump depends on it):
    registered patients only, none twice in one class."""
    gtype = p.types["group"]
    rng = seeded_rng(p.seed, "class", g)
    day = rng.randint(p.window_start, p.window_end - 1)
    day += (day + 3) % 7 == 6  # no Sunday classes
    site = p.sites[rng.randrange(len(p.sites))]
    practitioner = p.practitioner_for(rng, rng.randrange(len(p.practitioners)), site.index, day)
    start = site.days.to_utc(day, rng.choice(_CLASS_STARTS))
    end = start + gtype.minutes * 60
    created = min(start - rng.randint(21, 60) * DAY, p.as_of_ts - 3600)  # before any attendee books
    past = end <= p.as_of_ts
    notes = "Bring a mat" if rng.random() < 0.2 else None
    attendees: list[Attendance] = []
    seen: set[int] = set()
    for _ in range(rng.randint(2, gtype.max_attendees) if past else rng.randint(0, gtype.max_attendees // 2)):
        i = _registered_before(p, rng, day, seen)
        if i is None:
            continue
        seen.add(i)
        booked = max(min(start - rng.randint(1, 20) * DAY, p.as_of_ts - 600), registration_day(p, i) * DAY + DAY)
        u = rng.random()
        cancelled = u < 0.08
        reason = rng.choice(_REASONS) if cancelled else None
        cancelled_at = min(booked + (start - booked) // 2, p.as_of_ts - 60) if cancelled else None
        arrived = (not cancelled and u > 0.13) if past else None
        email = past and rng.random() < 0.5
        sms = past and rng.random() < 0.6
        attendees.append(Attendance(i, booked, reason, cancelled_at, arrived, email, sms))
    return GroupClass(g, site, practitioner, start, end, created, past, notes, tuple(attendees))


def group_records(p: Practice, links: Links) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every class (`draw_class`) as a Cliniko group appointment, each followed by its attendees."""
    gtype = p.types["group"]
    attendee_n = 0
    for g in range(class_count(p)):
        c = draw_class(p, g)
        group_id = p.ids.setup("group_appointments", g)
        yield (
            "group_appointments",
            record(
                "group_appointments",
                {
                    "id": group_id,
                    "starts_at": fmt_ts(c.start),
                    "ends_at": fmt_ts(c.end),
                    "max_attendees": gtype.max_attendees,
                    "notes": c.notes,
                    "deleted_at": None,
                    "archived_at": None,
                    "repeat_rule": None,
                    "business": links.to("businesses", c.site.id),
                    "practitioner": links.to("practitioners", c.practitioner.id),
                    "appointment_type": links.to("appointment_types", gtype.id),
                    "created_at": fmt_ts(c.created),
                    "updated_at": fmt_ts(min(c.end if c.past else c.created, p.as_of_ts)),
                },
            ),
        )
        for a in c.attendees:
            yield (
                "attendees",
                record(
                    "attendees",
                    {
                        "id": p.ids.setup("attendees", attendee_n),
                        "arrived": a.arrived,
                        "cancelled_at": fmt_ts(a.cancelled_at) if a.cancelled_at else None,
                        "cancellation_reason": a.reason,
                        "cancellation_reason_description": CANCELLATION_REASONS[a.reason] if a.reason else None,
                        "cancellation_note": None,
                        "notes": None,
                        "email_reminder_sent": a.email_reminder_sent,
                        "sms_reminder_sent": a.sms_reminder_sent,
                        "invoice_status": None,
                        "treatment_note_status": None,
                        "deleted_at": None,
                        "booking": links.to("bookings", group_id),
                        "patient": links.to("patients", p.ids.client("patients", a.client, 0)),
                        "created_at": fmt_ts(a.booked),
                        "updated_at": fmt_ts(a.cancelled_at or (c.end if c.past else a.booked)),
                    },
                ),
            )
            attendee_n += 1


def _registered_before(p: Practice, rng: Any, day: int, taken: set[int]) -> int | None:
    """A random client who registered at least two days before `day` and is not in the class yet."""
    for _ in range(40):
        i = rng.randrange(p.clients)
        if i not in taken and registration_day(p, i) < day - 1:
            return i
    return None
