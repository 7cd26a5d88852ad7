"""A client's episodes of care: individual appointments and cases, with their notes and invoices."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sources.cliniko.settings import CANCELLATION_REASONS
from synthetic import defects as dfx
from synthetic.billing import write_invoice
from synthetic.cliniko import Links, money, record
from synthetic.countries import CANCELLATION_NOTES
from synthetic.defects import ClientPlan
from synthetic.notes import CONDITIONS, Condition, write_note
from synthetic.output import ChunkOut
from synthetic.practice import Practice, Practitioner
from synthetic.timeline import DAY, fmt_date, fmt_naive, fmt_ts

MEAN_VISITS = 9.7  # exponential mean, tuned so a client averages ≈ 10 appointments in the window
MAX_VISITS = 180  # keeps 3 invoice items per visit inside a client's 1 000 id slots
ORPHAN_SLOT = 500  # a patients id slot no patient ever uses: orphan appointments point there
_REASONS = tuple(CANCELLATION_REASONS)


@dataclass
class ClientFacts:
    """What the appointment side needs to know about the client (after patient defects were applied)."""

    i: int
    patient_id: str
    full_name: str
    site: int
    practitioner: int
    reg_ts: int
    reg_day: int
    email: str | None  # the address messages went to (None when absent or defective)
    mobile: str | None
    sms_reminders: bool
    email_reminders: bool
    concession: str | None
    insurer_contact: str | None
    referrer_contact: str | None
    clean: bool  # DST-day client: nothing defective may touch it


@dataclass
class Visit:
    """One planned individual appointment, filled in step by step (times, status, id, defect)."""

    day: int
    minute: int
    site: int
    kind: str
    condition: Condition
    episode: int
    series: int = -1  # episode number of a repeating series, -1 if not part of one
    dst_kind: str | None = None
    forced_past: bool = False
    status: str = "booked"
    defect: str | None = None
    start_ts: int = 0
    end_ts: int = 0
    created_ts: int = 0
    cancelled_ts: int | None = None
    invoice_ts: int | None = None
    id: str = ""
    slot: int = 0
    repeats: int = 0  # on a series head: how many later appointments repeat it
    practitioner: Practitioner | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _weekday(day: int) -> int:
    return (day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0


def plan_visits(p: Practice, rng: random.Random, c: ClientFacts, plan: ClientPlan | None) -> list[Visit]:
    """Episodes of weekly-ish sessions after registration, DST-day visits, and any forced extra visit."""
    lo = max(c.reg_day + 1, p.window_start)
    n = min(MAX_VISITS, 1 + int(rng.expovariate(1 / MEAN_VISITS)))
    k = 1 if n < 5 else rng.choice((1, 1, 2, 2, 3))
    cuts = sorted(rng.sample(range(1, n), k - 1)) if k > 1 else []
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n], strict=True)]
    visits: list[Visit] = []
    for e, size in enumerate(sizes):
        interval = rng.choice((7, 7, 7, 10, 14, 14, 21))
        hi = p.window_end - 1 - size * interval
        start = rng.randint(lo, hi) if hi > lo else lo
        condition = rng.choice(CONDITIONS)
        site = c.site if rng.random() < 0.9 else rng.randrange(len(p.sites))
        series = size >= 3 and rng.random() < 0.06
        if series and _weekday(start) == 6:
            start += 1
        minute = rng.randrange(28, 72) * 15  # quarter hours 07:00–17:45 local; ends by 18:45
        for s in range(size):
            if series:
                day, m = start + 7 * s, minute  # a repeat keeps its local time across DST changes
            else:
                day, m = max(lo, start + s * interval + rng.randint(-2, 2)), rng.randrange(28, 72) * 15
                day += _weekday(day) == 6  # no Sunday clinics
            if day >= p.window_end:
                break
            kind = (
                ("initial" if e == 0 or rng.random() < 0.5 else "standard")
                if s == 0
                else "extended"
                if rng.random() < 0.1
                else "standard"
            )
            visits.append(Visit(day, m, site, kind, condition, e, series=e if series else -1))
    if plan is not None:
        for day, kind, site in plan.dst_visits:  # 09:00 local on a DST-change day
            visits.append(Visit(day, 9 * 60, site, "standard", rng.choice(CONDITIONS), -1, dst_kind=kind))
        forced = plan.forced
        eligible = any(v.series < 0 and v.dst_kind is None for v in visits)
        if (forced in dfx.APPOINTMENT_KINDS and not eligible) or forced in dfx.INVOICE_KINDS:
            day = rng.randint(c.reg_day + 1, p.as_of_day - 2)
            day -= _weekday(day) == 6
            visits.append(
                Visit(
                    day,
                    rng.randrange(28, 60) * 15,
                    c.site,
                    "standard",
                    rng.choice(CONDITIONS),
                    -1,
                    forced_past=True,
                )
            )
    return visits


def _times(p: Practice, rng: random.Random, c: ClientFacts, v: Visit) -> None:
    """Local wall time → UTC, status, and when the booking was made and cancelled."""
    site = p.sites[v.site]
    minutes = p.types[v.kind].minutes
    v.start_ts = site.days.to_utc(v.day, v.minute)
    v.end_ts = v.start_ts + minutes * 60
    as_of = p.as_of_ts
    lead = rng.randint(1, 30) * DAY + rng.randint(0, 8 * 3600)
    v.created_ts = min(max(c.reg_ts + 600, v.start_ts - lead), v.start_ts - 3600, as_of - 60)
    if v.dst_kind or v.forced_past:
        v.status = "arrived" if v.end_ts <= as_of else "booked"
    elif v.end_ts <= as_of:
        u = rng.random()
        v.status = "cancelled" if u < 0.10 else "did_not_arrive" if u < 0.14 else "arrived"
    else:
        v.status = "cancelled" if v.start_ts > as_of and rng.random() < 0.05 else "booked"
    if v.status == "cancelled":
        v.cancelled_ts = min(max(v.created_ts + 600, v.start_ts - rng.randint(3600, 3 * DAY)), as_of - 30)


def generate_visits(
    p: Practice, links: Links, rng: random.Random, c: ClientFacts, plan: ClientPlan | None, out: ChunkOut
) -> list[Visit]:
    """Write the client's appointments, case, notes and invoices; return the visits for the message log.

    The visits are planned first (days, times, statuses, defects); then each family's facts are drawn from the
    client's random source visit by visit, in this order, and written as Cliniko records as they are drawn."""
    visits = plan_visits(p, rng, c, plan)
    for v in visits:
        v.practitioner = p.practitioner_for(rng, c.practitioner, v.site, v.day)
        _times(p, rng, c, v)
    visits.sort(key=lambda v: (v.start_ts, v.dst_kind or ""))
    heads: dict[int, Visit] = {}
    for j, v in enumerate(visits):
        v.slot, v.id = j, p.ids.client("individual_appointments", c.i, j)
        if v.series >= 0:
            head = heads.setdefault(v.series, v)
            v.created_ts = head.created_ts  # a repeating booking is made once …
            head.repeats += head is not v
            if v.cancelled_ts is not None:  # … so a cancellation must still come after it
                v.cancelled_ts = min(max(v.cancelled_ts, v.created_ts + 60), p.as_of_ts - 30)
    _assign_defects(p, rng, c, plan, visits)

    case = draw_case(p, rng, c, visits)
    case_id = write_case(p, links, c, case, out) if case is not None else None
    invoice_k = 0
    for v in visits:
        head = heads.get(v.series)
        appointment = draw_appointment(p, rng, c, v)
        write_appointment(p, links, c, v, appointment, head, case_id if v.episode == 0 else None, out)
        if v.status != "arrived" or v.defect is not None:
            continue
        if v.extra.get("must_invoice") or rng.random() < 0.9:
            write_invoice(p, links, rng, c, v, invoice_k, out)
            invoice_k += 1
        if rng.random() < 0.7:
            write_note(p, links, rng, c, v, out)
    past = [v for v in visits if v.status == "arrived"]
    if past and rng.random() < 0.05:  # a phone call noted without any booking
        write_note(p, links, rng, c, rng.choice(past), out, phone=True)
    return visits


