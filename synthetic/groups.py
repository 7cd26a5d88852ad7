"""Group classes (group appointments) and the patients booked into them (attendees)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sources.cliniko.settings import CANCELLATION_REASONS
from synthetic.clients import registration_day
from synthetic.cliniko import Links, record
from synthetic.ids import seeded_rng
from synthetic.practice import Practice
from synthetic.timeline import DAY, fmt_ts

_CLASS_STARTS = (7 * 60, 7 * 60 + 30, 12 * 60 + 15, 17 * 60 + 30, 18 * 60)  # local minutes; classes last 1 h
_REASONS = tuple(CANCELLATION_REASONS)
CLIENTS_PER_CLASS = 40  # one class a week per ≈ 200 clients over five years


def class_count(p: Practice) -> int:
    """How many group appointments the practice held (and has booked) in the window."""
    return max(6, p.clients // CLIENTS_PER_CLASS)


def group_records(p: Practice, links: Links) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every class, each followed by its attendees: registered patients only, none twice in one class."""
    gtype = p.types["group"]
    attendee_n = 0
    for g in range(class_count(p)):
        rng = seeded_rng(p.seed, "class", g)
        day = rng.randint(p.window_start, p.window_end - 1)
        day += (day + 3) % 7 == 6  # no Sunday classes
        site = p.sites[rng.randrange(len(p.sites))]
        practitioner = p.practitioner_for(rng, rng.randrange(len(p.practitioners)), site.index, day)
        start = site.days.to_utc(day, rng.choice(_CLASS_STARTS))
        end = start + gtype.minutes * 60
        created = min(start - rng.randint(21, 60) * DAY, p.as_of_ts - 3600)  # before any attendee books
        past = end <= p.as_of_ts
        group_id = p.ids.setup("group_appointments", g)
        yield (
            "group_appointments",
            record(
                "group_appointments",
                {
                    "id": group_id,
                    "starts_at": fmt_ts(start),
                    "ends_at": fmt_ts(end),
                    "max_attendees": gtype.max_attendees,
                    "notes": "Bring a mat" if rng.random() < 0.2 else None,
                    "deleted_at": None,
                    "archived_at": None,
                    "repeat_rule": None,
                    "business": links.to("businesses", site.id),
                    "practitioner": links.to("practitioners", practitioner.id),
                    "appointment_type": links.to("appointment_types", gtype.id),
                    "created_at": fmt_ts(created),
                    "updated_at": fmt_ts(min(end if past else created, p.as_of_ts)),
                },
            ),
        )
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
            yield (
                "attendees",
                record(
                    "attendees",
                    {
                        "id": p.ids.setup("attendees", attendee_n),
                        "arrived": arrived,
                        "cancelled_at": fmt_ts(cancelled_at) if cancelled_at else None,
                        "cancellation_reason": reason,
                        "cancellation_reason_description": CANCELLATION_REASONS[reason] if reason else None,
                        "cancellation_note": None,
                        "notes": None,
                        "email_reminder_sent": past and rng.random() < 0.5,
                        "sms_reminder_sent": past and rng.random() < 0.6,
                        "invoice_status": None,
                        "treatment_note_status": None,
                        "deleted_at": None,
                        "booking": links.to("bookings", group_id),
                        "patient": links.to("patients", p.ids.client("patients", i, 0)),
                        "created_at": fmt_ts(booked),
                        "updated_at": fmt_ts(cancelled_at or (end if past else booked)),
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