def _assign_defects(
    p: Practice, rng: random.Random, c: ClientFacts, plan: ClientPlan | None, visits: list[Visit]
) -> None:
    """Appointment defects only on stand-alone visits: no repeat series, no DST-day visit depends on them."""
    if c.clean:
        return
    eligible = [v for v in visits if v.series < 0 and v.dst_kind is None]
    for v in eligible:
        v.defect = dfx.draw_appointment_kind(rng, p.defect_rate)
    forced = plan.forced if plan else None
    if forced in dfx.APPOINTMENT_KINDS and eligible:
        eligible[0].defect = forced
    if forced in dfx.INVOICE_KINDS:
        target = next(v for v in visits if v.forced_past)
        target.defect, target.status = None, "arrived"
        target.extra["must_invoice"] = target.extra["mismatch"] = True


@dataclass(frozen=True)
class GapTime:
    """A naive local wall time inside a spring-forward gap of a DST-observing site (the `dst_gap_appointment`
    defect), and when that booking was made."""

    site: int
    day: int
    minute: int
    created_ts: int


@dataclass(frozen=True)
class Appointment:
    """What a planned visit's appointment record adds to it as facts: when it was last updated, why it was
    cancelled (a CANCELLATION_REASONS code) with the practice's note, the diary note, and for a
    `dst_gap_appointment` the gap time it was written at."""

    updated_ts: int
    cancellation_reason: int | None
    cancellation_note: str | None
    note: str | None
    gap: GapTime | None = None


@dataclass(frozen=True)
class Case:
    """A case (claim, plan or referral) covering the client's first episode of care."""

    id: str
    label: str  # "ACC claim AB12345", "Care plan" …
    complaint: str
    issue_day: int
    expiry_day: int
    max_sessions: int
    max_amount_cents: int | None
    contact: str | None  # the insurer's or referring doctor's contact id
    created_ts: int


def draw_appointment(p: Practice, rng: random.Random, c: ClientFacts, v: Visit) -> Appointment:
    """Visit `v`'s appointment facts, drawn from the client's random source in this order (the written dump
    depends on it)."""
    # Every status's update time is drawn, whatever the status: the draws that follow do not move.
    updated = {
        "arrived": v.end_ts + rng.randint(0, 1800),
        "did_not_arrive": v.end_ts + 3600,
        "cancelled": v.cancelled_ts or v.created_ts,
    }.get(v.status, v.created_ts)
    reason = rng.choice(_REASONS) if v.status == "cancelled" else None
    cancellation_note = rng.choice(CANCELLATION_NOTES) if reason and rng.random() < 0.3 else None
    note = "Running 10 min late" if rng.random() < 0.02 else None
    gap = _gap_time(p, rng, c) if v.defect == "dst_gap_appointment" else None
    return Appointment(min(max(updated, v.created_ts), p.as_of_ts), reason, cancellation_note, note, gap)


def _gap_time(p: Practice, rng: random.Random, c: ClientFacts) -> GapTime:
    """A wall time inside a spring-forward gap of the first DST-observing site, after the client registered."""
    site = next(s for s in p.sites if s.observes_dst)
    changes = [ch for ch in p.dst_changes if ch.zone == site.zone and ch.gap_minutes]
    later = [ch for ch in changes if ch.day > c.reg_day + 1] or changes
    change = rng.choice(later)
    minute = rng.choice(change.gap_minutes)
    created = min(max(c.reg_ts + 600, (change.day - 14) * DAY), p.as_of_ts - 60)
    return GapTime(site.index, change.day, minute, created)


def write_appointment(
    p: Practice,
    links: Links,
    c: ClientFacts,
    v: Visit,
    appointment: Appointment,
    head: Visit | None,
    case_id: str | None,
    out: ChunkOut,
) -> None:
    """Visit `v` and its appointment facts (`draw_appointment`) as a Cliniko individual appointment, with its
    defect's truth and, on a DST change day, its `dst_days` entry."""
    site = p.sites[v.site]
    assert v.practitioner is not None
    past = v.end_ts <= p.as_of_ts
    reminded = past and v.status != "cancelled"
    reason = appointment.cancellation_reason
    values = {
        "id": v.id,
        "starts_at": fmt_ts(v.start_ts),
        "ends_at": fmt_ts(v.end_ts),
        "cancelled_at": fmt_ts(v.cancelled_ts) if v.cancelled_ts else None,
        "cancellation_reason": reason,
        "cancellation_reason_description": CANCELLATION_REASONS[reason] if reason else None,
        "cancellation_note": appointment.cancellation_note,
        "did_not_arrive": v.status == "did_not_arrive",
        "patient_arrived": v.status == "arrived",
        "notes": appointment.note,
        "patient_name": c.full_name,
        "email_reminder_sent": reminded and c.email_reminders,
        "sms_reminder_sent": reminded and c.sms_reminders,
        "telehealth_url": f"https://{p.domain.split('.')[0]}.cliniko.com/telehealth/{v.id}",
        "repeat_rule": None
        if head is None
        else {"number_of_repeats": head.repeats, "repeat_type": "weekly", "repeating_interval": 1},
        "patient": links.to("patients", c.patient_id),
        "practitioner": links.to("practitioners", v.practitioner.id),
        "business": links.to("businesses", site.id),
        "appointment_type": links.to("appointment_types", p.types[v.kind].id),
        "patient_case": links.to("patient_cases", case_id),
        "repeated_from": links.to("individual_appointments", head.id) if head is not None and head is not v else None,
        "created_at": fmt_ts(v.created_ts),
        "updated_at": fmt_ts(appointment.updated_ts),
    }
    if v.defect:
        _break_appointment(p, links, c, v, appointment, values, out)
    if v.dst_kind:
        out.dst_days.append(
            {
                "source_id": v.id,
                "resource": "individual_appointments",
                "local_start": f"{fmt_date(v.day)}T09:00",
                "time_zone": site.zone,
                "kind": v.dst_kind,
            }
        )
    out.add("individual_appointments", record("individual_appointments", values))


def _break_appointment(
    p: Practice,
    links: Links,
    c: ClientFacts,
    v: Visit,
    appointment: Appointment,
    values: dict[str, object],
    out: ChunkOut,
) -> None:
    kind = v.defect
    assert kind is not None
    if kind == "orphan_appointment":
        values["patient"] = links.to("patients", p.ids.client("patients", c.i, ORPHAN_SLOT))
        values["patient_case"] = None
        field_name = "patient"
    elif kind == "ends_before_start":
        values["ends_at"] = fmt_ts(v.start_ts - p.types[v.kind].minutes * 60)
        field_name = "ends_at"
    else:
        gap = appointment.gap
        assert gap is not None  # draw_appointment draws a gap time for this kind
        values.update(
            {
                "starts_at": fmt_naive(gap.day, gap.minute),
                "ends_at": fmt_naive(gap.day, gap.minute + p.types[v.kind].minutes),
                "business": links.to("businesses", p.sites[gap.site].id),
                "cancelled_at": None,
                "cancellation_reason": None,
                "cancellation_reason_description": None,
                "cancellation_note": None,
                "did_not_arrive": False,
                "patient_arrived": gap.day < p.as_of_day,
                "created_at": fmt_ts(gap.created_ts),
                "updated_at": fmt_ts(gap.created_ts),
            }
        )
        field_name = "starts_at"
    out.defects.append(dfx.truth(kind, v.id, field_name))


def draw_case(p: Practice, rng: random.Random, c: ClientFacts, visits: list[Visit]) -> Case | None:
    """About one client in five has a case (claim, plan or referral) covering their first episode; drawn from the
    client's random source in this order (the written dump depends on it)."""
    first = [v for v in visits if v.episode == 0]
    if not first or rng.random() >= 0.2:
        return None
    start = min(v.day for v in first)
    label = rng.choice(p.country.case_names)
    if label == "ACC claim":  # ACC45 claim numbers: 2 letters + 5 digits (research/sources.md §1.2)
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        label += f" {rng.choice(letters)}{rng.choice(letters)}{rng.randrange(10**5):05d}"
    expiry = start + rng.choice((90, 180, 365))
    created = min(v.created_ts for v in first)
    contact = c.insurer_contact if c.insurer_contact and rng.random() < 0.7 else c.referrer_contact
    max_sessions = rng.randint(6, 16)
    max_amount = rng.randint(6, 20) * 10_000 if rng.random() < 0.5 else None
    return Case(
        id=p.ids.client("patient_cases", c.i, 0),
        label=label,
        complaint=first[0].condition.complaint,
        issue_day=start,
        expiry_day=expiry,
        max_sessions=max_sessions,
        max_amount_cents=max_amount,
        contact=contact,
        created_ts=created,
    )


def write_case(p: Practice, links: Links, c: ClientFacts, case: Case, out: ChunkOut) -> str:
    """The client's case (`draw_case`) as a Cliniko patient case; returns its id for the appointments it covers."""
    out.add(
        "patient_cases",
        record(
            "patient_cases",
            {
                "id": case.id,
                "name": f"{case.label} – {case.complaint}",
                "notes": None,
                "issue_date": fmt_date(case.issue_day),
                "expiry_date": fmt_date(case.expiry_day),
                "closed": case.expiry_day < p.as_of_day,
                "max_sessions": case.max_sessions,
                "max_invoiceable_amount": money(case.max_amount_cents) if case.max_amount_cents is not None else None,
                "referral": c.referrer_contact is not None,
                "referral_type": "GP referral" if c.referrer_contact else None,
                "archived_at": None,
                "patient": links.to("patients", c.patient_id),
                "contact": links.to("contacts", case.contact),
                "created_at": fmt_ts(case.created_ts),
                "updated_at": fmt_ts(case.created_ts),
            },
        ),
    )
    return case.id
